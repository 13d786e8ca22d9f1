#!/usr/bin/env node
// Same-run comparison of two checkouts of this repository (e.g. a baseline commit and HEAD, each in
// its own `git worktree` with its own `npm ci`):
//
//   node bench/compare/compare.mjs --base=/work/bench-base --head=/work/bench-head \
//     [--runs=3] [--only=on-time,burst] [--code=<commit>] [--out=file.json] [--noise=0.05]
//
// The bench code (bench/, scenarios and lib) is taken from ONE commit (--code, default: the base
// tree's commit) and unpacked inside each tree (node_modules/.cache/bench-compare/), so both trees
// run the same scenario code against their own workspace packages (through the
// `@call-scheduler/source` export condition, as `npm run bench` does). Each case runs in a fresh
// process with its own temp directory, base and head interleaved in pairs whose order alternates
// (base head, head base, base head, ...); the load average is recorded before each pair. Prints per
// figure the median of each side, head/base and whether head is better or worse beyond the noise.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { figuresOf, loadSummary, markdownTable } from './report.mjs';
import { DERIVED_SCENARIOS, SUITE } from './suite.mjs';

const CACHE = join('node_modules', '.cache', 'bench-compare');

function parseArgs(argv) {
  const args = new Map();
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`bad argument ${arg}`);
    args.set(m[1], m[2] ?? 'true');
  }
  return args;
}

function git(dir, args) {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Commit of a tree and whether its packages/ have uncommitted changes. */
function treeInfo(dir) {
  return {
    dir,
    commit: git(dir, ['rev-parse', 'HEAD']),
    subject: git(dir, ['log', '-1', '--format=%s']).slice(0, 100),
    uncommittedInPackages: git(dir, ['status', '--porcelain', '--untracked-files=no', '--', 'packages']) !== '',
  };
}

/**
 * Unpacks bench/ of commit `rev` inside `tree` (where the tree's node_modules resolve its imports)
 * and adds the derived scenarios; returns the directory holding bench/.
 */
function unpackCode(tree, rev) {
  const dest = join(tree, CACHE, rev.slice(0, 12));
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const archive = execFileSync('git', ['-C', tree, 'archive', rev, 'bench'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dest], { input: archive });
  for (const derived of DERIVED_SCENARIOS) {
    const from = join(dest, 'bench', 'scenarios', derived.from);
    const to = join(dest, 'bench', 'scenarios', derived.name);
    cpSync(from, to, { recursive: true });
    const file = join(to, 'cases.ts');
    const text = readFileSync(file, 'utf8');
    const [search, replacement] = derived.replace;
    const count = text.split(search).length - 1;
    if (count !== 1) throw new Error(`${derived.name}: expected "${search}" once in ${derived.from}/cases.ts at ${rev}, found ${count}`);
    writeFileSync(file, text.replace(search, replacement));
  }
  return dest;
}

/** Process groups of the cases running now, killed if this script is interrupted. */
const running = new Set();

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.stderr.write(`\nInterrupted (${signal}).\n`);
    process.exit(130);
  });
}

/**
 * Runs one case of `scenario` in a fresh process in `tree`, with the bench code under `codeDir`.
 * The same spawn as bench/orchestrator.ts's runChild (own process group, killed whole on timeout),
 * but with the checkout and the bench code as parameters; the orchestrator's is not importable
 * (its module runs the whole bench when loaded).
 */
function runChild(tree, codeDir, scenario, name, spec, tmp) {
  const out = join(tmp, `${name}.result.json`);
  const args = [
    ...(spec.nodeArgs ?? []),
    '--conditions=@call-scheduler/source',
    '--import',
    'tsx',
    join(codeDir, 'bench', 'case.ts'),
    `--scenario=${scenario}`,
    `--case=${name}`,
    `--tmp=${tmp}`,
    `--out=${out}`,
    ...Object.entries(spec.params ?? {}).map(([k, v]) => `--param.${k}=${v}`),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, spec.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) {
        killGroup(pid);
        running.delete(pid);
      }
      if (timedOut) reject(new Error(`${scenario}/${name} timed out after ${spec.timeoutMs} ms\n${output}`));
      else if (code !== 0) reject(new Error(`${scenario}/${name} exited with ${code ?? signal}\n${output}`));
      else {
        try {
          resolvePromise(JSON.parse(readFileSync(out, 'utf8')));
        } catch (error) {
          reject(new Error(`${scenario}/${name} wrote no result (${String(error)})\n${output}`));
        }
      }
    });
  });
}

/** One measured run of a case (its prep first, in the same temp directory). */
async function runCase(tree, codeDir, scenario, spec) {
  const tmp = mkdtempSync(join(tmpdir(), `bench-compare-${scenario}-`));
  try {
    if (spec.prep !== undefined) await runChild(tree, codeDir, scenario, spec.prep.name, { params: spec.prep.params, timeoutMs: spec.timeoutMs }, tmp);
    return await runChild(tree, codeDir, scenario, spec.name, spec, tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const baseDir = args.get('base');
  const headDir = args.get('head');
  if (baseDir === undefined || headDir === undefined) throw new Error('--base=<dir> and --head=<dir> are required (checkouts with node_modules installed)');
  const runs = Number(args.get('runs') ?? 3);
  const noise = Number(args.get('noise') ?? 0.05);
  const only = args.get('only')?.split(',').filter((s) => s !== '') ?? Object.keys(SUITE);
  const unknown = only.filter((s) => SUITE[s] === undefined);
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SUITE).join(', ')}`);
  // --cases=memory/sqlite-0,memory/memory-store: only these cases of the selected scenarios.
  const onlyCases = args.get('cases')?.split(',').filter((s) => s !== '');
  const unknownCases = (onlyCases ?? []).filter((key) => !Object.entries(SUITE).some(([scenario, list]) => list.some((c) => `${scenario}/${c.id}` === key)));
  if (unknownCases.length > 0) throw new Error(`unknown case ${unknownCases.join(', ')} (scenario/id, as in suite.mjs)`);
  const sides = [
    { side: 'base', ...treeInfo(resolve(baseDir)) },
    { side: 'head', ...treeInfo(resolve(headDir)) },
  ];
  const codeRev = args.get('code') ?? sides[0].commit;
  const code = git(sides[0].dir, ['rev-parse', codeRev]);
  for (const s of sides) {
    if (!existsSync(join(s.dir, 'node_modules', 'tsx'))) throw new Error(`${s.dir} has no node_modules (run npm ci there)`);
    s.codeDir = unpackCode(s.dir, code);
    // Where the unpacked bench code's imports land: the side's own packages, not another checkout's.
    s.coreResolvesTo = execFileSync(process.execPath, ['--conditions=@call-scheduler/source', '--input-type=module', '-e', "console.log(import.meta.resolve('@call-scheduler/core'))"], {
      cwd: join(s.codeDir, 'bench'),
      encoding: 'utf8',
    }).trim();
    if (!s.coreResolvesTo.startsWith(`file://${s.dir}/`)) throw new Error(`${s.side}: @call-scheduler/core resolves to ${s.coreResolvesTo}, outside ${s.dir}`);
  }
  const out = args.get('out') ?? join(dirname(new URL(import.meta.url).pathname), 'results', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });

  process.stdout.write(
    `Base ${sides[0].commit}${sides[0].uncommittedInPackages ? ' (+ uncommitted changes in packages/)' : ''} at ${sides[0].dir}\n` +
      `Head ${sides[1].commit}${sides[1].uncommittedInPackages ? ' (+ uncommitted changes in packages/)' : ''} at ${sides[1].dir}\n` +
      `@call-scheduler/core: base ${sides[0].coreResolvesTo}, head ${sides[1].coreResolvesTo}\n` +
      `Bench code of ${code}; ${runs} runs per side, interleaved; Node ${process.version}, ${cpus().length} cores\n\n`,
  );

  const started = Date.now();
  const record = { base: sides[0], head: sides[1], code, runs, noise, node: process.version, cores: cpus().length, startedAt: new Date(started).toISOString(), cases: [] };
  const save = () => writeFileSync(out, `${JSON.stringify(record, (key, value) => (key === 'read' ? undefined : value), 2)}\n`);

  for (const scenario of only) {
    for (const spec of SUITE[scenario].filter((c) => onlyCases === undefined || onlyCases.includes(`${scenario}/${c.id}`))) {
      const entry = { scenario, id: spec.id, name: spec.name, params: spec.params ?? {}, runs: [], figures: [] };
      record.cases.push(entry);
      for (let rep = 0; rep < runs; rep++) {
        const order = rep % 2 === 0 ? sides : [sides[1], sides[0]];
        const load = loadavg().map((v) => Math.round(v * 100) / 100);
        const pairLabel = `${scenario}/${spec.id} pair ${rep + 1}/${runs} (load ${load.join(' ')})`;
        process.stdout.write(`  ${pairLabel}:`);
        for (const s of order) {
          const t0 = Date.now();
          try {
            const result = await runCase(s.dir, s.codeDir, scenario, spec);
            entry.runs.push({ side: s.side, rep, loadBefore: load, seconds: (Date.now() - t0) / 1000, result });
            process.stdout.write(` ${s.side} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            entry.runs.push({ side: s.side, rep, loadBefore: load, seconds: (Date.now() - t0) / 1000, error: message });
            process.stdout.write(` ${s.side} FAILED\n${message}\n`);
          }
        }
        process.stdout.write('\n');
        save();
      }
      entry.figures = figuresOf(entry, spec, noise);
      save();
    }
  }

  record.totalSeconds = (Date.now() - started) / 1000;
  record.loadAverage1m = loadSummary(record.cases);
  record.markdown = markdownTable(record.cases);
  save();
  process.stdout.write(`\n${record.markdown}\n\n`);
  process.stdout.write(
    `Verdict: better/worse only when the ${runs} runs of each side do not overlap and the medians differ by more than ${noise * 100}%.\n` +
      `Load average (1 min) before each pair: ${record.loadAverage1m.min}–${record.loadAverage1m.max}, median ${record.loadAverage1m.median}. Total ${Math.round(record.totalSeconds)} s.\nWrote ${out}\n`,
  );
  for (const s of sides) {
    rmSync(s.codeDir, { recursive: true, force: true });
    rmSync(join(s.dir, CACHE), { recursive: true, force: true });
  }
  const failed = record.cases.some((c) => c.runs.some((r) => r.error !== undefined));
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

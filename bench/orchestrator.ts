/**
 * `npm run bench [-- --quick [--peers]] [-- --only=on-time,burst]`: runs every scenario's cases, each in a
 * fresh child process with its own temp directory, prints a table and writes
 * `bench/results/latest.json`. Exits 1 when a case crashed or timed out (timings are never
 * asserted).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/cli.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { machineInfo } from './lib/machine.js';
import { FIGURE_HEADER, figureRows, markdownTable, textTable } from './lib/table.js';
import type { CaseResult, CaseSpec, Figure, ScenarioDef } from './lib/types.js';
import { scenarios } from './scenarios/index.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

interface ScenarioReport {
  readonly name: string;
  readonly title: string;
  readonly seconds: number;
  readonly crashed: string | null;
  readonly figures: readonly Figure[];
  /** The scenario's extra tables (Markdown), if it has any. */
  readonly tables: string | null;
  readonly cases: Readonly<Record<string, CaseResult>>;
}

/** Process groups of the cases running now, killed if the orchestrator is interrupted. */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.stderr.write(`\nInterrupted (${signal}); stopped the running case.\n`);
    process.exit(130);
  });
}

/** Runs one case in a fresh process (its own process group, killed whole on timeout). */
function runChild(
  scenario: string,
  name: string,
  spec: { readonly nodeArgs?: readonly string[]; readonly params?: Readonly<Record<string, string | number>>; readonly timeoutMs: number },
  tmp: string,
  quick: boolean,
): Promise<CaseResult> {
  const out = join(tmp, `${name}.result.json`);
  const args = [
    ...(spec.nodeArgs ?? []),
    '--conditions=@call-scheduler/source',
    '--import',
    'tsx',
    join(BENCH_DIR, 'case.ts'),
    `--scenario=${scenario}`,
    `--case=${name}`,
    `--tmp=${tmp}`,
    `--out=${out}`,
    ...(quick ? ['--quick'] : []),
    ...Object.entries(spec.params ?? {}).map(([k, v]) => `--param.${k}=${v}`),
  ];
  return new Promise<CaseResult>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: join(BENCH_DIR, '..'), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
      else child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Whatever the case left behind in its group (a server it forgot) goes too.
      if (pid !== undefined) {
        killGroup(pid);
        running.delete(pid);
      }
      if (timedOut) {
        reject(new Error(`${scenario}/${name} timed out after ${spec.timeoutMs} ms\n${output}`));
      } else if (code !== 0) {
        reject(new Error(`${scenario}/${name} exited with ${code ?? signal}\n${output}`));
      } else {
        try {
          resolve(JSON.parse(readFileSync(out, 'utf8')) as CaseResult);
        } catch (error) {
          reject(new Error(`${scenario}/${name} wrote no result (${String(error)})\n${output}`));
        }
      }
    });
  });
}

async function runCase(scenario: ScenarioDef, spec: CaseSpec, quick: boolean): Promise<CaseResult> {
  const tmp = mkdtempSync(join(tmpdir(), `bench-${scenario.name}-`));
  try {
    if (spec.prep !== undefined) {
      await runChild(scenario.name, spec.prep.name, { params: spec.prep.params ?? {}, timeoutMs: spec.timeoutMs }, tmp, quick);
    }
    const profileFile = join(tmp, 'case.cpuprofile');
    const params = spec.profile === true ? { ...(spec.params ?? {}), profile: profileFile } : spec.params;
    const result = await runChild(scenario.name, spec.name, { ...spec, ...(params === undefined ? {} : { params }) }, tmp, quick);
    if (spec.profile === true) {
      if (!existsSync(profileFile)) throw new Error(`${scenario.name}/${spec.id ?? spec.name} wrote no .cpuprofile`);
      const kept = join(RESULTS_DIR, `${scenario.name}-${spec.id ?? spec.name}.cpuprofile`);
      copyFileSync(profileFile, kept);
      const count = typeof result.count === 'number' ? result.count : undefined;
      return { ...result, profile: { file: kept.slice(join(BENCH_DIR, '..').length + 1), ...summarizeCpuProfile(kept, count) } };
    }
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const quick = args.get('quick') === 'true';
  const only = args.get('only')?.split(',').filter((s) => s !== '');
  const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`Unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  // A scenario marked quickOnRequest runs in a quick run only when named (`--peers`, `--only=peers`).
  const selected = scenarios.filter((s) => (only === undefined ? !quick || s.quickOnRequest !== true || args.get(s.name) === 'true' : only.includes(s.name)));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const machine = machineInfo();
  const started = performance.now();
  process.stdout.write(
    `Benchmarks${quick ? ' (quick: small sizes, timings not meaningful)' : ''} on Node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores, SQLite ${machine.sqlite}; load average ${machine.loadAverageAtStart.join(' ')}; commit ${machine.commit}${machine.uncommittedChanges ? ' + uncommitted changes in packages/' : ''}\n\n`,
  );

  const reports: ScenarioReport[] = [];
  for (const scenario of selected) {
    const t0 = performance.now();
    const cases: Record<string, CaseResult> = {};
    let crashed: string | null = null;
    for (const spec of scenario.cases(quick)) {
      const c0 = performance.now();
      const id = spec.id ?? spec.name;
      process.stdout.write(`  ${scenario.name}/${id} ... `);
      try {
        cases[id] = await runCase(scenario, spec, quick);
        process.stdout.write(`${((performance.now() - c0) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        crashed = error instanceof Error ? error.message : String(error);
        process.stdout.write(`FAILED\n${crashed}\n`);
        break;
      }
    }
    let figures: Figure[] = [];
    let tables: string | null = null;
    if (crashed === null) {
      try {
        figures = scenario.summarize(cases, quick);
        tables = scenario.tables?.(cases, quick) ?? null;
      } catch (error) {
        crashed = `summary failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
        process.stdout.write(`  ${scenario.name}: ${crashed}\n`);
      }
    }
    reports.push({ name: scenario.name, title: scenario.title, seconds: Math.round((performance.now() - t0) / 100) / 10, crashed, figures, tables, cases });
  }

  const header = [...FIGURE_HEADER];
  const rows = figureRows(reports);
  const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`\n${textTable(header, rows)}\n`);
  for (const report of reports) if (report.tables !== null) process.stdout.write(`\n${report.title}\n\n${report.tables}\n`);
  // The machine is shared: the load at the end says whether the run was disturbed on the way.
  const loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
  process.stdout.write(`\nTotal ${totalSeconds} s; load average at the end ${loadAverageAtEnd.join(' ')}.\n`);
  const json = {
    machine,
    quick,
    totalSeconds,
    loadAverageAtEnd,
    scenarios: reports,
    markdown: markdownTable(header, rows),
  };
  const file = join(RESULTS_DIR, quick ? 'latest-quick.json' : 'latest.json');
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`Wrote ${file.slice(join(BENCH_DIR, '..').length + 1)}\n`);
  return reports.some((r) => r.crashed !== null) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

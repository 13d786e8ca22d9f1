#!/usr/bin/env node
// Packaging checks: what `npm install @call-scheduler/<pkg>` gives a user.
//
// 1. builds every published workspace package (`npm run build -w <dir>`, tsup);
// 2. lints each with publint (--strict) and @arethetypeswrong/cli (`attw --pack --profile esm-only`);
// 3. packs each (`npm pack`), installs the tarballs into a throw-away project in os.tmpdir(),
//    outside the workspace, with their registry dependencies;
// 4. runs an ESM script there that imports every entry point of every package and drives a call
//    through the built code, and type-checks a TypeScript file against the installed `.d.ts` files
//    with `tsc --noEmit` (module/moduleResolution NodeNext, strict, skipLibCheck off);
// 5. follows the README's call-now example, docs/getting-started.md and docs/testing.md verbatim,
//    each in a fresh folder made with `npm init -y`: the guide's shell lines in order (`mkdir`,
//    `npm init -y`, `npm pkg set type=module`, the install lines, `npx tsc`, `npx tsx ...`,
//    `npx vitest run`), with the guide's code blocks written to the files the guide names, against
//    the project's mock of the Call API on 127.0.0.1 (examples/mock-call-api, loaded from source).
//    What differs from a user's terminal, and why:
//    - `@call-scheduler/<name>` in an install line is replaced by the path of the packed tarball
//      (the version under test is not on the registry); third-party packages come from the
//      registry (`--prefer-offline`: the npm cache is usually warm);
//    - `better-sqlite3` is pinned to the workspace's version and installed with --ignore-scripts,
//      then the workspace's compiled `build/Release/better_sqlite3.node` is copied in: its install
//      script would download a prebuilt binary or compile SQLite from source (a minute and a half
//      here). Everything else of the package is the registry's. --ignore-scripts applies to the
//      whole line, so npm's allowScripts warning the guides describe is not printed here;
//    - `CALL_API_URL` points at the mock's free port instead of 5000;
//    - Ctrl+C is a SIGINT sent to the process group of `npx tsx src/main.ts`, as a terminal does;
//    - after the guide's `npx tsc` (the latest TypeScript, 7 when this was written) the workspace's
//      TypeScript 5.9 checks the same folder, since the guide promises a tsconfig for both.
//
// The peers a user brings (better-sqlite3, vitest for `@call-scheduler/core/testing`) and
// @types/node are symlinked from the workspace's node_modules after the install instead of being
// downloaded again (better-sqlite3 would compile from source for a minute and a half). npm never
// sees those links: the install runs with --legacy-peer-deps (do not fetch peers) and
// --ignore-scripts (our tarballs and their dependencies have no install scripts), so it cannot
// rebuild or write into the workspace's packages.
//
// Usage: node scripts/check-packages.mjs [--keep] [--skip-build] [--guides-only]
//   --keep         leave the temporary project in place and print its path
//   --skip-build   use the existing dist/ folders (faster while iterating; CI always builds)
//   --guides-only  pack and follow the guides (step 5) only, skipping publint, attw and step 4

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const SKIP_BUILD = args.has('--skip-build');
const GUIDES_ONLY = args.has('--guides-only');
/** Packages that must be among the published ones (a guard against a mis-read workspace list). */
const EXPECTED = ['@call-scheduler/core', '@call-scheduler/store-memory', '@call-scheduler/store-sqlite', '@call-scheduler/http-adapter'];
/** Peers and types a user installs themselves; linked from the workspace (see the header). */
const LINKED = ['better-sqlite3', 'vitest', '@types/node'];

const started = Date.now();
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a command; resolves with its output, rejects with its output when it fails or times out. */
function run(command, commandArgs, { cwd = ROOT, timeoutMs = 120_000, label = `${command} ${commandArgs.join(' ')}`, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, commandArgs, { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      output += `\n[check-packages] killed after ${timeoutMs} ms`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        console.log(`  ok  ${label} (${seconds(Date.now() - t0)})`);
        resolve(output);
      } else {
        reject(new Error(`${label} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
      }
    });
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool(items, limit, fn) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0) await fn(queue.shift());
  });
  await Promise.all(workers);
}

/** The published workspace packages: every workspace folder without `"private": true`. */
function publishedPackages() {
  const workspaces = readJson(path.join(ROOT, 'package.json')).workspaces ?? [];
  const dirs = workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(path.join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  const packages = dirs
    .filter((dir) => existsSync(path.join(ROOT, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(path.join(ROOT, dir, 'package.json')) }))
    .filter(({ manifest }) => manifest.private !== true);
  const names = packages.map((p) => p.manifest.name);
  const missing = EXPECTED.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new Error(`Published packages not found in the workspace: ${missing.join(', ')}`);
  return packages;
}

/** Every import specifier a package's `exports` offers, e.g. `@call-scheduler/core/testing`. */
function entryPoints({ manifest }) {
  const exportsField = manifest.exports;
  if (exportsField === undefined || typeof exportsField === 'string') return [manifest.name];
  return Object.keys(exportsField)
    .filter((key) => key.startsWith('.') && !key.includes('*') && key !== './package.json')
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

// ------------------------------------------------------------------ the consumer project's files

/** The ESM script: imports every entry point, then runs a call through the built code. */
function consumerScript(specifiers) {
  return `// Generated by scripts/check-packages.mjs: imports every entry point of the installed tarballs.
import assert from 'node:assert/strict';

const specifiers = ${JSON.stringify(specifiers, null, 2)};
for (const specifier of specifiers) {
  const mod = await import(specifier);
  assert.ok(Object.keys(mod).length > 0, specifier + ' exports nothing');
  const resolved = import.meta.resolve(specifier);
  assert.ok(resolved.includes('/node_modules/') && resolved.includes('/dist/'), specifier + ' resolved to ' + resolved + ', not to the installed dist/');
  console.log('imported ' + specifier + ' (' + Object.keys(mod).length + ' exports)');
}

const { CallScheduler, ErrorCode, isCallSchedulerError } = await import('@call-scheduler/core');
const { FakeClock, FakeCallProvider } = await import('@call-scheduler/core/testing');
const { HttpCallProvider } = await import('@call-scheduler/core/http');
const { MemoryStore } = await import('@call-scheduler/store-memory');
const { SqliteStore } = await import('@call-scheduler/store-sqlite');
const { createCallRouter } = await import('@call-scheduler/http-adapter');

// A whole call on a fake clock, once on each store.
for (const store of [new MemoryStore(), new SqliteStore({ filename: ':memory:' })]) {
  const clock = new FakeClock('2026-03-02T09:00:00Z');
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store, provider, clock });
  const completed = [];
  scheduler.on('call:completed', ({ call }) => completed.push(call.id));
  await scheduler.start();
  const call = await scheduler.schedule({ to: '+1 415 555 0123', at: '2026-03-02T10:00:00Z' });
  assert.equal(call.to, '+14155550123');
  await clock.advance(3_600_000 + 15_000);
  assert.deepEqual(completed, [call.id], store.constructor.name + ': the call completed');
  const history = await scheduler.get(call.id);
  assert.equal(history.status, 'completed');
  assert.equal(history.attempts.length, 1);
  await scheduler.stop();
  await store.close();
  console.log(store.constructor.name + ': scheduled, dialed and completed a call');
}

// The store thread ships in the package: SqliteStore with thread 'worker' starts dist/store-thread.js.
{
  const threaded = new SqliteStore({ filename: ':memory:', thread: 'worker' });
  const scheduler = new CallScheduler({ store: threaded, provider: new FakeCallProvider({ clock: new FakeClock('2026-03-02T09:00:00Z') }) });
  const call = await scheduler.schedule({ to: '+1 415 555 0123', at: '2030-01-01T10:00:00Z' });
  assert.equal((await scheduler.get(call.id)).status, 'scheduled');
  await threaded.close();
  console.log("SqliteStore (thread: 'worker'): stored and read a call on its store thread");
}

// Bad input is a typed error that names the field.
const scheduler = new CallScheduler({ store: new MemoryStore(), provider: new HttpCallProvider({ baseUrl: 'http://127.0.0.1:9' }) });
const error = await scheduler.schedule({ to: 'not a number' }).then(() => null, (e) => e);
assert.ok(isCallSchedulerError(error) && error.code === ErrorCode.INVALID_INPUT && error.issues.some((i) => i.path === 'to'));

// The HTTP router builds its OpenAPI document.
const router = createCallRouter({ scheduler });
assert.equal(typeof router, 'function');
assert.match(router.openApiDocument().openapi, /^3\\.1/);
console.log('consumer script: all good');
`;
}

/** A TypeScript file that uses the public types of every package, checked with tsc --noEmit. */
const CONSUMER_TS = `// Generated by scripts/check-packages.mjs: type-checked against the installed .d.ts files.
import {
  CallScheduler,
  ErrorCode,
  ProviderError,
  isCallSchedulerError,
  systemClock,
  type Call,
  type CallProvider,
  type CallSchedulerEvents,
  type CallStore,
  type Clock,
  type PlaceCallRequest,
  type ProviderCallInfo,
  type ProviderRequestOptions,
  type RetryPolicy,
  type ScheduleCallInput,
} from '@call-scheduler/core';
import { FakeCallProvider, FakeClock, testCallProvider, testCallStore } from '@call-scheduler/core/testing';
import { HttpCallProvider, type HttpCallProviderOptions } from '@call-scheduler/core/http';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore, type SqliteStoreOptions } from '@call-scheduler/store-sqlite';
import { createCallRouter, type CallRouter, type CallRouterOptions } from '@call-scheduler/http-adapter';

class EchoProvider implements CallProvider {
  readonly name = 'echo';
  async placeCall(request: PlaceCallRequest, _options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    if (request.to.length < 4) throw ProviderError.rejected('Invalid phone number', { httpStatus: 400 });
    return { providerCallId: request.idempotencyKey, status: 'initiated', rawStatus: 'initiated' };
  }
  async getCall(providerCallId: string, _options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    return { providerCallId, status: 'completed', rawStatus: 'completed', durationSeconds: 1 };
  }
}

const clock: Clock = new FakeClock('2026-01-01T00:00:00Z');
const fake: CallProvider = new FakeCallProvider({ clock });
const stores: CallStore[] = [new MemoryStore(), new SqliteStore({ filename: ':memory:' } satisfies SqliteStoreOptions)];
const httpOptions: HttpCallProviderOptions = { baseUrl: 'http://localhost:5000', timeoutMs: 5_000 };
const retry: RetryPolicy = { busy: { delaysMs: [60_000], maxAttempts: 2 } };
const scheduler = new CallScheduler({ store: stores[0]!, provider: new EchoProvider(), clock: systemClock, retry });
const onCompleted: CallSchedulerEvents['call:completed'] = ({ call, event }) => void [call.to, event.id];
scheduler.on('call:completed', onCompleted);
scheduler.on('call:failed', ({ error }) => void error.code.toLowerCase());
const input: ScheduleCallInput = { to: '+14155550123', at: new Date(), metadata: { order: 42 } };
const scheduled: Promise<Call> = scheduler.schedule(input);
const routerOptions: CallRouterOptions = { scheduler };
const router: CallRouter = createCallRouter(routerOptions);
export const used = [fake, httpOptions, new HttpCallProvider(httpOptions), scheduled, router, testCallStore, testCallProvider];
export function codeOf(error: unknown): string | undefined {
  return isCallSchedulerError(error) ? error.code : error === ErrorCode.INVALID_INPUT ? 'never' : undefined;
}
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  },
  include: ['check.ts'],
};

// ------------------------------------------------------------------ the guides, verbatim, in fresh folders

/** The fenced code blocks of a Markdown file of the repository, each with the heading above it. */
function markdownBlocks(file) {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const title = /^#{1,6}\s+(.*)$/.exec(lines[i]);
    if (title !== null) {
      heading = title[1].trim();
      continue;
    }
    const open = /^(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (open === null) continue;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(open[1])) body.push(lines[j++]);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    blocks.push({ file, line: i + 1, lang: open[2], heading, code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

/** The one block that `test` picks; a guide that lost or doubled it fails the check. */
function theBlock(blocks, what, test) {
  const found = blocks.filter(test);
  if (found.length !== 1) throw new Error(`${blocks[0]?.file}: expected one ${what} block, found ${found.length}`);
  return found[0];
}

/** The shell lines a user types: every `sh` block from the one that runs `npm init -y` on, but the mock's. */
function shellLines(blocks) {
  const first = blocks.findIndex((b) => b.lang === 'sh' && /^npm init -y\b/m.test(b.code));
  if (first === -1) throw new Error(`${blocks[0]?.file}: no sh block runs npm init -y`);
  return blocks
    .slice(first)
    .filter((b) => b.lang === 'sh' && !/^npm ci\b/.test(b.code))
    .flatMap((b) => b.code.split('\n').map((text) => ({ text: text.replace(/\s+#.*$/, '').trim(), where: `${b.file}:${b.line}` })))
    .filter((line) => line.text !== '');
}

/**
 * The guides, each followed in its own empty folder. `files` maps the guide's blocks to the files
 * the guide names; `onRun` watches a `npx tsx` program (a service runs until Ctrl+C).
 */
const GUIDES = [
  {
    name: 'README (call-now.ts)',
    doc: 'README.md',
    files: (blocks) => ({ 'call-now.ts': theBlock(blocks, 'ts block of "Embed it"', (b) => b.heading === 'Embed it' && b.lang === 'ts').code }),
    async onRun(program, { mock }) {
      const { code, stdout, stderr } = await program.exited(60_000);
      const lines = stdout.trim().split('\n');
      if (code !== 0 || stderr.trim() !== '' || lines[0] !== '+14155550123 is initiated' || lines.at(-1) !== '+14155550123 is completed') {
        throw new Error(`call-now.ts: exit ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      if (mock.dialsTo('+14155550123').length !== 1) throw new Error(`call-now.ts: the mock saw ${mock.dialsTo('+14155550123').length} dials, not 1`);
      if (!existsSync(path.join(program.cwd, 'calls.db'))) throw new Error('call-now.ts: no calls.db');
      return `printed ${lines.length} statuses, ${lines[0]} ... ${lines.at(-1)}; one dial; calls.db kept`;
    },
    expectTests: 0,
  },
  {
    name: 'getting started',
    doc: 'docs/getting-started.md',
    files: (blocks) => {
      const files = { 'tsconfig.json': theBlock(blocks, 'json (tsconfig.json)', (b) => b.lang === 'json').code };
      for (const b of blocks.filter((block) => block.lang === 'ts')) {
        const named = /`(src\/[\w.-]+\.ts)`\s*$/.exec(b.heading);
        if (named === null) throw new Error(`${b.file}:${b.line}: a ts block under a heading that names no src/ file: ${b.heading}`);
        if (files[named[1]] !== undefined) throw new Error(`${b.file}:${b.line}: a second block for ${named[1]}`);
        files[named[1]] = b.code;
      }
      return files;
    },
    // A service: it runs until Ctrl+C. Run twice: the second run books no second reminder.
    async onRun(program, { runIndex }) {
      const printed = await program.waitForOutput(/^reminder (\S+) due at (\S+)$/m, 30_000);
      program.signalGroup(runIndex === 0 ? 'SIGINT' : 'SIGTERM');
      const { code, stdout, stderr } = await program.exited(15_000);
      const signal = runIndex === 0 ? 'SIGINT' : 'SIGTERM';
      // npx (npm) got the signal too and, once the program has exited, ends itself with it, as it
      // does in a terminal (exit status 130 after Ctrl+C); the program's own clean stop shows as
      // its line, an empty stderr, no process of the group left, and a closed SQLite file (its
      // -wal file is removed by the last close, and stays after a kill).
      const groupGone = await program.groupGone(5_000);
      const walLeft = existsSync(path.join(program.cwd, 'calls.db-wal'));
      if (![0, signal].includes(code) || !stdout.includes(`${signal}: stopping`) || stderr.trim() !== '' || !groupGone || walLeft) {
        throw new Error(`src/main.ts after ${signal}: exit ${code}, group gone ${groupGone}, calls.db-wal left ${walLeft}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      return { reminderId: printed[1], note: `printed "${printed[0]}", stopped cleanly on ${signal} (npx ended with ${code}, calls.db closed)` };
    },
    runs: 2,
    expectTests: 1,
  },
  {
    name: 'testing',
    doc: 'docs/testing.md',
    files: (blocks) => ({
      'src/calls.test.ts': blocks
        .filter((b) => b.lang === 'ts' && b.heading === 'Examples')
        .map((b) => b.code)
        .join('\n'),
    }),
    expectTests: 4,
  },
];

/** A program started as the guide says (`npx tsx ...`) in its own process group, as a terminal does. */
function startProgram(argv, { cwd, env }) {
  const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set();
  const poke = () => {
    for (const watcher of watchers) watcher();
  };
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    poke();
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  return {
    cwd,
    signalGroup: (signal) => process.kill(-child.pid, signal),
    /** Whether every process of the group has ended within `ms` (npx may end before its program). */
    async groupGone(ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        try {
          process.kill(-child.pid, 0);
        } catch {
          return true;
        }
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    waitForOutput(pattern, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          kill();
          reject(new Error(`${argv.join(' ')}: no output matching ${pattern} within ${ms} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        const check = () => {
          const match = pattern.exec(stdout);
          if (match === null) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve(match);
        };
        watchers.add(check);
        check();
        void exit.then(() => {
          if (watchers.has(check)) {
            clearTimeout(timer);
            watchers.delete(check);
            reject(new Error(`${argv.join(' ')} ended before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        });
      });
    },
    async exited(ms) {
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => {
          kill();
          resolve({ code: null, signal: `killed after ${ms} ms` });
        }, ms);
      });
      const { code, signal } = await Promise.race([exit, timeout]);
      clearTimeout(timer);
      return { code: code ?? signal, stdout, stderr };
    },
    kill,
  };
}

/** Follows one guide in a fresh folder under `root`. */
async function followGuide(guide, { root, packed, mock }) {
  const t0 = Date.now();
  const blocks = markdownBlocks(guide.doc);
  const files = guide.files(blocks);
  const lines = shellLines(blocks);
  const sqliteVersion = readJson(path.join(ROOT, 'node_modules', 'better-sqlite3', 'package.json')).version;
  let cwd = path.join(root, guide.doc.replace(/\W+/g, '-'));
  mkdirSync(cwd);
  let filesWritten = false;
  let runIndex = 0;
  const notes = [];
  const state = {};
  const writeFiles = () => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
      writeFileSync(path.join(cwd, file), text);
    }
    filesWritten = true;
  };
  for (const { text, where } of lines) {
    for (const part of text.split('&&').map((p) => p.trim())) {
      if (/["'`$|;<>]/.test(part)) throw new Error(`${where}: "${part}" needs a shell; the check runs plain commands only`);
      const words = part.split(/\s+/);
      const env = {};
      while (/^[A-Z_]+=/.test(words[0])) {
        const [name, value] = words.shift().split(/=(.*)/s);
        env[name] = name === 'CALL_API_URL' ? mock.url : value;
      }
      const label = `${guide.name}: ${part}`;
      if (words[0] === 'mkdir' && words.length === 2) {
        mkdirSync(path.join(cwd, words[1]));
      } else if (words[0] === 'cd' && words.length === 2) {
        cwd = path.join(cwd, words[1]);
      } else if (words[0] === 'npm' && words[1] === 'install') {
        const args = words.slice(2).map((word) => {
          if (packed[word] !== undefined) return packed[word].replace(/^file:/, '');
          if (word === 'better-sqlite3') return `better-sqlite3@${sqliteVersion}`;
          if (word.startsWith('@call-scheduler/')) throw new Error(`${where}: ${word} is not a published package`);
          return word;
        });
        await run('npm', ['install', ...args, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd, label, timeoutMs: 180_000 });
        const installed = path.join(cwd, 'node_modules', 'better-sqlite3');
        if (existsSync(installed) && !existsSync(path.join(installed, 'build', 'Release', 'better_sqlite3.node'))) {
          mkdirSync(path.join(installed, 'build', 'Release'), { recursive: true });
          copyFileSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), path.join(installed, 'build', 'Release', 'better_sqlite3.node'));
        }
        if (!filesWritten) writeFiles();
      } else if (words[0] === 'npx' && words[1] === 'tsx') {
        if (guide.onRun === undefined) throw new Error(`${where}: the check does not know what ${part} should do`);
        const program = startProgram(words, { cwd, env });
        try {
          const result = await guide.onRun(program, { mock, runIndex, state });
          const note = typeof result === 'string' ? result : result.note;
          if (typeof result === 'object' && result.reminderId !== undefined) {
            if (state.reminderId !== undefined && state.reminderId !== result.reminderId) {
              throw new Error(`${guide.name}: the second run booked reminder ${result.reminderId}, not ${state.reminderId} again`);
            }
            state.reminderId = result.reminderId;
          }
          notes.push(note);
          console.log(`  ok  ${label}: ${note}`);
        } finally {
          program.kill();
        }
        runIndex++;
        // A service is run as often as the guide's check says (the same command again).
        while (runIndex < (guide.runs ?? 1)) {
          const again = startProgram(words, { cwd, env });
          try {
            const result = await guide.onRun(again, { mock, runIndex, state });
            if (result.reminderId !== state.reminderId) throw new Error(`${guide.name}: the second run booked reminder ${result.reminderId}, not ${state.reminderId} again`);
            console.log(`  ok  ${label} (again): ${result.note}; the same reminder ${result.reminderId}`);
          } finally {
            again.kill();
          }
          runIndex++;
        }
      } else if (words[0] === 'npx' && words[1] === 'tsc' && words.length === 2) {
        // The guide installs the latest TypeScript (7 at the time of writing); its tsconfig must
        // pass on 5.9 too, so the workspace's TypeScript 5.9 checks the same folder afterwards.
        const output = await run(words[0], words.slice(1), { cwd, env, label, timeoutMs: 120_000 });
        const version = (await run('npx', ['tsc', '--version'], { cwd, label: `${guide.name}: npx tsc --version` })).trim();
        const workspaceTsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        const workspaceVersion = readJson(path.join(ROOT, 'node_modules', 'typescript', 'package.json')).version;
        await run(process.execPath, [workspaceTsc, '-p', 'tsconfig.json'], { cwd, label: `${guide.name}: the same tsconfig with TypeScript ${workspaceVersion} (the guide's is ${version})` });
        if (output.trim() !== '') throw new Error(`${label}: printed ${output}`);
      } else if (words[0] === 'npx' && words[1] === 'vitest') {
        const output = await run(words[0], words.slice(1), { cwd, env, label, timeoutMs: 120_000 });
        const passed = /Tests\s+(\d+) passed/.exec(output);
        if (passed === null || Number(passed[1]) !== guide.expectTests || /failed|skipped/.test(output.split('Tests')[1] ?? '')) {
          throw new Error(`${label}: expected ${guide.expectTests} passing tests:\n${output}`);
        }
      } else if (['npm', 'npx'].includes(words[0])) {
        await run(words[0], words.slice(1), { cwd, env, label, timeoutMs: 120_000 });
      } else {
        throw new Error(`${where}: the check does not know how to run "${part}"`);
      }
    }
  }
  if (!filesWritten) throw new Error(`${guide.doc}: no install line, so no files were written`);
  const manifest = readJson(path.join(cwd, 'package.json'));
  if (manifest.type !== 'module') throw new Error(`${guide.doc}: package.json has type ${manifest.type} after the guide's commands`);
  for (const [name, value] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
    if (name.startsWith('@call-scheduler/') && !String(value).includes('.tgz')) throw new Error(`${guide.doc}: ${name} was installed from ${value}, not from the packed tarball`);
  }
  if (guide.runs !== undefined && runIndex !== guide.runs) throw new Error(`${guide.doc}: expected ${guide.runs} runs of the program, saw ${runIndex}`);
  if (guide.onRun !== undefined && runIndex === 0) throw new Error(`${guide.doc}: the guide never runs its program`);
  if (guide.expectTests > 0 && !lines.some((l) => /^npx vitest run$/.test(l.text))) throw new Error(`${guide.doc}: no npx vitest run`);
  console.log(`  ok  followed ${guide.doc} in a fresh folder (${seconds(Date.now() - t0)})`);
}

/** Follows every guide, against the mock Call API on 127.0.0.1 (a call lasts 1 s instead of 10 s). */
async function followGuides(root, packed) {
  const { tsImport } = await import('tsx/esm/api');
  const { createMockCallApi } = await tsImport(path.join(ROOT, 'examples', 'mock-call-api', 'src', 'index.ts'), import.meta.url);
  const mock = await createMockCallApi({ host: '127.0.0.1', port: 0, timeFactor: 0.1 });
  try {
    // Two at a time (each folder is its own, and only the README's program dials the mock); a
    // failure is reported once the other guide has finished, so nothing runs on after the cleanup.
    const failures = [];
    await pool(GUIDES, 2, (guide) => followGuide(guide, { root, packed, mock }).catch((error) => void failures.push(error)));
    if (failures.length > 0) throw failures[0];
  } finally {
    await mock.close();
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const packages = publishedPackages();
  console.log(`check-packages: ${packages.map((p) => p.manifest.name).join(', ')}`);

  if (SKIP_BUILD) console.log('  --skip-build: using the existing dist/ folders');
  else await pool(packages, 2, (p) => run('npm', ['run', 'build', '-w', p.dir], { label: `build ${p.manifest.name}`, timeoutMs: 180_000 }));

  if (!GUIDES_ONLY) await pool(packages, 2, async (p) => {
    await run(bin('publint'), ['--strict', p.dir], { label: `publint ${p.manifest.name}` });
    await run(bin('attw'), ['--pack', p.dir, '--profile', 'esm-only', '--format', 'table-flipped'], { label: `attw ${p.manifest.name}` });
  });

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'call-scheduler-pack-'));
  try {
    const tarballs = path.join(tmp, 'tarballs');
    const project = path.join(tmp, 'consumer');
    for (const dir of [tarballs, project]) mkdirSync(dir);

    const packed = {};
    for (const p of packages) {
      const out = await run('npm', ['pack', path.join(ROOT, p.dir), '--pack-destination', tarballs, '--json'], { label: `npm pack ${p.manifest.name}` });
      const info = JSON.parse(out.slice(out.indexOf('[')));
      const file = info[0]?.filename;
      if (typeof file !== 'string') throw new Error(`npm pack ${p.dir}: no file name in ${out}`);
      const listed = info[0].files.map((f) => f.path);
      for (const needed of ['package.json', 'dist/index.js', 'dist/index.d.ts']) {
        if (!listed.includes(needed)) throw new Error(`${p.manifest.name}: the tarball has no ${needed}`);
      }
      if (listed.some((f) => /\.test\.ts$|(^|\/)test\//.test(f))) throw new Error(`${p.manifest.name}: the tarball contains tests`);
      packed[p.manifest.name] = `file:${path.join(tarballs, file)}`;
    }

    if (GUIDES_ONLY) {
      const guides = path.join(tmp, 'guides');
      mkdirSync(guides);
      await followGuides(guides, packed);
      console.log(`check-packages: the guides ran in ${seconds(Date.now() - started)}`);
      return;
    }

    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'call-scheduler-consumer', private: true, type: 'module', dependencies: packed }, null, 2),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps', '--ignore-scripts', '--loglevel=error'], {
      cwd: project,
      label: 'npm install (tarballs + registry dependencies)',
      timeoutMs: 180_000,
    });
    for (const name of LINKED) {
      const link = path.join(project, 'node_modules', name);
      if (existsSync(link)) throw new Error(`npm installed ${name} although peers were not to be fetched`);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules', name), link, 'dir');
    }

    // Every @call-scheduler package must be the packed one, installed once (not a registry copy
    // nested under another package).
    for (const name of Object.keys(packed)) {
      const installed = readJson(path.join(project, 'node_modules', name, 'package.json'));
      const workspaceVersion = packages.find((p) => p.manifest.name === name).manifest.version;
      if (installed.version !== workspaceVersion) throw new Error(`${name}: installed ${installed.version}, packed ${workspaceVersion}`);
      for (const other of Object.keys(packed)) {
        if (existsSync(path.join(project, 'node_modules', other, 'node_modules', name))) {
          throw new Error(`${other} got its own copy of ${name}: the internal dependency range does not match the packed version`);
        }
      }
    }

    const specifiers = packages.flatMap(entryPoints);
    writeFileSync(path.join(project, 'check.mjs'), consumerScript(specifiers));
    writeFileSync(path.join(project, 'check.ts'), CONSUMER_TS);
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
    const output = await run(process.execPath, ['check.mjs'], { cwd: project, label: `node check.mjs (imports ${specifiers.length} entry points)`, timeoutMs: 60_000 });
    if (!output.includes('consumer script: all good')) throw new Error(`check.mjs did not finish:\n${output}`);
    await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
      label: 'tsc --noEmit check.ts (NodeNext, strict, skipLibCheck off)',
    });

    const guides = path.join(tmp, 'guides');
    mkdirSync(guides);
    await followGuides(guides, packed);
  } finally {
    if (KEEP) console.log(`  kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`check-packages: all good in ${seconds(Date.now() - started)}`);
}

main().catch((error) => {
  console.error(`check-packages: FAILED after ${seconds(Date.now() - started)}\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

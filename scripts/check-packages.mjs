#!/usr/bin/env node
// Packaging checks: what `npm install @call-scheduler/<pkg>` gives a user.
//
// 1. builds every published workspace package (`npm run build -w <dir>`, tsup);
// 2. lints each with publint (--strict) and @arethetypeswrong/cli (`attw --pack --profile esm-only`);
// 3. packs each (`npm pack`), installs the tarballs into a throw-away project in os.tmpdir(),
//    outside the workspace, with their registry dependencies;
// 4. runs an ESM script there that imports every entry point of every package and drives a call
//    through the built code, and type-checks a TypeScript file against the installed `.d.ts` files
//    with `tsc --noEmit` (module/moduleResolution NodeNext, strict, skipLibCheck off).
//
// The peers a user brings (better-sqlite3, vitest for `@call-scheduler/core/testing`) and
// @types/node are symlinked from the workspace's node_modules after the install instead of being
// downloaded again (better-sqlite3 would compile from source for a minute and a half). npm never
// sees those links: the install runs with --legacy-peer-deps (do not fetch peers) and
// --ignore-scripts (our tarballs and their dependencies have no install scripts), so it cannot
// rebuild or write into the workspace's packages.
//
// Usage: node scripts/check-packages.mjs [--keep] [--skip-build]
//   --keep        leave the temporary project in place and print its path
//   --skip-build  use the existing dist/ folders (faster while iterating; CI always builds)

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const SKIP_BUILD = args.has('--skip-build');
/** Packages that must be among the published ones (a guard against a mis-read workspace list). */
const EXPECTED = ['@call-scheduler/core', '@call-scheduler/store-memory', '@call-scheduler/store-sqlite', '@call-scheduler/http-adapter'];
/** Peers and types a user installs themselves; linked from the workspace (see the header). */
const LINKED = ['better-sqlite3', 'vitest', '@types/node'];

const started = Date.now();
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs a command; resolves with its output, rejects with its output when it fails or times out. */
function run(command, commandArgs, { cwd = ROOT, timeoutMs = 120_000, label = `${command} ${commandArgs.join(' ')}` } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, commandArgs, { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
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

// ------------------------------------------------------------------ main

async function main() {
  const packages = publishedPackages();
  console.log(`check-packages: ${packages.map((p) => p.manifest.name).join(', ')}`);

  if (SKIP_BUILD) console.log('  --skip-build: using the existing dist/ folders');
  else await pool(packages, 2, (p) => run('npm', ['run', 'build', '-w', p.dir], { label: `build ${p.manifest.name}`, timeoutMs: 180_000 }));

  await pool(packages, 2, async (p) => {
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

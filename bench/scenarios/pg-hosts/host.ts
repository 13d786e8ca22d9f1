/**
 * One dialing host of the pg-hosts scenario, in a process of its own (started by `cases.ts`):
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/scenarios/pg-hosts/host.ts \
 *     --url=postgres://... --schema=bench --notify=true --id=dialer-1 [--claim-ahead-ms=100] [--max-concurrent-requests=50] [--claim-batch-size=100]
 *
 * `CallScheduler` with its defaults (but `claimAheadMs`, `maxConcurrentRequests` and `claimBatchSize` when given) on a `PostgresStore` and the in-process provider that answers
 * `completed` at once. It starts, writes `{"type":"ready"}` as one JSON line on stdout, and dials
 * until a line `stop` arrives on stdin (a line `reset` forgets what it dialed so far and answers
 * `{"type":"reset"}`: a warm-up); then it stops and writes `{"type":"done", ...}`: every dial
 * (`[callId, sub-ms wall clock, Date.now()]`), its completions and errors, its CPU time, and its store
 * method calls and SQL statements from `ready` to `stop` (by name).
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CallScheduler } from '@call-scheduler/core';
import { PostgresStore } from '@call-scheduler/store-postgres';
import pg from 'pg';
import { parseArgs, required } from '../../lib/cli.js';
import { CallCounter, countingPool, countingStore } from '../../lib/counting-store.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { keepPoolErrors } from '../../lib/pg-baseline.js';
import { calibrateWallClock } from '../../lib/wall-clock.js';
import { startProfiler } from '../../lib/profiler.js';

/**
 * The main thread's CPU time in ms (`/proc/thread-self/schedstat`, nanoseconds; `null` where there
 * is no such file). The rest of the process's CPU is its other threads: mostly V8's optimizing
 * compiler and parallel garbage collector, also libuv's pool, tsx's loader and, with a profile,
 * the profiler's thread.
 */
function mainThreadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  // A name of its own in `ps` and in system-wide profiles (the scheduling process and the witness are also `node`).
  process.title = 'dial-host';
  const args = parseArgs(process.argv.slice(2));
  const notify = required(args, 'notify') === 'true';
  // The pool the store would make itself (size 10; named statements keep their generic plans, see the
  // store's README), counted: store method calls and SQL statements, reported with the dials.
  const pool = new pg.Pool({ connectionString: required(args, 'url'), max: 10, options: '-c plan_cache_mode=force_generic_plan' });
  const poolErrors = keepPoolErrors(pool);
  const methods = new CallCounter();
  const statements = new CallCounter();
  const inner = new PostgresStore({ pool: countingPool(pool, statements), schema: required(args, 'schema'), notify });
  const store = countingStore(inner, methods);
  const wallNow = calibrateWallClock();
  const dials: [string, number, number][] = [];
  // With a profile (BENCH_HOST_PROFILE_DIR): each dial's time on the profile's clock (µs of process.hrtime), in the order of `dials`.
  const profileDir = process.env.BENCH_HOST_PROFILE_DIR;
  const dialTimesUs: number[] = [];
  const provider = new InstantProvider({
    answer: 'completed',
    onPlace: (request) => {
      dials.push([request.callId, wallNow(), Date.now()]);
      if (profileDir !== undefined) dialTimesUs.push(Number(process.hrtime.bigint() / 1000n));
    },
  });
  const ahead = args.get('claim-ahead-ms');
  const requests = args.get('max-concurrent-requests');
  const batch = args.get('claim-batch-size');
  const scheduler = new CallScheduler({
    store,
    provider,
    id: required(args, 'id'),
    ...(ahead === undefined ? {} : { claimAheadMs: Number(ahead) }),
    ...(requests === undefined ? {} : { maxConcurrentRequests: Number(requests) }),
    ...(batch === undefined ? {} : { claimBatchSize: Number(batch) }),
  });
  let completed = 0;
  let failed = 0;
  let lastEndedAt = 0;
  let errorCount = 0;
  const errors: string[] = [];
  scheduler.on('call:completed', () => {
    completed += 1;
    lastEndedAt = wallNow();
  });
  scheduler.on('call:failed', () => {
    failed += 1;
    lastEndedAt = wallNow();
  });
  scheduler.on('scheduler:error', ({ error }) => {
    errorCount += 1;
    if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
  });
  const lines = createInterface({ input: process.stdin });
  let cpu0 = process.cpuUsage();
  let main0 = mainThreadCpuMs();
  // BENCH_HOST_PROFILE_DIR: a CPU profile of each host from ready (or from the last reset) to stop, in that directory.
  const profileFile = profileDir === undefined ? undefined : `${profileDir}/${required(args, 'id')}-${process.pid}.cpuprofile`;
  let stopProfiler: (() => Promise<void>) | undefined;
  const stop = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      const command = line.trim();
      if (command === 'stop') resolve();
      // `reset`: what was dialed so far (a warm-up) is forgotten: dials, counts, CPU and store calls start again.
      if (command === 'reset') {
        dials.length = 0;
        dialTimesUs.length = 0;
        completed = 0;
        failed = 0;
        lastEndedAt = 0;
        errorCount = 0;
        errors.length = 0;
        methods.take();
        statements.take();
        const restart = async (): Promise<void> => {
          // The warm-up's profile is dropped: the new one covers what is measured.
          if (stopProfiler !== undefined && profileFile !== undefined) {
            await stopProfiler();
            stopProfiler = await startProfiler(profileFile);
          }
          cpu0 = process.cpuUsage();
          main0 = mainThreadCpuMs();
          send({ type: 'reset' });
        };
        restart().catch((error: unknown) => process.stderr.write(`reset: ${error instanceof Error ? error.message : String(error)}\n`));
      }
    });
    lines.on('close', () => resolve());
  });
  await scheduler.start();
  const health = await store.health();
  methods.take();
  statements.take();
  stopProfiler = profileFile === undefined ? undefined : await startProfiler(profileFile);
  cpu0 = process.cpuUsage();
  main0 = mainThreadCpuMs();
  send({ type: 'ready', watching: health.watching ?? false });
  await stop;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuMs();
  // A kernel without scheduler statistics writes zeros there: no figure rather than 0.
  const mainCpuMs = main0 === null || main1 === null || main1 - main0 <= 0 ? null : main1 - main0;
  await stopProfiler?.();
  lines.close();
  const storeCalls = methods.take();
  const sql = statements.take();
  await scheduler.stop({ timeoutMs: 5_000 });
  await inner.close();
  await pool.end();
  const profile = profileFile === undefined ? {} : { profile: { file: profileFile, dialTimesUs } };
  send({ type: 'done', dials, completed, failed, lastEndedAt, errorCount, errors: [...errors, ...poolErrors.map((m) => `pool: ${m}`)], cpuMs: (cpu.user + cpu.system) / 1000, systemCpuMs: cpu.system / 1000, mainCpuMs, storeCalls, sql, ...profile });
}

main().then(
  // Exits once stdout has taken everything: a pipe takes a large `done` line in several writes.
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CallScheduler, type CallStore } from '@call-scheduler/core';
import { PostgresStore } from '@call-scheduler/store-postgres';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import pg from 'pg';
import { intParam, optionalIntParam } from '../../lib/cli.js';
import { CallCounter, countingPool, countingStore } from '../../lib/counting-store.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { createScratchDatabase, keepPoolErrors } from '../../lib/pg-baseline.js';
import { prng } from '../../lib/prng.js';
import { measureProcessCpu } from '../../lib/server-cpu.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { distribution } from '../../lib/stats.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';
import { calibrateWallClock } from '../../lib/wall-clock.js';
import { fireBareTimer } from '../../lib/bare-timer.js';
import { cases as pgBurstCases } from '../pg-burst/cases.js';

const HOST_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'host.ts');
const WITNESS_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'witness.ts');
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
/** The store's schema in each scratch database. */
const SCHEMA = 'bench';
const SEED = 20_261_206;

/** What a dialing host (`host.ts`) reports when stopped. */
interface HostDone {
  readonly dials: readonly [string, number, number][];
  readonly completed: number;
  readonly failed: number;
  readonly lastEndedAt: number;
  readonly errorCount: number;
  readonly errors: readonly string[];
  readonly cpuMs: number;
  /** The part of `cpuMs` spent in the kernel (system calls: the sockets to PostgreSQL). */
  readonly systemCpuMs: number;
  /**
   * The part of `cpuMs` on the main thread (where the scheduler runs), or `null` where Linux's
   * scheduler statistics are missing; the rest is the other threads, mostly V8's optimizing
   * compiler and parallel garbage collector.
   */
  readonly mainCpuMs: number | null;
  /** Store method calls from `ready` to `stop`, by method. */
  readonly storeCalls: Readonly<Record<string, number>>;
  /** SQL statements (`sql`), `begin`s and pool check-outs (`connect`) from `ready` to `stop`. */
  readonly sql: Readonly<Record<string, number>>;
  /** With BENCH_HOST_PROFILE_DIR: the host's CPU profile, and each dial's time on its clock (in the order of `dials`). */
  readonly profile?: { readonly file: string; readonly dialTimesUs: readonly number[] };
}

/** The hosts' counts summed, per call. */
function perCall(counts: readonly Readonly<Record<string, number>>[], calls: number): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of counts) for (const [name, n] of Object.entries(c)) sum[name] = (sum[name] ?? 0) + n;
  return Object.fromEntries(Object.entries(sum).map(([name, n]) => [name, Math.round((n / calls) * 1000) / 1000]));
}

/** A child process of the case (a dialing host, or the timer witness) that reports `done` on `stop`. */
interface Child<Done> {
  readonly ready: Promise<{ watching: boolean }>;
  /** Writes one line to the process's stdin. */
  send(line: string): void;
  /** Sends `stop` and resolves with its report. */
  stop(): Promise<Done>;
  /** Sends `reset` and resolves when the process has answered it (hosts only). */
  reset(): Promise<void>;
  kill(): void;
}

/** A dialing host process. */
type Host = Child<HostDone>;

/** What the timer witness (`witness.ts`) reports when stopped. */
interface WitnessDone {
  readonly lateness: number[];
  readonly early: number;
  /** Due times told but not fired by `stop` (none, when every call had ended by then). */
  readonly unfired: number;
}

/**
 * Starts `script` (from source) with `args`; it writes `{"type":"ready"}` once ready and
 * `{"type":"done", ...}` after a `stop` line, one JSON line each on stdout.
 */
function startChild<Done>(script: string, args: readonly string[], id: string, nodeArgs: readonly string[] = []): Child<Done> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--conditions=@call-scheduler/source', '--import', 'tsx', script, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  // BENCH_HOST_LOG_DIR: everything the child prints on stdout (its messages and what flags such
  // as `--trace-opt` print) is kept in <dir>/<id>-<pid>.log, one file per child.
  const logDir = process.env.BENCH_HOST_LOG_DIR;
  if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
  const log = logDir === undefined ? undefined : createWriteStream(join(logDir, `${id.replace(/[^A-Za-z0-9-]/g, '_')}-${child.pid ?? 0}.log`));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-3000);
  });
  let onReady: (value: { watching: boolean }) => void = () => undefined;
  let onDone: (value: Done) => void = () => undefined;
  let onFail: (error: Error) => void = () => undefined;
  const ready = new Promise<{ watching: boolean }>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const done = new Promise<Done>((resolve, reject) => {
    onDone = resolve;
    const previous = onFail;
    onFail = (error) => {
      previous(error);
      reject(error);
    };
  });
  // Both are awaited later; keep an early failure from being an unhandled rejection meanwhile.
  ready.catch(() => undefined);
  done.catch(() => undefined);
  if (child.stdout === null) throw new Error('no stdout');
  const resets: (() => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    log?.write(`${line}\n`);
    // The child's messages are JSON objects starting `{"type":`; a flag's trace lines are not, and
    // V8 writes them in pieces, so one may precede a message on its line.
    const at = line.indexOf('{"type":');
    if (at < 0) return;
    const message = JSON.parse(line.slice(at)) as { type: string } & Record<string, unknown>;
    if (message.type === 'ready') onReady({ watching: message.watching === true });
    else if (message.type === 'reset') resets.shift()?.();
    else if (message.type === 'done') onDone(message as unknown as Done);
  });
  child.stdout.on('end', () => log?.end());
  child.on('exit', (code, signal) => onFail(new Error(`${id} exited with ${code ?? signal}\n${stderr}`)));
  return {
    ready,
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    stop() {
      child.stdin?.write('stop\n');
      return done;
    },
    reset() {
      const answered = new Promise<void>((resolve) => resets.push(resolve));
      child.stdin?.write('reset\n');
      return Promise.race([answered, done.then(() => undefined)]);
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Scheduler options a dialing host takes instead of its defaults. */
interface HostOptions {
  readonly claimAheadMs?: number | undefined;
  readonly maxConcurrentRequests?: number | undefined;
  readonly claimBatchSize?: number | undefined;
}

function startHost(url: string, id: string, notify: boolean, options: HostOptions = {}): Host {
  const { claimAheadMs, maxConcurrentRequests, claimBatchSize } = options;
  const args = [
    `--url=${url}`,
    `--schema=${SCHEMA}`,
    `--notify=${notify}`,
    `--id=${id}`,
    ...(claimAheadMs === undefined ? [] : [`--claim-ahead-ms=${claimAheadMs}`]),
    ...(maxConcurrentRequests === undefined ? [] : [`--max-concurrent-requests=${maxConcurrentRequests}`]),
    ...(claimBatchSize === undefined ? [] : [`--claim-batch-size=${claimBatchSize}`]),
  ];
  // BENCH_HOST_NODE_ARGS: extra Node.js flags for the dialing hosts only (e.g. `--trace-opt
  // --trace-deopt`), not for the timer witness, whose lateness is a baseline.
  const nodeArgs = process.env.BENCH_HOST_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
  return startChild<HostDone>(HOST_SCRIPT, args, `host ${id}`, nodeArgs);
}

/** A scratch database with the store's schema migrated; `pg` client for the coordinator's checks. */
async function prepareDatabase(): Promise<{ url: string; client: pg.Client; drop(): Promise<void> }> {
  const db = await createScratchDatabase();
  const init = new PostgresStore({ connectionString: db.url, schema: SCHEMA, notify: false });
  await init.init();
  await init.close();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    url: db.url,
    client,
    async drop() {
      await client.end();
      await db.drop();
    },
  };
}

/** Waits until `count` calls are terminal (read every 100 ms), or throws after `limitMs`. */
async function waitEnded(client: pg.Client, count: number, limitMs: number): Promise<void> {
  const until = performance.now() + limitMs;
  for (;;) {
    const row = (await client.query<{ n: number }>(`select count(*)::int as n from ${SCHEMA}.calls where status in ('completed', 'failed')`)).rows[0];
    if ((row?.n ?? 0) >= count) return;
    if (performance.now() > until) throw new Error(`only ${row?.n ?? 0} of ${count} calls ended within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Events stored per call (the history: scheduled, dispatching, status, completed...). */
async function eventsPerCall(client: pg.Client, count: number): Promise<number> {
  const row = (await client.query<{ n: number }>(`select count(*)::int as n from ${SCHEMA}.events`)).rows[0];
  return (row?.n ?? 0) / count;
}

function numberOf(i: number): string {
  return `+1415${String(3_000_000 + i).padStart(7, '0')}`;
}

/** Gaps between two schedule() calls: exponential, mean `meanMs`, from a fixed seed. */
function gaps(count: number, meanMs: number): number[] {
  const random = prng(SEED);
  return Array.from({ length: count }, () => -Math.log(1 - random()) * meanMs);
}

function settings(context: CaseContext): { count: number; aheadMs: number; gapMs: number } {
  return {
    count: intParam(context.params, 'count', context.quick ? 100 : 2_000),
    aheadMs: intParam(context.params, 'aheadMs', 2_000),
    gapMs: intParam(context.params, 'gapMs', 5),
  };
}

/**
 * Cross-host lateness: this process only schedules (never `start()`), `hosts` fresh processes dial.
 * Calls are scheduled one by one, each due `aheadMs` after its `schedule()`, with exponential gaps
 * (mean `gapMs`). Lateness is the dialing host's sub-ms wall clock at `placeCall` minus the due time.
 */
async function lateness(context: CaseContext, notify: boolean): Promise<CaseResult> {
  const { count, aheadMs, gapMs } = settings(context);
  const hostCount = intParam(context.params, 'hosts', 2);
  // The dialers' claimAheadMs; without it the scheduler's default.
  const claimAheadMs = optionalIntParam(context.params, 'claimAheadMs');
  const db = await prepareDatabase();
  const hosts: Host[] = [];
  let witness: Child<WitnessDone> | undefined;
  try {
    for (let i = 1; i <= hostCount; i++) hosts.push(startHost(db.url, `dialer-${i}`, notify, { claimAheadMs }));
    // The timer floor under this very load: a bare re-armed timer in a process of its own, told
    // each due time as it is scheduled.
    witness = startChild<WitnessDone>(WITNESS_SCRIPT, [], 'the timer witness');
    await witness.ready;
    const ready = await Promise.all(hosts.map((h) => h.ready));
    const store = new PostgresStore({ connectionString: db.url, schema: SCHEMA, notify });
    const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
    const due = new Map<string, number>();
    const scheduleMs: number[] = [];
    const pauses = gaps(count, gapMs);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = t0;
    for (let i = 0; i < count; i++) {
      const at = Date.now() + aheadMs;
      const s0 = performance.now();
      const call = await scheduler.schedule({ to: numberOf(i), at });
      scheduleMs.push(performance.now() - s0);
      due.set(call.id, at);
      witness.send(String(at));
      next += pauses[i] ?? 0;
      const wait = next - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const scheduleCpu = process.cpuUsage(cpu0);
    const schedulingMs = performance.now() - t0;
    await waitEnded(db.client, count, aheadMs + 60_000);
    const history = await eventsPerCall(db.client, count);
    await store.close();
    const reports = await Promise.all(hosts.map((h) => h.stop()));
    const alongside = await witness.stop();
    if (alongside.unfired !== 0) throw new Error(`the timer witness had ${alongside.unfired} due times not fired yet when stopped`);
    const late: number[] = [];
    let early = 0;
    const seen = new Set<string>();
    let twice = 0;
    for (const report of reports) {
      for (const [id, wall, now] of report.dials) {
        const at = due.get(id);
        if (at === undefined) throw new Error(`dial of unknown call ${id}`);
        if (seen.has(id)) twice += 1;
        seen.add(id);
        late.push(wall - at);
        if (now < at) early += 1;
      }
      // Beside a host's profile, its dials as bench/late-windows.ts reads them: [µs on the profile's clock, lateness in ms].
      const profile = report.profile;
      if (profile !== undefined) {
        const dials = report.dials.map(([id, wall], i): [number, number] => [profile.dialTimesUs[i] ?? Number.NaN, wall - (due.get(id) ?? Number.NaN)]);
        writeFileSync(`${profile.file}.dials.json`, JSON.stringify(dials));
      }
    }
    const errors = reports.flatMap((r) => r.errors);
    if (seen.size !== count) throw new Error(`dialed ${seen.size} of ${count} calls`);
    return {
      notify,
      count,
      aheadMs,
      gapMs,
      claimAheadMs,
      hosts: hostCount,
      watching: ready.map((r) => r.watching),
      dialsPerHost: reports.map((r) => r.dials.length),
      early,
      dialedTwice: twice,
      latenessMs: distribution(late),
      witnessLatenessMs: distribution(alongside.lateness),
      witnessEarly: alongside.early,
      scheduleMs: distribution(scheduleMs),
      schedulingMs,
      schedulerCpuMs: (scheduleCpu.user + scheduleCpu.system) / 1000,
      hostCpuMs: reports.map((r) => r.cpuMs),
      eventsPerCall: history,
      storeCallsPerCall: perCall(reports.map((r) => r.storeCalls), count),
      sqlPerCall: perCall(reports.map((r) => r.sql), count),
      errorCount: reports.reduce((sum, r) => sum + r.errorCount, 0),
      errors,
    };
  } finally {
    for (const host of hosts) host.kill();
    witness?.kill();
    await db.drop();
  }
}

/**
 * The baseline: the same due times (each `aheadMs` after a paced instant, the same gaps), fired
 * by one `setTimeout` re-armed to the next due time in this process.
 */
const timer: CaseFn = async (context) => {
  const { count, aheadMs, gapMs } = settings(context);
  const wallNow = calibrateWallClock();
  const pauses = gaps(count, gapMs);
  const start = Date.now();
  let offset = 0;
  const due = pauses.map((pause) => {
    const at = Math.floor(start + offset) + aheadMs;
    offset += pause;
    return at;
  });
  const cpu0 = process.cpuUsage();
  const { lateness: late, early } = await fireBareTimer(due, wallNow);
  const cpu = process.cpuUsage(cpu0);
  return { count, aheadMs, gapMs, early, latenessMs: distribution(late), cpuMs: (cpu.user + cpu.system) / 1000 };
};

/**
 * Throughput: `hosts` fresh dialing processes are started first; this process then stores
 * `count` calls all due at one instant `leadMs` ahead (`scheduleMany`, 1,000 a batch). calls/s is
 * `count` over the time from that instant to the last call's end on any host (each host's wall
 * clock); every call keeps its full history.
 */
const burst: CaseFn = async (context) => {
  const count = intParam(context.params, 'count', context.quick ? 300 : 5_000);
  const hostCount = intParam(context.params, 'hosts', 3);
  const leadMs = intParam(context.params, 'leadMs', 3_000);
  // warmUp > 0: the hosts first dial a burst of that many calls (not measured), as a host that has
  // dialed before would: V8 has compiled the dial path by then. 0: the hosts' first calls ever.
  const warmUp = intParam(context.params, 'warmUp', 0);
  // The dialers' maxConcurrentRequests; without it the scheduler's default (16).
  const maxConcurrentRequests = optionalIntParam(context.params, 'maxConcurrentRequests');
  // The dialers' claimBatchSize; without it the scheduler's default (50).
  const claimBatchSize = optionalIntParam(context.params, 'claimBatchSize');
  const db = await prepareDatabase();
  const hosts: Host[] = [];
  try {
    for (let i = 1; i <= hostCount; i++) hosts.push(startHost(db.url, `dialer-${i}`, true, { maxConcurrentRequests, claimBatchSize }));
    await Promise.all(hosts.map((h) => h.ready));
    const store = new PostgresStore({ connectionString: db.url, schema: SCHEMA });
    const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
    const scheduleBurst = async (first: number, n: number, at: number): Promise<void> => {
      for (let from = 0; from < n; from += 1_000) {
        const inputs = Array.from({ length: Math.min(1_000, n - from) }, (_, k) => ({ to: numberOf(first + from + k), at }));
        await scheduler.scheduleMany(inputs);
      }
    };
    if (warmUp > 0) {
      await scheduleBurst(count, warmUp, Date.now() + 500);
      await waitEnded(db.client, warmUp, 120_000);
      await Promise.all(hosts.map((h) => h.reset()));
    }
    const at = Date.now() + leadMs;
    await scheduleBurst(0, count, at);
    const insertedBy = at - Date.now();
    const serverCpu = measureProcessCpu('postgres');
    if (insertedBy <= 0) {
      const message = `the inserts ended ${-insertedBy} ms after the due time; raise leadMs`;
      if (!context.quick) throw new Error(message);
      context.log(message);
    }
    await waitEnded(db.client, warmUp + count, 120_000);
    const serverCpuUsed = serverCpu();
    const history = await eventsPerCall(db.client, warmUp + count);
    await store.close();
    const reports = await Promise.all(hosts.map((h) => h.stop()));
    const dials = reports.flatMap((r) => r.dials);
    const ids = new Set(dials.map(([id]) => id));
    if (ids.size !== count || dials.length !== count) throw new Error(`${dials.length} dials of ${ids.size} calls, expected ${count}`);
    const end = Math.max(...reports.map((r) => r.lastEndedAt));
    const firstDial = Math.min(...dials.map(([, wall]) => wall));
    const elapsedMs = end - at;
    return {
      count,
      hosts: hostCount,
      warmUp,
      ...(maxConcurrentRequests === undefined ? {} : { maxConcurrentRequests }),
      ...(claimBatchSize === undefined ? {} : { claimBatchSize }),
      elapsedMs,
      callsPerSecond: count / (elapsedMs / 1000),
      firstDialLateMs: firstDial - at,
      early: dials.filter(([, , now]) => now < at).length,
      dialsPerHost: reports.map((r) => r.dials.length),
      // Each host's last call end, ms after the due instant: how evenly the hosts shared the burst.
      hostEndMs: reports.map((r) => Math.round(r.lastEndedAt - at)),
      hostCpuMs: reports.map((r) => r.cpuMs),
      hostMainCpuMs: reports.map((r) => r.mainCpuMs),
      hostSystemCpuMs: reports.map((r) => r.systemCpuMs),
      // Every postgres process's CPU from the due instant's approach (the inserts done) to the last end seen.
      ...serverCpuUsed,
      eventsPerCall: history,
      insertMarginMs: insertedBy,
      storeCallsPerCall: perCall(reports.map((r) => r.storeCalls), count),
      sqlPerCall: perCall(reports.map((r) => r.sql), count),
      errorCount: reports.reduce((sum, r) => sum + r.errorCount, 0),
      errors: reports.flatMap((r) => r.errors),
    };
  } finally {
    for (const host of hosts) host.kill();
    await db.drop();
  }
};

/**
 * Store round trips per call, in one process: `count` calls scheduled one by one (`schedule()`),
 * due spread over `spreadMs`; then the scheduler (defaults, instant provider) dials and ends them.
 * The store is wrapped in a proxy that counts its method calls; for PostgreSQL the pool also
 * counts SQL statements, `begin`s and connection check-outs.
 */
async function roundTrips(context: CaseContext, kind: 'sqlite' | 'postgres'): Promise<CaseResult> {
  const count = intParam(context.params, 'count', context.quick ? 50 : 500);
  const spreadMs = intParam(context.params, 'spreadMs', 2_000);
  const methods = new CallCounter();
  const sqlCounter = new CallCounter();
  let db: { url: string; drop(): Promise<void> } | null = null;
  let pool: pg.Pool | null = null;
  let poolErrors: string[] = [];
  let inner: CallStore & { close(): Promise<void> };
  if (kind === 'postgres') {
    const scratch = await createScratchDatabase();
    db = scratch;
    pool = new pg.Pool({ connectionString: scratch.url, max: 10 });
    poolErrors = keepPoolErrors(pool);
    inner = new PostgresStore({ pool: countingPool(pool, sqlCounter), schema: SCHEMA });
  } else {
    inner = new SqliteStore({ filename: join(context.tmpDir, 'round-trips.db') });
  }
  try {
    const store = countingStore(inner, methods);
    const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
    // Opens and migrates the store: not counted.
    const warmUp = await scheduler.schedule({ to: numberOf(count), at: Date.now() + 600_000 });
    await scheduler.cancel(warmUp.id);
    methods.take();
    sqlCounter.take();
    const start = Date.now() + 1_000 + count * 2;
    for (let i = 0; i < count; i++) await scheduler.schedule({ to: numberOf(i), at: start + Math.floor((i * spreadMs) / count) });
    const scheduleMethods = methods.take();
    const scheduleSql = sqlCounter.take();
    const run = await runScheduler(scheduler, count, spreadMs + 60_000);
    if (run.timedOut || run.completed !== count) throw new Error(`completed ${run.completed} of ${count} (errors: ${run.errors.join(' | ')})`);
    const dispatchMethods = methods.take();
    const dispatchSql = sqlCounter.take();
    const perCall = (counts: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, Math.round((n / count) * 1000) / 1000]));
    const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0) / count;
    return {
      store: kind,
      count,
      spreadMs,
      schedule: { storeCallsPerCall: total(scheduleMethods), byMethod: perCall(scheduleMethods), sql: perCall(scheduleSql) },
      dispatch: { storeCallsPerCall: total(dispatchMethods), byMethod: perCall(dispatchMethods), sql: perCall(dispatchSql) },
      errorCount: run.errorCount,
      poolErrors,
    };
  } finally {
    await inner.close();
    await pool?.end();
    await db?.drop();
  }
}

const rawAutocommit = pgBurstCases['raw-autocommit'];
const rawBatched = pgBurstCases['raw-batched'];
if (rawAutocommit === undefined || rawBatched === undefined) throw new Error('the pg-burst scenario lost its raw cases');

export const cases: Record<string, CaseFn> = {
  timer,
  'lateness-watch': (context) => lateness(context, true),
  'lateness-poll': (context) => lateness(context, false),
  burst,
  'raw-autocommit': rawAutocommit,
  'raw-batched': rawBatched,
  'round-trips-sqlite': (context) => roundTrips(context, 'sqlite'),
  'round-trips-postgres': (context) => roundTrips(context, 'postgres'),
};

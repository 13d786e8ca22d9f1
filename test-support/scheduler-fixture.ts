/**
 * Test-only support for the store packages' scheduler fixture processes (the child side of
 * `./child-processes.ts`): the start-up protocol (`loaded`, a `go` line on stdin, `ready`), error
 * logging to stderr and a clean stop on SIGTERM. Each package's fixture only builds its store.
 */
import { CallScheduler } from '@call-scheduler/core';
import type { CallProvider, CallStore, Clock, TimerHandle } from '@call-scheduler/core';
import { FakeCallProvider } from '@call-scheduler/core/testing';

/** Writes every `scheduler:error` of `scheduler` to stderr, prefixed with `id`. */
export function logSchedulerErrors(scheduler: CallScheduler, id: string): void {
  scheduler.on('scheduler:error', (payload) => {
    process.stderr.write(`[${id}] scheduler:error ${JSON.stringify(payload, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
  });
}

/** On the first SIGTERM, runs `stop` and exits 0. */
export function exitOnSigterm(stop: () => Promise<void>): void {
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => process.exit(0));
  });
}

/** Prints `loaded`, then resolves with the first stdin line that matches `pattern` (`go` and its arguments). */
export async function loadedThenWaitForGo(pattern: RegExp): Promise<RegExpExecArray> {
  process.stdout.write('loaded\n');
  return new Promise<RegExpExecArray>((resolve) => {
    let input = '';
    process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
      input += chunk;
      const match = pattern.exec(input);
      if (match !== null) resolve(match);
    });
  });
}

/** What {@link runSchedulerFixture} needs from the package's fixture. */
export interface SchedulerFixtureOptions {
  /** The scheduler's id. */
  readonly id: string;
  /** The store, already built (and initialised where the store needs it). */
  readonly store: CallStore;
  /** The provider. */
  readonly provider: CallProvider;
  /** The claim lease. */
  readonly leaseMs: number;
  /** How often the scheduler re-reads the store. */
  readonly storeRereadIntervalMs: number;
  /** Closes the store and the provider after the scheduler has stopped. */
  close(): Promise<void>;
}

/**
 * Runs the crash and multi-process tests' scheduler on the real clock: prints `loaded`, waits for
 * `go` on stdin, starts the scheduler and prints `ready`. On SIGTERM it stops, closes and exits 0.
 */
export async function runSchedulerFixture(options: SchedulerFixtureOptions): Promise<void> {
  const scheduler = new CallScheduler({
    store: options.store,
    provider: options.provider,
    id: options.id,
    leaseMs: options.leaseMs,
    storeRereadIntervalMs: options.storeRereadIntervalMs,
    claimBatchSize: 50,
    maxConcurrentRequests: 32,
    maxLiveCalls: 1_000,
    polling: { minIntervalMs: 100, maxIntervalMs: 200, backoffFactor: 1.5, notFoundConfirmMs: 500 },
    transientRetry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  logSchedulerErrors(scheduler, options.id);
  exitOnSigterm(async () => {
    await scheduler.stop({ timeoutMs: 2_000 });
    await options.close();
  });
  await loadedThenWaitForGo(/go\n/);
  await scheduler.start();
  process.stdout.write('ready\n');
}

/**
 * A sped-up clock shared by every process of a test: virtual time = `origin` + (real time -
 * `realStart()`) x `speed`.
 */
export function spedUpClock(origin: number, speed: number, realStart: () => number): Clock {
  return {
    now: () => Math.floor(origin + (Date.now() - realStart()) * speed),
    setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, Math.min(Math.ceil(ms / speed), 2_000_000_000)),
    clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** What {@link runSeriesFixture} needs from the package's fixture. */
export interface SeriesFixtureOptions {
  /** The scheduler's id. */
  readonly id: string;
  /** The store, already built. */
  readonly store: CallStore;
  /** Virtual time at real time `realStart` (the number on the `go` line). */
  readonly origin: number;
  /** Virtual ms per real ms. */
  readonly speed: number;
  /** Closes the store (and what it runs on) after the scheduler has stopped. */
  close(): Promise<void>;
}

/**
 * Runs the recurring-calls race test's scheduler on a sped-up clock shared by every process of the
 * test, with a FakeCallProvider: prints `loaded`, reads `go <realStart>` on stdin, starts the
 * scheduler and prints `ready`. On SIGTERM it stops, closes and exits 0.
 */
export async function runSeriesFixture(options: SeriesFixtureOptions): Promise<void> {
  let realStart = Number.NaN;
  const clock = spedUpClock(options.origin, options.speed, () => realStart);
  const scheduler = new CallScheduler({
    store: options.store,
    provider: new FakeCallProvider({ clock }),
    clock,
    id: options.id,
    leaseMs: 60_000,
    storeRereadIntervalMs: 30_000,
    polling: { minIntervalMs: 30_000, maxIntervalMs: 60_000 },
    // An occurrence up to an hour late (6 s real) is created as usual, in order: two processes
    // both down while loading again are not an outage for the catch-up policy.
    series: { graceMs: 3_600_000, maxCatchUp: 1000 },
  });
  logSchedulerErrors(scheduler, options.id);
  exitOnSigterm(async () => {
    await scheduler.stop({ timeoutMs: 1_000 });
    await options.close();
  });
  realStart = Number((await loadedThenWaitForGo(/go (\d+)\n/))[1]);
  await scheduler.start();
  process.stdout.write('ready\n');
}

/** Prints `dying <where>` and SIGKILLs the current process (a crash at a chosen point). */
export function killSelf(where: string): void {
  process.stdout.write(`dying ${where}\n`);
  process.kill(process.pid, 'SIGKILL');
}

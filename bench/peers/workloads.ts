/**
 * The four workloads of the peer comparison (issue 14), each run by one contender in a fresh
 * process: ingest one by one, ingest in batches of 1,000, calls due over 10 s, calls due at once.
 * The same jobs (distinct numbers, due times from a fixed seed) for every contender.
 */
import { intParam } from '../lib/cli.js';
import { phoneNumber } from '../lib/numbers.js';
import { prng } from '../lib/prng.js';
import { distribution } from '../lib/stats.js';
import type { CaseContext, CaseResult } from '../lib/types.js';
import { calibrateWallClock } from '../lib/wall-clock.js';
import { fireBareTimer } from '../lib/bare-timer.js';
import { startProfiler } from '../lib/profiler.js';
import { openDriver, type ContenderName, type PeerDriver, type PeerJob } from './driver.js';

/** The workloads, by the name used in case ids. */
export const WORKLOADS = ['ingest-one', 'ingest-batch', 'spread', 'burst'] as const;

/** One of {@link WORKLOADS}. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** Ingested jobs are due tomorrow: nothing runs while they go in. */
const DAY_MS = 86_400_000;
/** Jobs per batch call when ingesting in batches. */
export const BATCH = 1_000;
const SEED = 20_251_206;

/** Sizes of each workload (quick: enough to prove that the scripts run). Params `count`, `spreadMs` override them. */
export function sizes(quick: boolean): Readonly<Record<WorkloadName, { readonly count: number; readonly spreadMs?: number }>> {
  return quick
    ? { 'ingest-one': { count: 300 }, 'ingest-batch': { count: 2_000 }, spread: { count: 200, spreadMs: 500 }, burst: { count: 300 } }
    : { 'ingest-one': { count: 10_000 }, 'ingest-batch': { count: 50_000 }, spread: { count: 5_000, spreadMs: 10_000 }, burst: { count: 5_000 } };
}

/** Time between the start of the setup and the first due job (the setup must end before it). */
function leadMs(quick: boolean): number {
  return quick ? 1_000 : 2_500;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function serverCpuSince(driver: PeerDriver, before: number | null): Promise<number | null> {
  const after = await driver.serverCpuMs();
  return before === null || after === null ? null : after - before;
}

/** Ingest: `count` jobs due tomorrow through the one-job API (each awaited) or in batches of 1,000, with the contender running. */
export async function ingest(contender: ContenderName, workload: 'ingest-one' | 'ingest-batch', context: CaseContext): Promise<CaseResult> {
  const count = intParam(context.params, 'count', sizes(context.quick)[workload].count);
  const driver = await openDriver(contender, { tmpDir: context.tmpDir, track: false });
  let ran = 0;
  await driver.start({ onRun: () => (ran += 1), onDone: () => undefined });
  const at = Date.now() + DAY_MS;
  const jobs: PeerJob[] = Array.from({ length: count }, (_, i) => ({ to: phoneNumber(i), dueAt: at + i }));
  const batches: PeerJob[][] = [];
  if (workload === 'ingest-batch') for (let from = 0; from < count; from += BATCH) batches.push(jobs.slice(from, from + BATCH));
  const server0 = await driver.serverCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (workload === 'ingest-one') {
    for (const job of jobs) await driver.addOne(job);
  } else {
    for (const batch of batches) await driver.addBatch(batch);
  }
  const elapsedMs = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(cpu0));
  const serverCpuMs = await serverCpuSince(driver, server0);
  await driver.close();
  if (ran > 0) throw new Error(`${ran} jobs due tomorrow ran during the ingest`);
  return {
    contender,
    workload,
    count,
    perCall: workload === 'ingest-one' ? 1 : BATCH,
    elapsedMs,
    callsPerSecond: count / (elapsedMs / 1000),
    cpuMs: cpu,
    serverCpuMs,
    settings: driver.settings,
  };
}

/** Due offsets (ms after the first due instant) from a fixed seed: the same in every process. */
function offsets(count: number, spreadMs: number): number[] {
  const random = prng(SEED);
  return Array.from({ length: count }, () => Math.floor(random() * spreadMs));
}

/**
 * Timed: `count` jobs due at random instants over `spreadMs` (`spread`), or all at one instant
 * (`burst`), stored before the contender starts; then it starts and runs them. Lateness is taken
 * when a job's handler (our `placeCall`) runs, against the due time the contender stored for it,
 * with a clock aligned to `Date.now()` to a few microseconds; a job is early when its handler runs
 * while `Date.now()` is still before its due time. CPU is this process's (and Redis's, apart)
 * from the start until every job has ended.
 */
export async function timed(contender: ContenderName, workload: 'spread' | 'burst', context: CaseContext): Promise<CaseResult> {
  const size = sizes(context.quick)[workload];
  const count = intParam(context.params, 'count', size.count);
  const spreadMs = workload === 'spread' ? intParam(context.params, 'spreadMs', size.spreadMs ?? 0) : 0;
  const wallNow = calibrateWallClock();
  const driver = await openDriver(contender, { tmpDir: context.tmpDir, track: true });
  const first = Date.now() + leadMs(context.quick);
  const offs = workload === 'spread' ? offsets(count, spreadMs) : new Array<number>(count).fill(0);
  const jobs = offs.map((offset, i): PeerJob => ({ to: phoneNumber(i), dueAt: first + offset }));
  await driver.prepare(jobs);
  if (Date.now() >= first - 200) {
    const message = `the setup ended ${Date.now() - first} ms after the first due time minus 200 ms; raise the lead`;
    if (!context.quick) throw new Error(message);
    context.log(message);
  }

  const lateness: number[] = [];
  let early = 0;
  let untracked = 0;
  let firstRun = Number.POSITIVE_INFINITY;
  let lastRun = Number.NEGATIVE_INFINITY;
  let completed = 0;
  let failed = 0;
  let lastDone = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const server0 = await driver.serverCpuMs();
  // `--param.profile=<file>`: a CPU profile of the measured part alone (start to the last end).
  const stopProfiler = context.params.profile === undefined ? undefined : await startProfiler(context.params.profile);
  const cpu0 = process.cpuUsage();
  await driver.start({
    onRun: (dueAt) => {
      const now = wallNow();
      firstRun = Math.min(firstRun, now);
      lastRun = Math.max(lastRun, now);
      if (dueAt === undefined) {
        untracked += 1;
        return;
      }
      if (Date.now() < dueAt) early += 1;
      lateness.push(now - dueAt);
    },
    onDone: (ok) => {
      if (ok) completed += 1;
      else failed += 1;
      if (completed + failed === count) {
        lastDone = wallNow();
        finish();
      }
    },
  });
  let timedOut = false;
  let limit: NodeJS.Timeout | undefined;
  await Promise.race([
    finished,
    new Promise<void>((resolve) => {
      limit = setTimeout(
        () => {
          timedOut = true;
          resolve();
        },
        first - Date.now() + spreadMs + (context.quick ? 20_000 : 60_000),
      );
    }),
  ]);
  clearTimeout(limit);
  const cpu = cpuMs(process.cpuUsage(cpu0));
  await stopProfiler?.();
  const serverCpuMs = await serverCpuSince(driver, server0);
  await driver.close();
  if (untracked > 0) throw new Error(`${untracked} jobs ran without a known due time`);
  return {
    contender,
    workload,
    count,
    spreadMs,
    ran: lateness.length,
    completed,
    failed,
    timedOut,
    early,
    latenessMs: distribution(lateness),
    firstRunAfterDueMs: firstRun - first,
    lastRunAfterDueMs: lastRun - first,
    allDoneAfterDueMs: lastDone - first,
    cpuMs: cpu,
    serverCpuMs,
    settings: driver.settings,
  };
}

/**
 * The floor of the `spread` workload: the same due times fired by one bare `setTimeout` re-armed
 * to the next due time, firing what satisfies `due <= Date.now()` (as in the on-time scenario).
 */
export async function timerFloor(context: CaseContext): Promise<CaseResult> {
  const size = sizes(context.quick).spread;
  const count = intParam(context.params, 'count', size.count);
  const spreadMs = intParam(context.params, 'spreadMs', size.spreadMs ?? 0);
  const wallNow = calibrateWallClock();
  const first = Date.now() + leadMs(context.quick);
  const due = offsets(count, spreadMs)
    .map((offset) => first + offset)
    .sort((a, b) => a - b);
  const cpu0 = process.cpuUsage();
  const { lateness, early } = await fireBareTimer(due, wallNow);
  return { contender: 'timer', workload: 'spread', count, spreadMs, ran: lateness.length, early, latenessMs: distribution(lateness), cpuMs: cpuMs(process.cpuUsage(cpu0)) };
}

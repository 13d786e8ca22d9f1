import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { intParam } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { prng } from '../../lib/prng.js';
import { createStoreSchema, insertScheduledCalls, openRaw } from '../../lib/sqlite-fixture.js';
import { distribution } from '../../lib/stats.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';
import { calibrateWallClock } from '../../lib/wall-clock.js';
import { fireBareTimer } from '../../lib/bare-timer.js';
import { startProfiler } from '../../lib/profiler.js';

/**
 * Sizes: 10,000 calls over 10 s (quick: 250 over 0.5 s) unless `count` and `spreadMs` come in the params (the scenario asks for 5,000 and 500 over 10 s);
 * the first is due `leadMs` after the setup.
 */
function sizes(context: CaseContext): { count: number; spreadMs: number } {
  const sizes = context.quick ? { count: 250, spreadMs: 500 } : { count: 10_000, spreadMs: 10_000 };
  return { count: intParam(context.params, 'count', sizes.count), spreadMs: intParam(context.params, 'spreadMs', sizes.spreadMs) };
}
/** Time between the end of the setup and the first due call (quick runs only prove that the script works). */
function leadMs(context: CaseContext): number {
  return context.quick ? 500 : 1_000;
}
const SEED = 20_251_121;

/** Due offsets (ms after the start) from a fixed seed: the same in both processes. */
function offsets(count: number, spreadMs: number): number[] {
  const random = prng(SEED);
  return Array.from({ length: count }, () => Math.floor(random() * spreadMs));
}

interface Fired {
  readonly lateness: number[];
  early: number;
}

function report(fired: Fired, count: number, spreadMs: number, cpu: NodeJS.CpuUsage, wallMs: number, extra: CaseResult = {}): CaseResult {
  return {
    count,
    spreadMs,
    fired: fired.lateness.length,
    early: fired.early,
    latenessMs: distribution(fired.lateness),
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    ...extra,
  };
}

/** Baseline: one `setTimeout` re-armed to the next due time, firing what satisfies `due <= Date.now()`. */
const timer: CaseFn = async (context) => {
  const { count, spreadMs } = sizes(context);
  const wallNow = calibrateWallClock();
  const start = Date.now() + leadMs(context);
  const due = offsets(count, spreadMs)
    .map((o) => start + o)
    .sort((a, b) => a - b);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fired: Fired = await fireBareTimer(due, wallNow);
  return report(fired, count, spreadMs, process.cpuUsage(cpu0), performance.now() - t0);
};

/**
 * The scheduler on a SQLite file, with an in-process provider whose dial answers `completed` at
 * once (each call: claim, dial, two fenced writes). Lateness is taken when `placeCall` runs.
 */
const schedulerSqlite: CaseFn = async (context) => {
  const { count, spreadMs } = sizes(context);
  const profile = context.params.profile;
  const filename = join(context.tmpDir, 'on-time.db');
  await createStoreSchema(filename);
  const wallNow = calibrateWallClock();
  const start = Date.now() + 2 * leadMs(context);
  const offs = offsets(count, spreadMs);
  const db = openRaw(filename);
  const ids = insertScheduledCalls(db, { count, dueAt: (i) => start + (offs[i] ?? 0), createdAt: Date.now() });
  db.close();
  const dueById = new Map<string, number>();
  ids.forEach((id, i) => dueById.set(id, start + (offs[i] ?? 0)));

  const fired: Fired = { lateness: [], early: 0 };
  // With `--param.profile=<file>`: each dial's time on the profile's clock (µs of process.hrtime) and its lateness, for bench/late-windows.ts.
  const dials: [number, number][] = [];
  const provider = new InstantProvider({
    answer: 'completed',
    onPlace: (request) => {
      const late = wallNow();
      const at = dueById.get(request.callId);
      if (at === undefined) throw new Error(`unknown call ${request.callId}`);
      if (Date.now() < at) fired.early += 1;
      fired.lateness.push(late - at);
      if (profile !== undefined) dials.push([Number(process.hrtime.bigint() / 1000n), late - at]);
    },
  });
  // `checkpoints` and `thread` from the params (default: the store's).
  const store = new SqliteStore({
    filename,
    ...(context.params.checkpoints === 'inline' ? { checkpoints: 'inline' as const } : {}),
    ...(context.params.thread === 'worker' ? { thread: 'worker' as const } : {}),
  });
  // `claimAheadMs` from the params; without it the scheduler's default.
  const ahead = context.params.claimAheadMs;
  const scheduler = new CallScheduler({ store, provider, ...(ahead === undefined ? {} : { claimAheadMs: intParam(context.params, 'claimAheadMs', 0) }) });
  let completed = 0;
  let failed = 0;
  const errors: string[] = [];
  scheduler.on('scheduler:error', ({ error }) => errors.push(String(error)));
  scheduler.on('call:failed', () => (failed += 1));
  const done = new Promise<void>((resolve) => {
    scheduler.on('call:completed', () => {
      completed += 1;
      if (completed + failed === count) resolve();
    });
  });
  await scheduler.start();
  if (Date.now() >= start) {
    // The first calls are late by the setup itself: a broken measurement (fine in a quick run, which proves only that the script works).
    const message = `the setup ended ${Date.now() - start} ms after the first due time; raise leadMs`;
    if (!context.quick) throw new Error(message);
    context.log(message);
  }
  // `--param.profile=<file>`: a CPU profile of the measured part alone, and the dials beside it (`<file>.dials.json`).
  const stopProfiler = profile === undefined ? undefined : await startProfiler(profile);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const limit = spreadMs + 60_000;
  let timedOut = false;
  let limitTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise<void>((resolve) => {
      limitTimer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, limit);
    }),
  ]);
  clearTimeout(limitTimer);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  if (stopProfiler !== undefined && profile !== undefined) {
    await stopProfiler();
    writeFileSync(`${profile}.dials.json`, JSON.stringify(dials));
  }
  await scheduler.stop();
  await store.close();
  if (errors.length > 0) context.log(`scheduler errors: ${errors.slice(0, 3).join(' | ')}`);
  return report(fired, count, spreadMs, cpu, wallMs, { completed, failed, timedOut, schedulerErrors: errors.length, options: { store: 'SqliteStore', ...scheduler.options } });
};

export const cases: Record<string, CaseFn> = { timer, 'scheduler-sqlite': schedulerSqlite };

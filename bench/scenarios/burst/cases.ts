import { join } from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { InstantProvider } from '../../lib/instant-provider.js';
import { createRawLoop } from '../../lib/raw-loop.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { createStoreSchema, insertScheduledCalls, openRaw } from '../../lib/sqlite-fixture.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';
import { calibrateWallClock } from '../../lib/wall-clock.js';

const LEAD_MS = 1_500;
/** The claim batch of the raw loop: the scheduler's default `claimBatchSize`. */
const RAW_BATCH = 50;

/** A SQLite file with `count` calls all due at one instant, a little in the future. */
async function prepare(context: CaseContext): Promise<{ filename: string; count: number; dueAt: number }> {
  const count = context.quick ? 500 : 10_000;
  const filename = join(context.tmpDir, 'burst.db');
  await createStoreSchema(filename);
  const db = openRaw(filename);
  const dueAt = Date.now() + LEAD_MS;
  insertScheduledCalls(db, { count, dueAt: () => dueAt, createdAt: Date.now() });
  db.close();
  if (Date.now() >= dueAt - 200) {
    const message = `the setup ended ${Date.now() - dueAt} ms after the due time minus 200 ms; raise LEAD_MS`;
    if (!context.quick) throw new Error(message);
    context.log(message);
  }
  return { filename, count, dueAt };
}

function waitUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

function report(count: number, dials: readonly number[], dueAt: number, lastEnd: number, cpuMs: number, extra: CaseResult = {}): CaseResult {
  const first = Math.min(...dials);
  const last = Math.max(...dials);
  return {
    count,
    dialed: dials.length,
    firstDialAfterDueMs: first - dueAt,
    lastDialAfterDueMs: last - dueAt,
    dialsPerSecond: dials.length / ((last - dueAt) / 1000),
    allEndedAfterDueMs: lastEnd - dueAt,
    cpuMs,
    ...extra,
  };
}

/** Baseline: the raw better-sqlite3 claim-by-batch + update loop, started at the due instant. */
const rawSqlite: CaseFn = async (context) => {
  const { filename, count, dueAt } = await prepare(context);
  const wallNow = calibrateWallClock();
  const db = openRaw(filename);
  const loop = createRawLoop(db, 'raw-loop', 30_000);
  const dials: number[] = [];
  await waitUntil(dueAt);
  const cpu0 = process.cpuUsage();
  const done = loop(() => Date.now(), RAW_BATCH, { onDial: () => dials.push(wallNow()) });
  const end = wallNow();
  const cpu = process.cpuUsage(cpu0);
  db.close();
  if (done !== count) throw new Error(`raw loop completed ${done} of ${count}`);
  return report(count, dials, dueAt, end, (cpu.user + cpu.system) / 1000, { batch: RAW_BATCH });
};

/** The scheduler (default options) on the same file; the dial answers `completed` at once. */
const schedulerSqlite: CaseFn = async (context) => {
  const { filename, count, dueAt } = await prepare(context);
  const wallNow = calibrateWallClock();
  const dials: number[] = [];
  let lastEnd = 0;
  const provider = new InstantProvider({ answer: 'completed', onPlace: () => dials.push(wallNow()) });
  const store = new SqliteStore({ filename, ...(context.params.thread === 'worker' ? { thread: 'worker' as const } : {}) });
  const scheduler = new CallScheduler({ store, provider });
  scheduler.on('call:completed', () => (lastEnd = wallNow()));
  const run = await runScheduler(scheduler, count, LEAD_MS + (context.quick ? 30_000 : 120_000));
  await store.close();
  if (run.errorCount > 0) context.log(`scheduler errors: ${run.errors.join(' | ')}`);
  return report(count, dials, dueAt, lastEnd, run.cpuMs, {
    completed: run.completed,
    failed: run.failed,
    timedOut: run.timedOut,
    schedulerErrors: run.errorCount,
    options: scheduler.options,
  });
};

export const cases: Record<string, CaseFn> = { 'raw-sqlite': rawSqlite, 'scheduler-sqlite': schedulerSqlite };

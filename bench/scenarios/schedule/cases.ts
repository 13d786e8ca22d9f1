import { join } from 'node:path';
import { CallScheduler, type ScheduleCallInput } from '@call-scheduler/core';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { intParam } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { phoneNumber } from '../../lib/numbers.js';
import { profiled } from '../../lib/profiler.js';
import { createStoreSchema, insertScheduledCalls, openRaw } from '../../lib/sqlite-fixture.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';

/** One by one: 10,000 calls (quick 500). In batches of 1,000: 100,000 calls (quick 2,000). */
function sizes(context: CaseContext): { single: number; batched: number } {
  const sizes = context.quick ? { single: 500, batched: 2_000 } : { single: 10_000, batched: 100_000 };
  return { single: intParam(context.params, 'count', sizes.single), batched: intParam(context.params, 'count', sizes.batched) };
}
const BATCH = 1_000;
/** Every call is due tomorrow: nothing is dialed while scheduling. */
const DAY_MS = 86_400_000;

function rate(count: number, elapsedMs: number, cpu: NodeJS.CpuUsage, extra: CaseResult = {}): CaseResult {
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { count, elapsedMs, callsPerSecond: count / (elapsedMs / 1000), cpuMs, cpuUsPerCall: (cpuMs / count) * 1000, ...extra };
}

/** Raw prepared inserts of the call row and its `scheduled` event, `perTransaction` calls per transaction. */
async function raw(context: CaseContext, count: number, perTransaction: number): Promise<CaseResult> {
  const filename = join(context.tmpDir, 'schedule.db');
  await createStoreSchema(filename);
  const db = openRaw(filename);
  const at = Date.now() + DAY_MS;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  insertScheduledCalls(db, { count, dueAt: (i) => at + i, createdAt: Date.now(), batch: perTransaction });
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  return rate(count, elapsed, cpu, { perTransaction });
}

/** A started scheduler on a fresh SQLite file (its own migrations). */
async function scheduler(context: CaseContext): Promise<{ scheduler: CallScheduler; store: SqliteStore }> {
  const store = new SqliteStore({ filename: join(context.tmpDir, 'schedule.db') });
  const s = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
  await s.start();
  return { scheduler: s, store };
}

function inputs(from: number, count: number, at: number): ScheduleCallInput[] {
  return Array.from({ length: count }, (_, i) => ({ to: phoneNumber(from + i), at: at + from + i }));
}

/** `schedule()` one call at a time, each awaited (one transaction per call). */
const scheduleOne: CaseFn = async (context) => {
  const count = sizes(context).single;
  const { scheduler: s, store } = await scheduler(context);
  const list = inputs(0, count, Date.now() + DAY_MS);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await profiled(context, async () => {
    for (const input of list) await s.schedule(input);
  });
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await s.stop();
  await store.close();
  return rate(count, elapsed, cpu);
};

/** `scheduleMany()` in batches of 1,000 (one transaction per batch). */
const scheduleMany: CaseFn = async (context) => {
  const count = sizes(context).batched;
  const { scheduler: s, store } = await scheduler(context);
  const at = Date.now() + DAY_MS;
  const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) => inputs(b * BATCH, Math.min(BATCH, count - b * BATCH), at));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await profiled(context, async () => {
    for (const batch of batches) await s.scheduleMany(batch);
  });
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await s.stop();
  await store.close();
  return rate(count, elapsed, cpu, { perTransaction: BATCH });
};

export const cases: Record<string, CaseFn> = {
  'raw-single': (context) => raw(context, sizes(context).single, 1),
  'raw-batched': (context) => raw(context, sizes(context).batched, BATCH),
  'schedule-one': scheduleOne,
  'schedule-many': scheduleMany,
};

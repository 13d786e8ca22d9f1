import { join } from 'node:path';
import { CallScheduler, type CallSchedulerOptions, type CallStore } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { intParam } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { phoneNumber } from '../../lib/numbers.js';
import { profiled } from '../../lib/profiler.js';
import { createRawLoop } from '../../lib/raw-loop.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { createStoreSchema, dataDir, insertScheduledCalls, openRaw, type DataDir } from '../../lib/sqlite-fixture.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';

/** 50,000 calls (quick: 1,000), all due when the run starts. */
function countOf(context: CaseContext): number {
  return intParam(context.params, 'count', context.quick ? 1_000 : 50_000);
}
/** A run stops here even if not every call has ended (the figure is then over what ended). */
function limitMs(context: CaseContext): number {
  return intParam(context.params, 'limitMs', context.quick ? 20_000 : 100_000);
}

/**
 * The scheduler's part of the life: the dial answers `initiated`, the first status read (1 ms
 * later: `minIntervalMs` and `targetLagMs` of 1 keep learned polling from waiting for a change it
 * expects later) answers `completed`. Everything else is the default.
 */
const SCHEDULER_OPTIONS: Partial<CallSchedulerOptions> = { polling: { minIntervalMs: 1, targetLagMs: 1 } };

/** The SQLite file with `count` calls already due, on disk or (param `tmpfs=1`) on a RAM disk. */
async function sqliteFile(context: CaseContext, count: number): Promise<{ filename: string; data: DataDir }> {
  const data = dataDir(context.tmpDir, context.params.tmpfs === '1');
  const filename = join(data.dir, 'throughput.db');
  await createStoreSchema(filename);
  const db = openRaw(filename);
  const now = Date.now();
  insertScheduledCalls(db, { count, dueAt: (i) => now - 60_000 + Math.floor(i / 100), createdAt: now - 60_000 });
  db.close();
  return { filename, data };
}

function rate(count: number, elapsedMs: number, cpuMs: number, extra: CaseResult = {}): CaseResult {
  return { count, elapsedMs, callsPerSecond: count / (elapsedMs / 1000), cpuMs, cpuUsPerCall: (cpuMs / count) * 1000, ...extra };
}

/** Baseline: the raw loop on the same file (claim batches of 50; dial; answer; end). */
const rawSqlite: CaseFn = async (context) => {
  const count = countOf(context);
  const { filename, data } = await sqliteFile(context, count);
  const db = openRaw(filename);
  const loop = createRawLoop(db, 'raw-loop', 30_000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = loop(() => Date.now(), 50);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  data.dispose();
  if (done !== count) throw new Error(`raw loop completed ${done} of ${count}`);
  return rate(count, elapsed, (cpu.user + cpu.system) / 1000, { disk: data.kind });
};

interface MemCall {
  readonly id: string;
  status: string;
  dueAt: number | null;
  attemptCount: number;
  fencingToken: number;
  providerCallId: string | null;
  version: number;
  updatedAt: number;
  endedAt: number | null;
}

/** Baseline in memory: the same steps on plain objects, a sorted due list and an event array. */
const rawMemory: CaseFn = async (context) => {
  const count = countOf(context);
  const now0 = Date.now() - 60_000;
  const calls = new Map<string, MemCall>();
  const due: MemCall[] = [];
  for (let i = 0; i < count; i++) {
    const call: MemCall = { id: `call-${String(i).padStart(8, '0')}`, status: 'scheduled', dueAt: now0 + i, attemptCount: 0, fencingToken: 0, providerCallId: null, version: 1, updatedAt: now0, endedAt: null };
    calls.set(call.id, call);
    due.push(call);
  }
  const attempts: { callId: string; number: number; status: string }[] = [];
  const events: { id: number; callId: string; type: string; at: number; status: string }[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  while (next < due.length) {
    const now = Date.now();
    const batch = due.slice(next, next + 50).filter((c) => c.status === 'scheduled' && c.dueAt !== null && c.dueAt <= now);
    next += 50;
    for (const call of batch) {
      call.status = 'dispatching';
      call.dueAt = null;
      call.attemptCount += 1;
      call.fencingToken += 1;
      call.version += 1;
      attempts.push({ callId: call.id, number: call.attemptCount, status: 'dispatching' });
      events.push({ id: events.length + 1, callId: call.id, type: 'dispatching', at: now, status: 'dispatching' });
    }
    for (const call of batch) {
      const token = call.fencingToken;
      call.providerCallId = `p-${call.id}`;
      if (calls.get(call.id)?.fencingToken !== token) throw new Error('lost');
      call.status = 'initiated';
      call.version += 1;
      events.push({ id: events.length + 1, callId: call.id, type: 'status', at: Date.now(), status: 'initiated' });
      call.status = 'completed';
      call.endedAt = Date.now();
      call.version += 1;
      events.push({ id: events.length + 1, callId: call.id, type: 'status', at: Date.now(), status: 'completed' });
      events.push({ id: events.length + 1, callId: call.id, type: 'completed', at: Date.now(), status: 'completed' });
      done += 1;
    }
  }
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (done !== count) throw new Error(`raw memory loop completed ${done} of ${count}`);
  return rate(count, elapsed, (cpu.user + cpu.system) / 1000, { events: events.length });
};

async function throughScheduler(context: CaseContext, store: CallStore, count: number): Promise<CaseResult> {
  const provider = new InstantProvider({ answer: 'initiated' });
  const scheduler = new CallScheduler({ store, provider, ...SCHEDULER_OPTIONS });
  if (store instanceof MemoryStore) {
    // Not measured: MemoryStore cannot be filled from outside, so the calls go in through the scheduler before start().
    const at = Date.now() - 60_000;
    for (let from = 0; from < count; from += 1_000) {
      await scheduler.scheduleMany(Array.from({ length: Math.min(1_000, count - from) }, (_, i) => ({ to: phoneNumber(from + i), at })));
    }
  }
  const run = await profiled(context, () => runScheduler(scheduler, count, limitMs(context)));
  await store.close?.();
  if (run.errorCount > 0) context.log(`scheduler errors: ${run.errors.join(' | ')}`);
  const ended = run.completed + run.failed;
  return rate(ended, run.endedAt - run.startedAt, run.cpuMs, {
    requested: count,
    completed: run.completed,
    failed: run.failed,
    timedOut: run.timedOut,
    schedulerErrors: run.errorCount,
    dials: provider.placed,
    statusReads: provider.reads,
    options: scheduler.options,
  });
}

/** The scheduler with `SqliteStore` on the same file. */
const schedulerSqlite: CaseFn = async (context) => {
  const count = countOf(context);
  const { filename, data } = await sqliteFile(context, count);
  try {
    return { ...(await throughScheduler(context, new SqliteStore({ filename }), count)), disk: data.kind };
  } finally {
    data.dispose();
  }
};

/** The scheduler with `MemoryStore`. */
const schedulerMemory: CaseFn = async (context) => throughScheduler(context, new MemoryStore(), countOf(context));

export const cases: Record<string, CaseFn> = {
  'raw-sqlite': rawSqlite,
  'raw-memory': rawMemory,
  'scheduler-sqlite': schedulerSqlite,
  'scheduler-memory': schedulerMemory,
};

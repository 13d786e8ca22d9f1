import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { intParam } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { phoneNumber } from '../../lib/numbers.js';
import { bulkInsertScheduledCalls, createStoreSchema, openRaw } from '../../lib/sqlite-fixture.js';
import type { CaseContext, CaseFn } from '../../lib/types.js';

const DAY_MS = 86_400_000;

function gcFn(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  return gc;
}

/** Full collections until the heap stops shrinking (a few rounds, with turns of the event loop between). */
async function settle(): Promise<NodeJS.MemoryUsage> {
  const gc = gcFn();
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 1024) break;
    last = used;
  }
  return process.memoryUsage();
}

function usage(m: NodeJS.MemoryUsage): Record<string, number> {
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Preparation (its own process): the store's schema and `count` calls due tomorrow, inserted by SQL. */
const prepSqlite: CaseFn = async (context) => {
  const count = intParam(context.params, 'count', 0);
  const filename = join(context.tmpDir, 'memory.db');
  await createStoreSchema(filename);
  const t0 = performance.now();
  if (count > 0) {
    const db = openRaw(filename);
    bulkInsertScheduledCalls(db, count, Date.now() + DAY_MS, Date.now());
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  return { count, insertMs: performance.now() - t0 };
};

/**
 * A fresh process that opens the prepared file, starts a scheduler on it and lets it run for a
 * few store re-reads (it finds the next wake-up, tomorrow), then measures heap and RSS after GC.
 * It also measures just before opening the file (modules loaded): the growth between the two is
 * what the backlog can cost, without the process-to-process noise of the absolute RSS.
 */
const sqlite: CaseFn = async (context) => {
  const count = intParam(context.params, 'count', 0);
  const filename = join(context.tmpDir, 'memory.db');
  // Everything is loaded before the first measurement; only opening the file and running differ.
  const store = new SqliteStore({ filename });
  const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
  const before = await settle();
  await scheduler.start();
  const health = await scheduler.health();
  await new Promise((resolve) => setTimeout(resolve, context.quick ? 300 : 2_500));
  const memory = await settle();
  const after = await scheduler.health();
  await scheduler.stop();
  await store.close();
  if (count > 0 && health.nextWakeUpAt === null) throw new Error('the scheduler does not see the prepared calls');
  return {
    count,
    before: usage(before),
    memory: usage(memory),
    rssGrowth: memory.rss - before.rss,
    heapGrowth: memory.heapUsed - before.heapUsed,
    fileBytes: statSync(filename).size,
    nextWakeUpAt: after.nextWakeUpAt?.toISOString() ?? null,
  };
};

/** Bytes per scheduled call held by `MemoryStore`: heap after scheduling N calls, minus before. */
const memoryStore: CaseFn = async (context: CaseContext) => {
  const count = context.quick ? 5_000 : 100_000;
  const store = new MemoryStore();
  const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
  await scheduler.start();
  const at = Date.now() + DAY_MS;
  const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ to: phoneNumber(from + i), at: at + from + i }));
  // Warm-up: the code paths and their caches exist before the first measurement.
  await scheduler.scheduleMany(batch(0, 1_000));
  const before = await settle();
  for (let from = 1_000; from < count + 1_000; from += 1_000) await scheduler.scheduleMany(batch(from, 1_000));
  const after = await settle();
  const health = await scheduler.health();
  await scheduler.stop();
  return {
    count,
    before: usage(before),
    after: usage(after),
    heapBytesPerCall: (after.heapUsed - before.heapUsed) / count,
    rssBytesPerCall: (after.rss - before.rss) / count,
    nextWakeUpAt: health.nextWakeUpAt?.toISOString() ?? null,
  };
};

export const cases: Record<string, CaseFn> = { 'prep-sqlite': prepSqlite, sqlite, 'memory-store': memoryStore };

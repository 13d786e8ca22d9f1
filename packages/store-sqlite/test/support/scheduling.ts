import { CallScheduler } from '@call-scheduler/core';
import type { Call, CallProvider } from '@call-scheduler/core';
import { SqliteStore } from '../../src/index.js';

const idleProvider: CallProvider = {
  name: 'never-used',
  placeCall: () => Promise.reject(new Error('the scheduling process never dials')),
  getCall: () => Promise.reject(new Error('the scheduling process never dials')),
};

/**
 * Schedules `count` calls into `storeFile` through a CallScheduler that is never started (as an
 * API process would), due one after another from `firstAt` every `spacingMs`, each to its own
 * number; closes the store and returns the calls.
 */
export async function scheduleCalls(storeFile: string, count: number, firstAt: number, spacingMs: number): Promise<Call[]> {
  const store = new SqliteStore({ filename: storeFile });
  const scheduler = new CallScheduler({ store, provider: idleProvider, id: 'api' });
  try {
    return await scheduler.scheduleMany(
      Array.from({ length: count }, (_, i) => ({ to: `+1415${(5_550_000 + i).toString()}`, at: firstAt + Math.floor(i * spacingMs) })),
    );
  } finally {
    await store.close();
  }
}

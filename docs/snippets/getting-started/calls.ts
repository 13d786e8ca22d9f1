import { CallScheduler, systemClock, type CallProvider, type Clock } from '@call-scheduler/core';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { SqliteStore } from '@call-scheduler/store-sqlite';

export interface CallsConfig {
  /** The SQLite file that keeps every call (its directory must exist), or ':memory:'. */
  dataFile: string;
  /** Who dials. Default: the Call API at CALL_API_URL. Tests pass a FakeCallProvider. */
  provider?: CallProvider;
  /** Real time by default. Tests pass a FakeClock. */
  clock?: Clock;
}

export function createCalls(config: CallsConfig): CallScheduler {
  const clock = config.clock ?? systemClock;
  const scheduler = new CallScheduler({
    store: new SqliteStore({ filename: config.dataFile }),
    provider: config.provider ?? new HttpCallProvider({ baseUrl: process.env.CALL_API_URL ?? 'http://localhost:5000', clock }),
    clock,
    retry: {
      busy: { delaysMs: [5 * 60_000], maxAttempts: 3 }, // busy: try again 5 minutes later, 3 dials in all
      'no-answer': { delaysMs: [30 * 60_000], maxAttempts: 2 },
    },
  });
  scheduler.on('call:completed', ({ call }) => console.log(`call ${call.id} to ${call.to} completed`));
  scheduler.on('call:failed', ({ call, error }) => console.warn(`call ${call.id} failed: ${error.code} ${error.message}`));
  scheduler.on('scheduler:error', ({ operation, error }) => console.error(`call scheduler (${operation}):`, error));
  return scheduler;
}

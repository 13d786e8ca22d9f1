import Database from 'better-sqlite3';
import { OPEN_STATUSES_SQL, pollUntilNoneOpen, schedulerProcessLauncher } from '../../../../test-support/child-processes.js';

export { killAll, stopSchedulerProcess } from '../../../../test-support/child-processes.js';

/** Options passed to `fixtures/scheduler-process.ts`. */
export interface SchedulerProcessOptions {
  readonly storeFile: string;
  readonly providerFile: string;
  readonly id: string;
  readonly idempotent: boolean;
  readonly leaseMs: number;
}

/**
 * Spawn `fixtures/scheduler-process.ts`: `prepareSchedulerProcess` waits (at most `timeoutMs`) until
 * it has loaded and starts its scheduler on `go()`; `startSchedulerProcess` waits until it runs.
 */
export const { prepare: prepareSchedulerProcess, start: startSchedulerProcess } = schedulerProcessLauncher<SchedulerProcessOptions>(
  new URL('../fixtures/scheduler-process.ts', import.meta.url),
);

/**
 * Waits until no call in `storeFile` is open (every call terminal), checking every 100 ms for at
 * most `timeoutMs`; returns how many are still open at the end (0 on success).
 */
export async function waitUntilAllEnded(storeFile: string, timeoutMs: number): Promise<number> {
  const db = new Database(storeFile, { readonly: true, fileMustExist: true });
  try {
    const count = db.prepare(`select count(*) as n from calls where status in ${OPEN_STATUSES_SQL}`);
    return await pollUntilNoneOpen(() => (count.get() as { n: number }).n, timeoutMs);
  } finally {
    db.close();
  }
}

import type pg from 'pg';
import { OPEN_STATUSES_SQL, pollUntilNoneOpen, schedulerProcessLauncher } from '../../../../test-support/child-processes.js';
import type { FixtureProcess } from '../../../../test-support/child-processes.js';

export { killAll, stopSchedulerProcess } from '../../../../test-support/child-processes.js';
export type { PreparedSchedulerProcess } from '../../../../test-support/child-processes.js';

/** Options passed to `fixtures/scheduler-process.ts`. */
export interface SchedulerProcessOptions {
  readonly url: string;
  readonly schema: string;
  readonly providerSchema: string;
  readonly id: string;
  readonly idempotent: boolean;
  readonly leaseMs: number;
  readonly rereadMs: number;
}

/** A running `fixtures/scheduler-process.ts`. */
export type SchedulerProcess = FixtureProcess;

/**
 * Spawn `fixtures/scheduler-process.ts`: `prepareSchedulerProcess` waits (at most `timeoutMs`) until
 * it has loaded and starts its scheduler on `go()`; `startSchedulerProcess` waits until it runs.
 */
export const { prepare: prepareSchedulerProcess, start: startSchedulerProcess } = schedulerProcessLauncher<SchedulerProcessOptions>(
  new URL('../fixtures/scheduler-process.ts', import.meta.url),
);

/**
 * Waits until no call in `schema` is open (every call terminal), checking every 100 ms for at most
 * `timeoutMs`; returns how many are still open at the end (0 on success).
 */
export async function waitUntilAllEnded(pool: pg.Pool, schema: string, timeoutMs: number): Promise<number> {
  return pollUntilNoneOpen(async () => Number((await pool.query(`select count(*) as n from "${schema}".calls where status in ${OPEN_STATUSES_SQL}`)).rows[0].n), timeoutMs);
}

import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { OPEN_STATUSES_SQL, pollUntilNoneOpen, prepareSchedulerProcess as prepare } from '../../../../test-support/child-processes.js';
import type { FixtureProcess, PreparedSchedulerProcess } from '../../../../test-support/child-processes.js';

export { killAll, stopSchedulerProcess } from '../../../../test-support/child-processes.js';
export type { PreparedSchedulerProcess } from '../../../../test-support/child-processes.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/scheduler-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

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
 * Spawns `fixtures/scheduler-process.ts` and waits (at most `timeoutMs`) until it has loaded its
 * code; its scheduler starts only on `go()`.
 */
export async function prepareSchedulerProcess(options: SchedulerProcessOptions, timeoutMs = 30_000): Promise<PreparedSchedulerProcess> {
  return prepare(SCRIPT, PACKAGE_DIR, options, timeoutMs);
}

/** Starts a scheduler process and waits until it runs. */
export async function startSchedulerProcess(options: SchedulerProcessOptions): Promise<SchedulerProcess> {
  return (await prepareSchedulerProcess(options)).go();
}

/**
 * Waits until no call in `schema` is open (every call terminal), checking every 100 ms for at most
 * `timeoutMs`; returns how many are still open at the end (0 on success).
 */
export async function waitUntilAllEnded(pool: pg.Pool, schema: string, timeoutMs: number): Promise<number> {
  return pollUntilNoneOpen(async () => Number((await pool.query(`select count(*) as n from "${schema}".calls where status in ${OPEN_STATUSES_SQL}`)).rows[0].n), timeoutMs);
}

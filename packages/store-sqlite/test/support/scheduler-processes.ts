import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { OPEN_STATUSES_SQL, pollUntilNoneOpen, schedulerProcessLauncher } from '../../../../test-support/child-processes.js';
import type { FixtureProcess, PreparedSchedulerProcess } from '../../../../test-support/child-processes.js';

export { killAll, stopSchedulerProcess } from '../../../../test-support/child-processes.js';
export type { PreparedSchedulerProcess } from '../../../../test-support/child-processes.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/scheduler-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Options passed to `fixtures/scheduler-process.ts`. */
export interface SchedulerProcessOptions {
  readonly storeFile: string;
  readonly providerFile: string;
  readonly id: string;
  readonly idempotent: boolean;
  readonly leaseMs: number;
}

/** A running `fixtures/scheduler-process.ts`. */
export type SchedulerProcess = FixtureProcess;

const launcher = schedulerProcessLauncher<SchedulerProcessOptions>(SCRIPT, PACKAGE_DIR);

/** Spawns `fixtures/scheduler-process.ts` and waits (at most `timeoutMs`) until it has loaded; its scheduler starts only on `go()`. */
export const prepareSchedulerProcess: (options: SchedulerProcessOptions, timeoutMs?: number) => Promise<PreparedSchedulerProcess> = launcher.prepare;

/** Starts a scheduler process and waits until it runs. */
export const startSchedulerProcess: (options: SchedulerProcessOptions) => Promise<SchedulerProcess> = launcher.start;

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

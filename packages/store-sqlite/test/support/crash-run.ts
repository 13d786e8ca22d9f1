import { afterEach, beforeEach, expect } from 'vitest';
import { readOutcome } from './outcomes.js';
import { seededRandom } from '@call-scheduler/core/testing';
import { killAll, prepareSchedulerProcess, stopSchedulerProcess, waitUntilAllEnded } from './scheduler-processes.js';
import { tempDir } from './temp-files.js';
import { scheduleCalls } from './scheduling.js';

/** Calls in a crash run. */
export const CRASH_CALLS = 2_000;
/** Scheduler processes killed with SIGKILL in a crash run (then one survivor runs to the end). */
export const CRASH_KILLS = 8;
const LEASE_MS = 1_000;
/**
 * For a crash test file: a fresh temporary directory for each test, given as its `file(name)`;
 * after each test every scheduler process is killed and the directory removed.
 */
export function useCrashDirectory(): (name: string) => string {
  let dir: ReturnType<typeof tempDir> | undefined;
  beforeEach(() => {
    dir = tempDir('store-sqlite-crash-');
  });
  afterEach(async () => {
    await killAll();
    dir?.remove();
  });
  return (name) => {
    if (dir === undefined) throw new Error('useCrashDirectory: the directory exists only inside tests');
    return dir.file(name);
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Schedules CRASH_CALLS calls due over the next seconds into `<dir>/calls.db`, then runs scheduler
 * processes one after the other, killing each with SIGKILL after a random moment (0.1 to 1 s,
 * from `seed`), and finally one that runs until every call has ended. Returns what the store and
 * the provider (`<dir>/provider.db`) recorded.
 */
export async function crashRun(
  file: (name: string) => string,
  idempotent: boolean,
  seed: number,
): Promise<ReturnType<typeof readOutcome> & { kills: number }> {
  const random = seededRandom(seed);
  const storeFile = file('calls.db');
  const providerFile = file('provider.db');
  const base = { storeFile, providerFile, idempotent, leaseMs: LEASE_MS };
  // Loading a process takes seconds on a busy machine: each next process loads while the current
  // one runs, and only one scheduler runs at a time.
  let next = prepareSchedulerProcess({ ...base, id: 'victim-0' });
  // Due over ~6 s from about when the first scheduler runs, so that kills land while calls are
  // being claimed, dialed and followed.
  await scheduleCalls(storeFile, CRASH_CALLS, Date.now() + 2_000, 6_000 / CRASH_CALLS);
  let kills = 0;
  for (let round = 0; round < CRASH_KILLS; round++) {
    const child = await (await next).go();
    next = prepareSchedulerProcess({ ...base, id: round + 1 < CRASH_KILLS ? `victim-${round + 1}` : 'survivor' });
    await sleep(100 + Math.floor(random() * 900));
    child.child.kill('SIGKILL');
    const { signal } = await child.exited;
    expect(signal).toBe('SIGKILL');
    kills += 1;
  }
  const survivor = await (await next).go();
  const open = await waitUntilAllEnded(storeFile, 30_000);
  const exit = await stopSchedulerProcess(survivor);
  expect(open, `calls still open; survivor stderr:\n${survivor.stderr()}`).toBe(0);
  expect(exit.code).toBe(0);
  return { ...readOutcome(storeFile, providerFile), kills };
}

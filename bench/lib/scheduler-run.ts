import type { CallScheduler } from '@call-scheduler/core';

/** What happened while {@link runScheduler} waited. */
export interface SchedulerRun {
  readonly completed: number;
  readonly failed: number;
  /** First few `scheduler:error` messages, and how many there were. */
  readonly errors: readonly string[];
  readonly errorCount: number;
  /** The limit passed before every call ended. */
  readonly timedOut: boolean;
  /** `performance.now()` when `start()` was called and when the last call ended (or the limit). */
  readonly startedAt: number;
  readonly endedAt: number;
  /** CPU time of this process between the two. */
  readonly cpuMs: number;
}

/**
 * Starts `scheduler` and waits until `expected` calls have ended (`call:completed` or
 * `call:failed`) or `limitMs` passed; then stops it. Listeners are attached before `start()`.
 */
export async function runScheduler(scheduler: CallScheduler, expected: number, limitMs: number): Promise<SchedulerRun> {
  let completed = 0;
  let failed = 0;
  let errorCount = 0;
  const errors: string[] = [];
  let endedAt = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const ended = (): void => {
    if (completed + failed === expected) {
      endedAt = performance.now();
      finish();
    }
  };
  scheduler.on('call:completed', () => {
    completed += 1;
    ended();
  });
  scheduler.on('call:failed', () => {
    failed += 1;
    ended();
  });
  scheduler.on('scheduler:error', ({ error }) => {
    errorCount += 1;
    if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
  });
  const cpu0 = process.cpuUsage();
  const startedAt = performance.now();
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    endedAt = performance.now();
    finish();
  }, limitMs);
  await scheduler.start();
  await done;
  clearTimeout(limit);
  const cpu = process.cpuUsage(cpu0);
  await scheduler.stop({ timeoutMs: 2_000 });
  return { completed, failed, errors, errorCount, timedOut, startedAt, endedAt, cpuMs: (cpu.user + cpu.system) / 1000 };
}

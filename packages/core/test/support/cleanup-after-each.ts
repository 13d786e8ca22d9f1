import { afterEach } from 'vitest';

/** What a test hands over to be undone after it. */
export interface TestCleanup {
  /** Runs each of `cleanups` after the test (the last added runs first). */
  add(...cleanups: (() => unknown)[]): void;
  /** Stops each of `schedulers` (`timeoutMs: 0`) after the test. */
  stop(...schedulers: { stop(options: { timeoutMs: number }): Promise<void> }[]): void;
}

/**
 * Call at the top level of a test file: registers an `afterEach` that undoes what each test
 * handed to the returned {@link TestCleanup}, the last added first (so schedulers stop before
 * the stores they use close, and the stores' files go last).
 */
export function cleanupAfterEach(): TestCleanup {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const add = (...more: (() => unknown)[]): void => {
    cleanups.push(...more);
  };
  return { add, stop: (...schedulers) => add(...schedulers.map((scheduler) => () => scheduler.stop({ timeoutMs: 0 }))) };
}

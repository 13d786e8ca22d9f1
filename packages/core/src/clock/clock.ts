/**
 * An opaque handle returned by {@link Clock.setTimeout}; pass it back to {@link Clock.clearTimeout}.
 */
export type TimerHandle = unknown;

/**
 * The only source of time and timers for the scheduler and everything it drives.
 *
 * Inject {@link systemClock} in production (the default) and `FakeClock` from
 * `@call-scheduler/core/testing` in tests. A custom clock only has to answer these three members.
 *
 * @example
 * ```ts
 * const offsetClock: Clock = {
 *   now: () => systemClock.now() + 1_000,
 *   setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
 *   clearTimeout: (handle) => systemClock.clearTimeout(handle),
 * };
 * ```
 */
export interface Clock {
  /** The current time, in milliseconds since the Unix epoch (UTC). */
  now(): number;
  /**
   * Runs `fn` once after at least `ms` milliseconds. Callers never pass more than
   * {@link MAX_TIMER_DELAY_MS}.
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; a handle that already fired is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest delay a Node timer accepts (2^31-1 ms, about 24.8 days). Longer delays are clamped by
 * Node to 1 ms, so every wait in the library is capped at this value and re-checked on wake-up.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The real clock: `Date.now()` and Node's global timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(), // clock-ok: this is the system clock itself
  setTimeout: (fn: () => void, ms: number): TimerHandle =>
    globalThis.setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS)), // clock-ok
  clearTimeout: (handle: TimerHandle): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>); // clock-ok
  },
});

/**
 * Resolves after `ms` milliseconds on `clock`, or rejects with the signal's reason when `signal`
 * aborts first.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason as Error);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER_DELAY_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An `AbortSignal` that aborts after `ms` on `clock` (with a `TimeoutError` `DOMException`) or when
 * `parent` aborts. Call `dispose()` when the guarded work is done, so that no timer is left behind.
 */
export function timeoutSignal(
  clock: Clock,
  ms: number,
  parent?: AbortSignal,
): {
  /** Aborts after `ms`, or when `parent` aborts. */
  signal: AbortSignal;
  /** Clears the timer and stops listening to `parent`. */
  dispose: () => void;
} {
  const { controller, dispose } = timeoutController(clock, ms);
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      dispose();
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * An `AbortController` that aborts after `ms` on `clock` (with a `TimeoutError` `DOMException`);
 * `dispose()` clears the timer. For callers that abort it themselves on other grounds.
 * @internal
 */
export function timeoutController(clock: Clock, ms: number): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const handle = clock.setTimeout(() => {
    controller.abort(new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError'));
  }, Math.min(ms, MAX_TIMER_DELAY_MS));
  return { controller, dispose: () => clock.clearTimeout(handle) };
}

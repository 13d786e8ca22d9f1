/**
 * The clock the mock runs on: the same three members as `Clock` from `@call-scheduler/core`, so
 * `systemClock` and `FakeClock` both fit. The mock does not depend on the library it tests.
 */
export interface MockClock {
  /** Epoch ms. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer from `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export const realClock: MockClock = Object.freeze({
  now: () => Date.now(), // clock-ok: the mock's default real clock
  setTimeout: (fn: () => void, ms: number): unknown => globalThis.setTimeout(fn, Math.min(Math.max(0, ms), 2_147_483_647)), // clock-ok
  clearTimeout: (handle: unknown): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>); // clock-ok
  },
});

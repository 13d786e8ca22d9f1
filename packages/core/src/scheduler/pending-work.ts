// Owns: the scheduler's background promises (ticks, dials, polls): each is tracked until it
// settles, its failure is reported, and stopping can wait for all of them with a bound on the clock.
// Also the store's one-time initialization (initOnce).
import { MAX_TIMER_DELAY_MS, type Clock, type TimerHandle } from '../clock/clock.js';

/** The background work in flight. */
export class PendingWork {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;

  /** `onError` gets the failure of any tracked promise. */
  constructor(clock: Clock, onError: (error: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** Tracks `promise` until it settles; its failure goes to `onError`. */
  track(promise: Promise<unknown>): void {
    const tracked = promise.catch(this.#onError);
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Waits until no work is in flight (work started meanwhile included); false after `timeoutMs` on the clock. */
  async settle(timeoutMs: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    let timer: { handle: TimerHandle } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = { handle: this.#clock.setTimeout(() => resolve(false), Math.min(timeoutMs, MAX_TIMER_DELAY_MS)) };
    });
    const settled = (async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      return true as const;
    })();
    const result = await Promise.race([settled, timedOut]);
    if (timer !== undefined) this.#clock.clearTimeout(timer.handle);
    return result;
  }
}

/** `init` run once, shared by every caller; after a failure the next call runs it again. */
export function initOnce(init: () => Promise<void> | undefined): () => Promise<void> {
  let promise: Promise<void> | null = null;
  return () => {
    promise ??= (async () => {
      try {
        await init();
      } catch (error) {
        promise = null;
        throw error;
      }
    })();
    return promise;
  };
}

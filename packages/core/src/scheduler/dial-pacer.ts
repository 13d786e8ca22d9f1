import type { Clock } from '../clock/clock.js';
import { TokenBucket } from '../policy/token-bucket.js';

/**
 * Paces new dials of one scheduler: an optional {@link TokenBucket} (`callsPerSecond`, `burst`)
 * and a pause for a provider that answered 429. Without a rate it only pauses. It never sets a
 * timer: the scheduler asks {@link DialPacer.msUntilAvailable} and waits on its own clock.
 */
export class DialPacer {
  readonly #bucket: TokenBucket | null;
  /** The end of a 429 pause when there is no bucket (the bucket keeps its own). */
  #pausedUntil = Number.NEGATIVE_INFINITY;

  /** `ratePerSecond` `null` means no rate limit. */
  constructor(ratePerSecond: number | null, burst: number, clock: Clock) {
    this.#bucket = ratePerSecond === null ? null : new TokenBucket({ ratePerSecond, burst, clock });
  }

  /** Dials that may start at `now`: `Infinity` when nothing limits them, 0 during a pause. */
  available(now: number): number {
    if (this.#bucket !== null) return this.#bucket.available(now);
    return now < this.#pausedUntil ? 0 : Number.POSITIVE_INFINITY;
  }

  /** Milliseconds from `now` until one dial may start (0 when one may now). */
  msUntilAvailable(now: number): number {
    if (this.#bucket !== null) return this.#bucket.msUntilAvailable(now);
    return Math.max(0, this.#pausedUntil - now);
  }

  /** Takes the right to start one dial at `now`; `false` when there is none. */
  tryTake(now: number): boolean {
    if (this.#bucket !== null) return this.#bucket.tryTake(now);
    return now >= this.#pausedUntil;
  }

  /** No dial starts before `untilMs` (a provider's `Retry-After`); never shortens a longer pause. */
  pauseUntil(untilMs: number, now: number): void {
    if (this.#bucket !== null) this.#bucket.pauseUntil(untilMs, now);
    else this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }
}

import type { Clock } from '../clock/clock.js';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (calls per second), at least 0.001; resolution 0.001. */
  readonly ratePerSecond: number;
  /**
   * How many tokens the bucket holds at most, and holds at the start: how many calls may start
   * at once after a quiet spell. With the default of 1, at most `ratePerSecond` calls start in
   * any one second, evenly spaced. @default 1
   */
  readonly burst?: number;
  /** The clock that supplies `now` when a method is called without one. */
  readonly clock: Clock;
}

/** Units per token: amounts are kept as integers so that long runs do not drift. */
const UNITS_PER_TOKEN = 1_000_000;

/**
 * A token bucket on an injected {@link Clock}, for "at most N calls per second" to the provider.
 * It starts full (`burst` tokens) and refills continuously at `ratePerSecond`. Every method takes
 * the time as an optional argument (default `clock.now()`); the bucket never sets timers, so a
 * caller that gets `false` from {@link TokenBucket.tryTake} waits
 * {@link TokenBucket.msUntilAvailable} on its own clock.
 *
 * In any span of S ms, at most `burst - 1 + ratePerSecond × S / 1000` tokens (rounded up) are
 * taken. A clock that goes backwards does not mint tokens.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ ratePerSecond: 10, clock });
 * if (!bucket.tryTake()) clock.setTimeout(dialNext, bucket.msUntilAvailable());
 * ```
 */
export class TokenBucket {
  /** Tokens per second. */
  readonly ratePerSecond: number;
  /** Most tokens held. */
  readonly burst: number;
  readonly #clock: Clock;
  readonly #unitsPerMs: number;
  readonly #capacity: number;
  #units: number;
  /** The latest time seen; refill is accounted up to here. */
  #at: number;
  /** No token is added or taken before this time (see {@link TokenBucket.pauseUntil}). */
  #pausedUntil = Number.NEGATIVE_INFINITY;

  /** A full bucket; throws a `RangeError` naming a bad option. */
  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst = 1, clock } = options;
    if (typeof ratePerSecond !== 'number' || !Number.isFinite(ratePerSecond) || ratePerSecond < 0.001) {
      throw new RangeError(`ratePerSecond must be a number of at least 0.001, got ${ratePerSecond}`);
    }
    if (!Number.isInteger(burst) || burst < 1 || burst > 1_000_000) {
      throw new RangeError(`burst must be a whole number from 1 to 1000000, got ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#clock = clock;
    this.#unitsPerMs = Math.round(ratePerSecond * 1000); // tokens/s × 1e6 units per token / 1000 ms
    this.#capacity = burst * UNITS_PER_TOKEN;
    this.#units = this.#capacity;
    this.#at = clock.now();
  }

  /** Adds what accrued between the last time seen (or the end of a pause) and `now`. */
  #refill(now: number): void {
    const from = Math.max(this.#at, this.#pausedUntil);
    if (now > from) this.#units = Math.min(this.#capacity, this.#units + (now - from) * this.#unitsPerMs);
    // A clock that went back neither mints tokens nor moves the accounting back.
    this.#at = Math.max(this.#at, now);
  }

  /** Whole tokens available at `now` (0 during a pause). */
  available(now: number = this.#clock.now()): number {
    this.#refill(now);
    return now < this.#pausedUntil ? 0 : Math.floor(this.#units / UNITS_PER_TOKEN);
  }

  /** Takes `count` tokens if available at `now` and returns `true`; otherwise takes none. */
  tryTake(now: number = this.#clock.now(), count = 1): boolean {
    this.#checkCount(count);
    this.#refill(now);
    if (now < this.#pausedUntil || this.#units < count * UNITS_PER_TOKEN) return false;
    this.#units -= count * UNITS_PER_TOKEN;
    return true;
  }

  /** Milliseconds from `now` until `count` tokens are available (0 when they are now). */
  msUntilAvailable(now: number = this.#clock.now(), count = 1): number {
    this.#checkCount(count);
    this.#refill(now);
    const missing = count * UNITS_PER_TOKEN - this.#units;
    const refillWait = missing <= 0 ? 0 : Math.ceil(missing / this.#unitsPerMs);
    // Refill starts at the later of now, the latest time seen (clock went back) and a pause's end.
    const refillFrom = Math.max(now, this.#pausedUntil, missing <= 0 ? now : this.#at);
    return refillFrom - now + refillWait;
  }

  /**
   * Pauses for a provider that answered 429 with a `Retry-After`: no token is taken before
   * `untilMs`; then exactly one is available (so one dial may go right at the end of the pause,
   * unless the rate would have made it wait longer anyway), and the bucket refills from there.
   * Tokens saved up before the pause are dropped. A pause never shortens an earlier, longer one.
   */
  pauseUntil(untilMs: number, now: number = this.#clock.now()): void {
    if (!Number.isFinite(untilMs)) throw new RangeError(`untilMs must be a finite epoch ms, got ${untilMs}`);
    const nextTokenAt = now + this.msUntilAvailable(now);
    // One token, usable from the end of the pause, which is never before it would have been due.
    this.#units = UNITS_PER_TOKEN;
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs, nextTokenAt);
  }

  /** The end of the current pause (epoch ms), or `null` when dialing is not paused at `now`. */
  pausedUntil(now: number = this.#clock.now()): number | null {
    return now < this.#pausedUntil ? this.#pausedUntil : null;
  }

  #checkCount(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.burst) {
      throw new RangeError(`count must be a whole number from 1 to burst (${this.burst}), got ${count}`);
    }
  }
}

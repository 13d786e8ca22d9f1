/** Options of {@link NumberAttemptCap}. */
export interface NumberAttemptCapOptions {
  /** The most attempts to one number within {@link NumberAttemptCapOptions.periodMs}. */
  readonly maxAttempts: number;
  /** The sliding period, in ms. @default 86_400_000 (24 h) */
  readonly periodMs?: number;
}

/** What {@link NumberAttemptCap.check} decides. */
export type NumberAttemptCapDecision =
  | {
      /** Another attempt may start now. */
      readonly allowed: true;
    }
  | {
      /** The number has had its attempts. */
      readonly allowed: false;
      /** The earliest time another attempt may start (epoch ms), to the given resolution. */
      readonly retryAt: number;
    };

/**
 * "At most `maxAttempts` attempts to one number in any `periodMs`" (e.g. 3 in 24 h), counted
 * from the attempts the store has recorded (`CallStore.countAttempts`, which counts attempts to
 * `to` started at or after `since`). The cap itself is pure: it reads nothing but the counts it
 * is given.
 *
 * @example
 * ```ts
 * const cap = new NumberAttemptCap({ maxAttempts: 3 });
 * const count = await store.countAttempts({ to, since: cap.since(now) });
 * if (!cap.allows(count)) { ... }
 * ```
 */
export class NumberAttemptCap {
  /** Most attempts per period. */
  readonly maxAttempts: number;
  /** The period, in ms. */
  readonly periodMs: number;

  /** Throws a `RangeError` naming a bad option. */
  constructor(options: NumberAttemptCapOptions) {
    const { maxAttempts, periodMs = 86_400_000 } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
    if (!Number.isInteger(periodMs) || periodMs < 1) throw new RangeError(`periodMs must be a whole number of ms of at least 1, got ${periodMs}`);
    this.maxAttempts = maxAttempts;
    this.periodMs = periodMs;
  }

  /** The `since` to count attempts from for an attempt starting at `now`: attempts started after `now - periodMs` count. */
  since(now: number): number {
    return now - this.periodMs + 1;
  }

  /** Whether one more attempt may start, given `count` attempts since {@link NumberAttemptCap.since}. */
  allows(count: number): boolean {
    return count < this.maxAttempts;
  }

  /**
   * Whether an attempt may start at `now`, and if not, when it may. `countSince(since)` answers how
   * many attempts to the number started at or after `since` (bind `store.countAttempts` to the
   * number). When capped, the earliest allowed time is found by binary search over the period,
   * to `resolutionMs` (about log2(period / resolution) counts: 11 for 24 h at one minute); the
   * answer is never early.
   */
  async check(now: number, countSince: (since: number) => Promise<number>, resolutionMs = 60_000): Promise<NumberAttemptCapDecision> {
    if (this.allows(await countSince(this.since(now)))) return { allowed: true };
    // Allowed at T when count(since(T)) < max. count(since(T)) does not grow with T (no new
    // attempts meanwhile), and T = now + periodMs is always allowed. Find the smallest such T.
    let lo = now; // not allowed
    let hi = now + this.periodMs; // allowed
    while (hi - lo > Math.max(1, resolutionMs)) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.allows(await countSince(this.since(mid)))) hi = mid;
      else lo = mid;
    }
    return { allowed: false, retryAt: hi };
  }
}

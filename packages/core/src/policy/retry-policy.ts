/**
 * An attempt outcome that a retry policy can react to. `unknown` is an attempt whose dial may or
 * may not have happened (`DISPATCH_OUTCOME_UNKNOWN`); it is retried only when the provider
 * de-duplicates by idempotency key, and then by re-sending the same dial with the same key within
 * the same attempt (`maxAttempts` counts those rounds), never as a new attempt with a new key.
 */
export type RetryOutcome = 'busy' | 'no-answer' | 'failed' | 'unknown';

/** The retry rule for one outcome. */
export interface OutcomeRetry {
  /**
   * Delay before each retry, in ms: the first entry after attempt 1, the second after attempt 2,
   * and the last entry for every later one.
   */
  readonly delaysMs: readonly number[];
  /** The most attempts the call may have in all (the first dial counts). */
  readonly maxAttempts: number;
}

/**
 * Retries by outcome. An outcome that is missing is not retried.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = {
 *   busy: { delaysMs: [120_000, 600_000], maxAttempts: 3 },
 *   'no-answer': { delaysMs: [3_600_000], maxAttempts: 2 },
 * };
 * ```
 */
export type RetryPolicy = { readonly [O in RetryOutcome]?: OutcomeRetry };

/**
 * When attempt `attemptNumber` ended with `outcome` at `endedAt`, the time of the next attempt
 * under `policy`, or `null` when the policy allows no more.
 */
export function nextRetryAt(
  policy: RetryPolicy | null | undefined,
  outcome: RetryOutcome,
  attemptNumber: number,
  endedAt: number,
): number | null {
  const rule = policy?.[outcome];
  if (rule === undefined || attemptNumber >= rule.maxAttempts || rule.delaysMs.length === 0) return null;
  const delay = rule.delaysMs[Math.min(attemptNumber - 1, rule.delaysMs.length - 1)] ?? 0;
  return endedAt + delay;
}

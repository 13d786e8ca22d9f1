import type { CallStatus } from '../call/call-status.js';
import type { CallingWindow } from './calling-window.js';
import { planDialTime } from './dial-timing.js';
import { nextRetryAt, type RetryOutcome, type RetryPolicy } from './retry-policy.js';

/**
 * The retry policy that applies to a call: its own when it has one, else the scheduler's default.
 * A call's policy replaces the default as a whole (it is not merged per outcome), so `{}` on a call
 * means "never retry this call".
 */
export function effectiveRetryPolicy(
  callPolicy: RetryPolicy | null | undefined,
  defaultPolicy: RetryPolicy | null | undefined,
): RetryPolicy | null {
  return callPolicy ?? defaultPolicy ?? null;
}

/**
 * The terminal status of a call whose last attempt ended with `outcome` and is not retried:
 * `busy`, `no-answer`, or `failed` (also for `unknown`, which the call records as `failed` with
 * the code `DISPATCH_OUTCOME_UNKNOWN`).
 */
export function terminalStatusOf(outcome: RetryOutcome): CallStatus {
  return outcome === 'unknown' ? 'failed' : outcome;
}

/** Why {@link decideRetry} ends the call. */
export type RetryEndReason =
  /** The policy has no rule for this outcome. */
  | 'not-retried'
  /** The call has had the outcome's `maxAttempts` attempts. */
  | 'max-attempts'
  /** An `unknown` outcome, and the provider does not de-duplicate: a retry could call twice. */
  | 'outcome-unknown'
  /** The next attempt, snapped into the window, would be at or after `expiresAt`. */
  | 'expires-first'
  /** The call's window has no range at all. */
  | 'window-never-opens';

/** What {@link decideRetry} decides. */
export type RetryDecision =
  | {
      /** Schedule another attempt. */
      readonly action: 'retry';
      /** When the next attempt is due (epoch ms), inside the window and before `expiresAt`. */
      readonly retryAt: number;
      /** The end of the attempt plus the policy's delay, before snapping into the window. */
      readonly plannedAt: number;
      /** The policy's delay for this attempt, in ms. */
      readonly delayMs: number;
    }
  | {
      /** The call ends. */
      readonly action: 'end';
      /** Why no retry. */
      readonly end: RetryEndReason;
      /** The terminal status to record: the attempt's outcome ({@link terminalStatusOf}). */
      readonly status: CallStatus;
    };

/** Input of {@link decideRetry}. */
export interface RetryDecisionInput {
  /** The call's own policy, or `null`/absent for the scheduler's. */
  readonly policy?: RetryPolicy | null;
  /** The scheduler's default policy, or `null`/absent for none. */
  readonly defaultPolicy?: RetryPolicy | null;
  /** How the attempt ended. */
  readonly outcome: RetryOutcome;
  /** The number of the attempt that ended (1 for the first dial); the call's `attemptCount`. */
  readonly attemptNumber: number;
  /** When the attempt ended (epoch ms); the delay counts from here. */
  readonly endedAt: number;
  /** The recipient's zone, or `null`/absent. */
  readonly timeZone?: string | null;
  /** The call's effective window, or `null`/absent. */
  readonly window?: CallingWindow | null;
  /** No dial at or after this instant, or `null`/absent. */
  readonly expiresAt?: number | null;
  /**
   * Whether the provider de-duplicates `placeCall` by idempotency key
   * (`capabilities.idempotentPlaceCall`). Only then is an `unknown` outcome retried.
   * @default false
   */
  readonly providerDeduplicates?: boolean;
}

/**
 * Decides what happens after an attempt ends with a retryable outcome: the time of the next
 * attempt, or the end of the call.
 *
 * The delay and the attempt limit come from {@link effectiveRetryPolicy} (see
 * {@link nextRetryAt}); the retry time is then snapped into the call's window. A retry that would
 * land at or after `expiresAt` ends the call instead, with the attempt's own outcome as its status
 * (`busy`, `no-answer`, `failed`), not `expired`: the call was dialed and that is how it went;
 * `expired` is kept for calls that were never dialed in time.
 *
 * @example
 * ```ts
 * decideRetry({ policy: { busy: { delaysMs: [120_000], maxAttempts: 3 } }, outcome: 'busy', attemptNumber: 1, endedAt: now });
 * // { action: 'retry', retryAt: now + 120_000, plannedAt: now + 120_000, delayMs: 120_000 }
 * ```
 */
export function decideRetry(input: RetryDecisionInput): RetryDecision {
  const status = terminalStatusOf(input.outcome);
  if (!Number.isInteger(input.attemptNumber) || input.attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a whole number from 1, got ${input.attemptNumber}`);
  }
  if (input.outcome === 'unknown' && input.providerDeduplicates !== true) {
    return { action: 'end', end: 'outcome-unknown', status };
  }
  const policy = effectiveRetryPolicy(input.policy, input.defaultPolicy);
  const rule = policy?.[input.outcome];
  if (rule === undefined || rule.delaysMs.length === 0) return { action: 'end', end: 'not-retried', status };
  const plannedAt = nextRetryAt(policy, input.outcome, input.attemptNumber, input.endedAt);
  if (plannedAt === null) return { action: 'end', end: 'max-attempts', status };
  const plan = planDialTime({
    wantedAt: plannedAt,
    timeZone: input.timeZone ?? null,
    window: input.window ?? null,
    expiresAt: input.expiresAt ?? null,
  });
  if (plan.action === 'expire') return { action: 'end', end: plan.reason, status };
  return { action: 'retry', retryAt: plan.dueAt, plannedAt, delayMs: plannedAt - input.endedAt };
}

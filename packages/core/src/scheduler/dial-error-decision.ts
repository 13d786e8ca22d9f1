// Owns: what to do after a dial (`placeCall`) failed, as one pure function of the error, the
// counts so far and the provider's abilities. The dispatcher only carries the decision out.
import type { CallError } from '../call/call.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { ProviderError } from '../errors/provider-error.js';
import { decideRetry } from '../policy/retry-decision.js';
import { unknownReasonOf } from '../telemetry/scheduler-telemetry.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import type { AttemptEnding } from './call-transitions.js';

/** The counts of one attempt's dial tries so far. */
export interface DialTries {
  /** Transient failures in a row (reset when the `unknown` rule re-sends later). */
  readonly failures: number;
  /** 429 answers. */
  readonly rateLimited: number;
  /** Rounds of the `unknown` retry rule (re-sends of a possibly placed dial). */
  readonly unknownRounds: number;
  /** True once a try may have started a call: from then on only the same dial is re-sent. */
  readonly mayHavePlaced: boolean;
}

/** No tries yet; `mayHavePlaced` for a dial re-sent after lease recovery. */
export function firstDialTries(mayHavePlaced: boolean): DialTries {
  return { failures: 0, rateLimited: 0, unknownRounds: 0, mayHavePlaced };
}

/** The input of {@link decideAfterDialError}. */
export interface DialErrorInput {
  /** The error of the last try. */
  readonly error: ProviderError;
  /** The counts before this error. */
  readonly tries: DialTries;
  /** Whether the provider de-duplicates dials by idempotency key. */
  readonly idempotent: boolean;
  /** `transientRetry.maxRetries`. */
  readonly maxRetries: number;
  /** The call's own retry policy (for the `unknown` rule), or `null`. */
  readonly retryPolicy: RetryPolicy | null;
  /** The scheduler's retry policy, or `null`. */
  readonly defaultRetryPolicy: RetryPolicy | null;
  /** The time of the error. */
  readonly now: number;
  /** The jittered transient back-off after `failures` errors in a row. */
  readonly backoffMs: (failures: number) => number;
}

/** What {@link decideAfterDialError} decided. */
export type DialErrorDecision =
  /** End the attempt `failed` with `error`, judged by `ending`. */
  | { readonly action: 'fail'; readonly error: CallError; readonly ending: AttemptEnding }
  /** A transient error: try again after `delayMs` (no attempt spent). */
  | { readonly action: 'retry-later'; readonly delayMs: number; readonly tries: DialTries }
  /** The provider asked every dial to wait (429): pause all new dials for `delayMs`, then try again. */
  | { readonly action: 'pause'; readonly delayMs: number; readonly tries: DialTries }
  /** The dial may have happened and the provider de-duplicates: re-send the same dial after `delayMs`. */
  | { readonly action: 'resend-unknown'; readonly delayMs: number; readonly tries: DialTries };

/**
 * Decides what follows a failed dial: fail the attempt (a permanent error; an unusable answer; an
 * ambiguous error with a provider that does not de-duplicate; too many transient errors), pause
 * every dial for the provider's Retry-After, retry later with back-off, or (possibly placed, with
 * a de-duplicating provider) re-send the same dial by the `unknown` retry rule.
 */
export function decideAfterDialError(input: DialErrorInput): DialErrorDecision {
  const { error, idempotent, now } = input;
  if (!error.retryable && error.ambiguous) {
    // E.g. a 2xx answer we could not read: the call may exist, and a retry would not help.
    return fail(ErrorCode.DISPATCH_OUTCOME_UNKNOWN, `The provider's answer to the dial could not be used (${error.message}); not dialing again`, {
      permanent: true,
      unknownReason: 'answer-lost',
    });
  }
  if (!error.retryable) {
    return fail(error.code === ErrorCode.PROVIDER_REJECTED ? ErrorCode.PROVIDER_REJECTED : error.code, error.providerMessage ?? error.message, { permanent: true });
  }
  if (error.ambiguous && !idempotent) {
    return fail(ErrorCode.DISPATCH_OUTCOME_UNKNOWN, `The provider may or may not have placed the call (${error.message}); not dialing again`, {
      outcome: 'unknown',
      unknownReason: unknownReasonOf(error),
    });
  }
  const mayHavePlaced = input.tries.mayHavePlaced || error.ambiguous;
  if (error.code === ErrorCode.PROVIDER_RATE_LIMITED) {
    // The provider asked every dial to wait: this is not the call's fault, so it spends no
    // attempt and does not count toward transientRetry.maxRetries.
    const rateLimited = input.tries.rateLimited + 1;
    return { action: 'pause', delayMs: error.retryAfterMs ?? input.backoffMs(rateLimited), tries: { ...input.tries, rateLimited, mayHavePlaced } };
  }
  const failures = input.tries.failures + 1;
  if (failures <= input.maxRetries) {
    return { action: 'retry-later', delayMs: Math.max(input.backoffMs(failures), error.retryAfterMs ?? 0), tries: { ...input.tries, failures, mayHavePlaced } };
  }
  if (!error.ambiguous) {
    return fail(ErrorCode.PROVIDER_UNAVAILABLE, `The provider kept failing: ${error.message}`, { outcome: 'failed' });
  }
  // The dial may have happened (and the provider de-duplicates): the `unknown` retry rule re-sends
  // this same dial, with the same idempotency key, later. A new attempt would carry a new key and
  // could ring the person twice.
  const unknownRounds = input.tries.unknownRounds + 1;
  const decision = decideRetry({
    policy: input.retryPolicy,
    defaultPolicy: input.defaultRetryPolicy,
    outcome: 'unknown',
    attemptNumber: unknownRounds,
    endedAt: now,
    timeZone: null,
    window: null,
    expiresAt: null,
    providerDeduplicates: true,
  });
  if (decision.action !== 'retry') {
    return fail(ErrorCode.DISPATCH_OUTCOME_UNKNOWN, `The provider kept failing and may or may not have placed the call: ${error.message}`, {
      permanent: true,
      unknownReason: unknownReasonOf(error),
    });
  }
  return { action: 'resend-unknown', delayMs: decision.retryAt - now, tries: { ...input.tries, failures: 0, unknownRounds, mayHavePlaced } };
}

function fail(code: string, message: string, ending: AttemptEnding): DialErrorDecision {
  return { action: 'fail', error: { code, message }, ending };
}

import { describe, expect, it } from 'vitest';
import { ErrorCode, ProviderError } from '../src/index.js';
import { decideAfterDialError, firstDialTries, type DialErrorInput } from '../src/scheduler/dial-error-decision.js';
import { START } from './harness.js';

// decideAfterDialError is pure: every branch is tested here without a scheduler.
const NOW = START;
const backoffMs = (n: number): number => 100 * n;

function decide(error: ProviderError, change: Partial<DialErrorInput> = {}) {
  return decideAfterDialError({
    error,
    tries: firstDialTries(false),
    idempotent: false,
    maxRetries: 2,
    retryPolicy: null,
    defaultRetryPolicy: null,
    now: NOW,
    backoffMs,
    ...change,
  });
}

describe('decideAfterDialError', () => {
  it('an answer that could not be used (not retryable, ambiguous) fails for good with an unknown outcome', () => {
    const error = new ProviderError(ErrorCode.PROVIDER_BAD_RESPONSE, 'not JSON', { retryable: false, ambiguous: true });
    const decision = decide(error, { idempotent: true });
    expect(decision).toEqual({
      action: 'fail',
      error: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN, message: "The provider's answer to the dial could not be used (not JSON); not dialing again" },
      ending: { permanent: true, unknownReason: 'answer-lost' },
    });
  });

  it('a permanent error fails at once with the provider’s message and code', () => {
    expect(decide(ProviderError.rejected('Invalid phone number'))).toEqual({
      action: 'fail',
      error: { code: ErrorCode.PROVIDER_REJECTED, message: 'Invalid phone number' },
      ending: { permanent: true },
    });
    const other = new ProviderError(ErrorCode.PROVIDER_BAD_RESPONSE, 'no id in the answer', { retryable: false });
    expect(decide(other)).toMatchObject({ action: 'fail', error: { code: ErrorCode.PROVIDER_BAD_RESPONSE, message: 'no id in the answer' }, ending: { permanent: true } });
  });

  it('an ambiguous error with a provider that does not de-duplicate ends with an unknown outcome', () => {
    const decision = decide(ProviderError.timeout('no answer'));
    expect(decision).toMatchObject({ action: 'fail', error: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN }, ending: { outcome: 'unknown' } });
    // Why: no answer in time; a connection cut after sending is an answer lost.
    expect(decision).toMatchObject({ ending: { unknownReason: 'timeout' } });
    const cut = new ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, 'socket hang up', { retryable: true, ambiguous: true });
    expect(decide(cut)).toMatchObject({ action: 'fail', ending: { outcome: 'unknown', unknownReason: 'answer-lost' } });
  });

  it('a 429 pauses every dial for its Retry-After (or the back-off), without counting as a failure', () => {
    expect(decide(ProviderError.rateLimited(5000))).toEqual({
      action: 'pause',
      delayMs: 5000,
      tries: { failures: 0, rateLimited: 1, unknownRounds: 0, mayHavePlaced: false },
    });
    const again = decide(ProviderError.rateLimited(null), { tries: { ...firstDialTries(false), rateLimited: 2, failures: 1 } });
    expect(again).toEqual({ action: 'pause', delayMs: 300, tries: { failures: 1, rateLimited: 3, unknownRounds: 0, mayHavePlaced: false } });
  });

  it('a 429 that may have placed the call (ambiguous, de-duplicating provider) marks the dial as possibly placed', () => {
    const error = ProviderError.rateLimited(1000, { ambiguous: true });
    expect(decide(error, { idempotent: true })).toMatchObject({ action: 'pause', tries: { mayHavePlaced: true } });
  });

  it('a transient error is retried later with the back-off, or the provider’s Retry-After when longer', () => {
    expect(decide(ProviderError.unavailable('503'))).toEqual({
      action: 'retry-later',
      delayMs: 100,
      tries: { failures: 1, rateLimited: 0, unknownRounds: 0, mayHavePlaced: false },
    });
    expect(decide(ProviderError.unavailable('503', { retryAfterMs: 2000 }))).toMatchObject({ action: 'retry-later', delayMs: 2000 });
    expect(decide(ProviderError.timeout('slow'), { idempotent: true })).toMatchObject({ action: 'retry-later', tries: { mayHavePlaced: true } });
  });

  it('too many transient errors that surely did not place the call fail the attempt (the retry policy may try again)', () => {
    const decision = decide(ProviderError.unavailable('503'), { tries: { ...firstDialTries(false), failures: 2 } });
    expect(decision).toEqual({
      action: 'fail',
      error: { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'The provider kept failing: 503' },
      ending: { outcome: 'failed' },
    });
  });

  it('too many ambiguous errors with a de-duplicating provider re-send the same dial by the unknown rule', () => {
    const tries = { failures: 2, rateLimited: 0, unknownRounds: 0, mayHavePlaced: true };
    const retryPolicy = { unknown: { delaysMs: [60_000], maxAttempts: 3 } };
    const decision = decide(ProviderError.timeout('slow'), { idempotent: true, tries, retryPolicy });
    expect(decision).toEqual({ action: 'resend-unknown', delayMs: 60_000, tries: { failures: 0, rateLimited: 0, unknownRounds: 1, mayHavePlaced: true } });
    // The scheduler's policy applies when the call has none.
    expect(decide(ProviderError.timeout('slow'), { idempotent: true, tries, defaultRetryPolicy: retryPolicy })).toMatchObject({ action: 'resend-unknown' });
  });

  it('when the unknown rule allows no more re-sends, the attempt fails for good with an unknown outcome', () => {
    const tries = { failures: 2, rateLimited: 0, unknownRounds: 2, mayHavePlaced: true };
    const retryPolicy = { unknown: { delaysMs: [60_000], maxAttempts: 3 } };
    expect(decide(ProviderError.timeout('slow'), { idempotent: true, tries, retryPolicy })).toEqual({
      action: 'fail',
      error: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN, message: 'The provider kept failing and may or may not have placed the call: slow' },
      ending: { permanent: true, unknownReason: 'timeout' },
    });
    expect(decide(ProviderError.timeout('slow'), { idempotent: true, tries: { ...tries, unknownRounds: 0 } })).toMatchObject({ action: 'fail', ending: { permanent: true } });
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/index.js';
import { endAttemptUpdate, endEventData, type ClaimRef } from '../src/scheduler/call-transitions.js';
import { ProviderError } from '../src/errors/provider-error.js';
import { providerErrorKind, unknownReasonOf } from '../src/telemetry/scheduler-telemetry.js';

// Pure builders of who-did-what: no scheduler, store or clock.
const claim: ClaimRef = { id: 'c1', token: 3, attempt: 1 };
const unknownError = { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN, message: 'may have dialed' };

describe('who did what in the event that ends an attempt', () => {
  it('an unknown outcome names why and the scheduler that concluded it', () => {
    const update = endAttemptUpdate(claim, 'failed', unknownError, null, { outcome: 'unknown', unknownReason: 'dialer-died', schedulerId: 'host-b' }, { action: 'end', reason: null }, 1_000);
    expect(update.events).toEqual([
      {
        type: 'failed',
        at: 1_000,
        attempt: 1,
        status: 'failed',
        providerStatus: null,
        data: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN, message: 'may have dialed', reason: 'dialer-died', schedulerId: 'host-b' },
      },
    ]);
  });

  it('other endings carry neither (the data is as before)', () => {
    expect(endEventData(null, null, { outcome: 'busy' })).toBeNull();
    expect(endEventData({ code: 'X', message: 'm' }, 'max-attempts', { outcome: 'busy' })).toEqual({ code: 'X', message: 'm', retry: 'max-attempts' });
    expect(endEventData(null, null, { unknownReason: 'timeout' })).toEqual({ reason: 'timeout' });
  });

  it('provider errors are classified by kind, and unknown outcomes by reason', () => {
    expect(providerErrorKind(ProviderError.notFound('p1'))).toBe('lost');
    expect(providerErrorKind(ProviderError.rejected('bad number'))).toBe('rejected');
    expect(providerErrorKind(ProviderError.timeout())).toBe('ambiguous');
    expect(providerErrorKind(ProviderError.rateLimited(1_000))).toBe('retryable');
    expect(providerErrorKind(ProviderError.unavailable('503'))).toBe('retryable');
    expect(unknownReasonOf(ProviderError.timeout())).toBe('timeout');
    expect(unknownReasonOf(new ProviderError(ErrorCode.PROVIDER_BAD_RESPONSE, 'not JSON', { retryable: false, ambiguous: true }))).toBe('answer-lost');
  });
});

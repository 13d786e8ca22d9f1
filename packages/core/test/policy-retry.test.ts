import { describe, expect, it } from 'vitest';
import { dailyWindow, tcpa } from '../src/policy/calling-window-presets.js';
import { effectiveWindowPolicy, planDialTime } from '../src/policy/dial-timing.js';
import { decideRetry, effectiveRetryPolicy, terminalStatusOf } from '../src/policy/retry-decision.js';
import type { RetryPolicy } from '../src/policy/retry-policy.js';

const Z = (iso: string): number => Date.parse(iso);
const MIN = 60_000;

describe('planDialTime', () => {
  it('dials at the wanted time when there is no window', () => {
    expect(planDialTime({ wantedAt: 1_000 })).toEqual({ action: 'dial', dueAt: 1_000, snapped: false });
    expect(planDialTime({ wantedAt: 1_000, timeZone: 'UTC', window: null, expiresAt: 1_001 })).toEqual({ action: 'dial', dueAt: 1_000, snapped: false });
  });

  it('TCPA: a call due at 23:00 local is dialed at 08:00 the next day; with expiresAt 07:00 it expires', () => {
    const at = Z('2026-06-10T04:00:00Z'); // 23:00 CDT
    expect(planDialTime({ wantedAt: at, timeZone: 'America/Chicago', window: tcpa() })).toEqual({ action: 'dial', dueAt: Z('2026-06-10T13:00:00Z'), snapped: true });
    expect(planDialTime({ wantedAt: at, timeZone: 'America/Chicago', window: tcpa(), expiresAt: Z('2026-06-10T12:00:00Z') })).toEqual({ action: 'expire', reason: 'expires-first' });
    // Dialable only strictly before expiresAt.
    expect(planDialTime({ wantedAt: at, timeZone: 'America/Chicago', window: tcpa(), expiresAt: Z('2026-06-10T13:00:00Z') }).action).toBe('expire');
    expect(planDialTime({ wantedAt: at, timeZone: 'America/Chicago', window: tcpa(), expiresAt: Z('2026-06-10T13:00:00.001Z') }).action).toBe('dial');
  });

  it('expires a call past its expiry, and one whose window never opens', () => {
    expect(planDialTime({ wantedAt: 5_000, expiresAt: 5_000 })).toEqual({ action: 'expire', reason: 'expires-first' });
    expect(planDialTime({ wantedAt: 0, timeZone: 'UTC', window: {} })).toEqual({ action: 'expire', reason: 'window-never-opens' });
  });

  it('refuses a window without a zone', () => {
    expect(() => planDialTime({ wantedAt: 0, window: tcpa() })).toThrow(/timeZone is required/);
  });
});

describe('effectiveWindowPolicy', () => {
  const business = dailyWindow([{ start: '09:00', end: '17:00' }]);
  it('uses the call’s own zone and window first, then the defaults; no zone means no window', () => {
    expect(effectiveWindowPolicy({ timeZone: 'Europe/Berlin', window: business }, { defaultWindow: tcpa() })).toEqual({ timeZone: 'Europe/Berlin', window: business });
    expect(effectiveWindowPolicy({ timeZone: 'Europe/Berlin', window: null }, { defaultWindow: tcpa() })).toEqual({ timeZone: 'Europe/Berlin', window: tcpa() });
    expect(effectiveWindowPolicy({ timeZone: null, window: null }, { defaultWindow: tcpa() })).toEqual({ timeZone: null, window: null });
    expect(effectiveWindowPolicy({}, { defaultWindow: tcpa(), defaultTimeZone: 'America/Chicago' })).toEqual({ timeZone: 'America/Chicago', window: tcpa() });
    expect(effectiveWindowPolicy({ timeZone: 'UTC' })).toEqual({ timeZone: 'UTC', window: null });
  });
});

describe('decideRetry', () => {
  const policy: RetryPolicy = {
    busy: { delaysMs: [2 * MIN, 10 * MIN], maxAttempts: 3 },
    'no-answer': { delaysMs: [60 * MIN], maxAttempts: 4 },
    failed: { delaysMs: [30_000], maxAttempts: 2 },
    unknown: { delaysMs: [5_000], maxAttempts: 2 },
  };
  const t0 = Z('2026-06-10T15:00:00Z');

  it('busy, busy, then the third attempt: retries at exactly the configured delays, then ends busy', () => {
    expect(decideRetry({ policy, outcome: 'busy', attemptNumber: 1, endedAt: t0 })).toEqual({ action: 'retry', retryAt: t0 + 2 * MIN, plannedAt: t0 + 2 * MIN, delayMs: 2 * MIN });
    const t1 = t0 + 2 * MIN + 30_000;
    expect(decideRetry({ policy, outcome: 'busy', attemptNumber: 2, endedAt: t1 })).toEqual({ action: 'retry', retryAt: t1 + 10 * MIN, plannedAt: t1 + 10 * MIN, delayMs: 10 * MIN });
    expect(decideRetry({ policy, outcome: 'busy', attemptNumber: 3, endedAt: t1 + 11 * MIN })).toEqual({ action: 'end', end: 'max-attempts', status: 'busy' });
  });

  it('reuses the last delay, and counts every attempt of the call against maxAttempts', () => {
    expect(decideRetry({ policy, outcome: 'no-answer', attemptNumber: 3, endedAt: t0 })).toMatchObject({ action: 'retry', delayMs: 60 * MIN });
    expect(decideRetry({ policy, outcome: 'no-answer', attemptNumber: 4, endedAt: t0 })).toEqual({ action: 'end', end: 'max-attempts', status: 'no-answer' });
    // Attempt 2 was busy; a `failed` outcome allows 2 attempts in all, so attempt 2 failing ends it.
    expect(decideRetry({ policy, outcome: 'failed', attemptNumber: 2, endedAt: t0 })).toEqual({ action: 'end', end: 'max-attempts', status: 'failed' });
  });

  it('retries `unknown` only when the provider de-duplicates; otherwise ends failed', () => {
    expect(decideRetry({ policy, outcome: 'unknown', attemptNumber: 1, endedAt: t0 })).toEqual({ action: 'end', end: 'outcome-unknown', status: 'failed' });
    expect(decideRetry({ policy, outcome: 'unknown', attemptNumber: 1, endedAt: t0, providerDeduplicates: true })).toMatchObject({ action: 'retry', retryAt: t0 + 5_000 });
  });

  it('snaps a retry into the window', () => {
    // Busy at 20:58 CDT; 2 minutes later is 21:00, closed: 08:00 next morning.
    const ended = Z('2026-06-10T01:58:00Z');
    expect(decideRetry({ policy, outcome: 'busy', attemptNumber: 1, endedAt: ended, timeZone: 'America/Chicago', window: tcpa() })).toEqual({
      action: 'retry', retryAt: Z('2026-06-10T13:00:00Z'), plannedAt: ended + 2 * MIN, delayMs: 2 * MIN,
    });
  });

  it('ends the call with the attempt’s outcome when the retry would land at or after expiresAt', () => {
    const ended = Z('2026-06-10T01:58:00Z');
    const base = { policy, outcome: 'busy' as const, attemptNumber: 1, endedAt: ended, timeZone: 'America/Chicago', window: tcpa() };
    expect(decideRetry({ ...base, expiresAt: Z('2026-06-10T13:00:00Z') })).toEqual({ action: 'end', end: 'expires-first', status: 'busy' });
    expect(decideRetry({ ...base, expiresAt: Z('2026-06-10T13:00:01Z') })).toMatchObject({ action: 'retry' });
    expect(decideRetry({ ...base, window: {} })).toEqual({ action: 'end', end: 'window-never-opens', status: 'busy' });
  });

  it('a call’s policy replaces the default as a whole; none at all means no retry', () => {
    const fallback: RetryPolicy = { busy: { delaysMs: [1_000], maxAttempts: 5 } };
    expect(effectiveRetryPolicy(undefined, fallback)).toBe(fallback);
    expect(effectiveRetryPolicy(null, fallback)).toBe(fallback);
    expect(effectiveRetryPolicy({}, fallback)).toEqual({});
    expect(decideRetry({ defaultPolicy: fallback, outcome: 'busy', attemptNumber: 1, endedAt: 0 })).toMatchObject({ action: 'retry', retryAt: 1_000 });
    expect(decideRetry({ policy: {}, defaultPolicy: fallback, outcome: 'busy', attemptNumber: 1, endedAt: 0 })).toEqual({ action: 'end', end: 'not-retried', status: 'busy' });
    expect(decideRetry({ policy: { 'no-answer': { delaysMs: [1], maxAttempts: 2 } }, defaultPolicy: fallback, outcome: 'busy', attemptNumber: 1, endedAt: 0 })).toMatchObject({ end: 'not-retried' });
    expect(decideRetry({ outcome: 'no-answer', attemptNumber: 1, endedAt: 0 })).toEqual({ action: 'end', end: 'not-retried', status: 'no-answer' });
  });

  it('maps outcomes to terminal statuses and refuses a bad attempt number', () => {
    expect(['busy', 'no-answer', 'failed', 'unknown'].map((o) => terminalStatusOf(o as 'busy'))).toEqual(['busy', 'no-answer', 'failed', 'failed']);
    expect(() => decideRetry({ policy, outcome: 'busy', attemptNumber: 0, endedAt: 0 })).toThrow(/attemptNumber/);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode, tcpa, type CallRecord, type ParsedScheduleCallInput, type ProviderCallInfo } from '../src/index.js';
import { effectiveWindowPolicy } from '../src/policy/dial-timing.js';
import {
  acceptUpdate,
  cancelUpdate,
  endAttemptUpdate,
  expireUpdate,
  expiredError,
  isRetryCandidate,
  leaseUpdate,
  newCallInsert,
  providerStatusNoteUpdate,
  putBackUpdate,
  requeueUnplacedUpdate,
  rescheduleUpdate,
  statusMoveUpdate,
  type ClaimRef,
} from '../src/scheduler/call-transitions.js';
import { callFixture } from '../src/testing/fixtures.js';
import { HOUR, MINUTE, NUMBER, START } from './harness.js';

// Every builder is pure: these tests run without a scheduler, a store or a clock.
const NOW = START; // 2026-11-21T09:00:00Z, 04:00 in New York
const NY = 'America/New_York';
const NO_WINDOW = { timeZone: null, window: null } as const;
const TCPA_NY = effectiveWindowPolicy({ timeZone: NY, window: tcpa() });
const OPENS = Date.parse('2026-11-21T13:00:00Z'); // 08:00 in New York
const claim: ClaimRef = { id: 'c1', token: 7, attempt: 2 };
const info = (status: string, extra: Partial<ProviderCallInfo> = {}): ProviderCallInfo => ({
  providerCallId: 'p1',
  status: status as ProviderCallInfo['status'],
  rawStatus: status,
  durationSeconds: null,
  ...extra,
});

/** A parsed schedule input: absent fields are `undefined`, as the parser leaves them. */
function input(fields: Partial<ParsedScheduleCallInput> & { to: string }): ParsedScheduleCallInput {
  return { at: undefined, timeZone: undefined, window: undefined, expiresAt: undefined, retry: undefined, idempotencyKey: undefined, metadata: undefined, ...fields };
}

function record(change: Partial<CallRecord> = {}): CallRecord {
  const call = callFixture({ id: 'c1', to: NUMBER, at: NOW + HOUR, dueAt: NOW + HOUR, createdAt: NOW - HOUR });
  return { ...call, attemptCount: 0, providerCallId: null, providerStatus: null, lease: null, fencingToken: 0, version: 3, updatedAt: NOW - HOUR, ...change };
}

describe('expiredError', () => {
  it('says why, for each reason', () => {
    expect(expiredError('window-never-opens', TCPA_NY).message).toBe('The calling window never opens');
    expect(expiredError('number-cap', NO_WINDOW).message).toBe('The per-number attempt cap allows no attempt before expiresAt');
    expect(expiredError('expires-first', TCPA_NY).message).toBe('The call cannot be dialed inside its calling window before expiresAt');
    expect(expiredError('expires-at-passed', NO_WINDOW)).toEqual({ code: ErrorCode.CALL_EXPIRED, message: 'The call could not be placed before expiresAt' });
  });
});

describe('newCallInsert', () => {
  it('stores a call due at its at, with one scheduled event', () => {
    const insert = newCallInsert('c1', input({ to: NUMBER, at: NOW + HOUR, metadata: { a: 1 }, idempotencyKey: 'k' }), NO_WINDOW, NOW);
    expect(insert.call).toMatchObject({ id: 'c1', status: 'scheduled', at: NOW + HOUR, dueAt: NOW + HOUR, metadata: { a: 1 }, idempotencyKey: 'k', error: null, createdAt: NOW, endedAt: null });
    expect(insert.events).toEqual([{ type: 'scheduled', at: NOW, attempt: null, status: 'scheduled', providerStatus: null, data: { at: NOW + HOUR } }]);
  });

  it('without at is due now; a past at is wanted now', () => {
    expect(newCallInsert('c1', input({ to: NUMBER }), NO_WINDOW, NOW).call).toMatchObject({ at: NOW, dueAt: NOW });
    expect(newCallInsert('c1', input({ to: NUMBER, at: NOW - HOUR }), NO_WINDOW, NOW).call).toMatchObject({ at: NOW - HOUR, dueAt: NOW - HOUR });
  });

  it('snaps into the window and says when it is next attempted', () => {
    const insert = newCallInsert('c1', input({ to: NUMBER, timeZone: NY, window: tcpa() }), TCPA_NY, NOW);
    expect(insert.call.dueAt).toBe(OPENS);
    expect(insert.events[0]?.data).toEqual({ at: NOW, nextAttemptAt: OPENS });
  });

  it('stores a call that cannot be dialed before expiresAt as expired, with both events', () => {
    const insert = newCallInsert('c1', input({ to: NUMBER, timeZone: NY, window: tcpa(), expiresAt: NOW + HOUR }), TCPA_NY, NOW);
    expect(insert.call).toMatchObject({ status: 'expired', dueAt: null, endedAt: NOW, error: { code: ErrorCode.CALL_EXPIRED } });
    expect(insert.events.map((e) => e.type)).toEqual(['scheduled', 'expired']);
    expect(insert.events[1]?.data).toMatchObject({ reason: 'expires-first' });
  });
});

describe('cancelUpdate', () => {
  it('ends a scheduled call canceled', () => {
    expect(cancelUpdate('c1', NOW)).toEqual({
      id: 'c1',
      expect: { statuses: ['scheduled'] },
      set: { status: 'canceled', dueAt: null, endedAt: NOW },
      events: [{ type: 'canceled', at: NOW, attempt: null, status: 'canceled', providerStatus: null, data: null }],
      now: NOW,
    });
  });
});

describe('rescheduleUpdate', () => {
  const same = (r: CallRecord) => ({ at: r.at, atGiven: false, timeZone: r.timeZone, window: r.window, windowGiven: false, expiresAt: r.expiresAt });

  it('a change of metadata only keeps the due time, guarded by status and version', () => {
    const current = record({ dueAt: NOW + 2 * HOUR });
    const { update, expired } = rescheduleUpdate(current, { ...same(current), metadata: { b: 2 }, retry: null }, NO_WINDOW, NOW);
    expect(expired).toBe(false);
    expect(update.expect).toEqual({ statuses: ['scheduled'], version: 3 });
    expect(update.set).toMatchObject({ dueAt: NOW + 2 * HOUR, metadata: { b: 2 }, retry: null });
    expect(update.events?.[0]?.data).toEqual({ at: NOW + HOUR, nextAttemptAt: NOW + 2 * HOUR });
  });

  it('a new at is due at that time', () => {
    const current = record();
    const { update } = rescheduleUpdate(current, { ...same(current), at: NOW + 5 * HOUR, atGiven: true }, NO_WINDOW, NOW);
    expect(update.set).toMatchObject({ at: NOW + 5 * HOUR, dueAt: NOW + 5 * HOUR });
    expect(update.set).not.toHaveProperty('metadata');
    expect(update.events?.[0]).toMatchObject({ type: 'rescheduled', data: { at: NOW + 5 * HOUR } });
  });

  it('a call waiting for a retry keeps its retry time when only the window changes, snapped into the new window', () => {
    const current = record({ attemptCount: 1, at: NOW - HOUR, dueAt: NOW + MINUTE });
    const change = { ...same(current), timeZone: NY, window: tcpa(), windowGiven: true };
    const { update } = rescheduleUpdate(current, change, TCPA_NY, NOW);
    expect(update.set).toMatchObject({ dueAt: OPENS, timeZone: NY });
  });

  it('ends the call expired when it can no longer be dialed before expiresAt', () => {
    const current = record();
    const change = { ...same(current), timeZone: NY, window: tcpa(), windowGiven: true, expiresAt: NOW + 2 * HOUR };
    const { update, expired } = rescheduleUpdate(current, change, TCPA_NY, NOW);
    expect(expired).toBe(true);
    expect(update.set).toMatchObject({ status: 'expired', dueAt: null, endedAt: NOW, error: { code: ErrorCode.CALL_EXPIRED } });
    expect(update.events?.[0]).toMatchObject({ type: 'expired', status: 'expired', data: { reason: 'expires-first' } });
  });
});

describe('acceptUpdate', () => {
  it('records the provider id and first status under the token, and renews the lease', () => {
    const { update, status, leaseExpiresAt } = acceptUpdate(claim, info('ringing'), NOW, 30_000);
    expect(status).toBe('ringing');
    expect(leaseExpiresAt).toBe(NOW + 30_000);
    expect(update).toEqual({
      id: 'c1',
      expect: { token: 7 },
      set: { status: 'ringing', providerCallId: 'p1', providerStatus: 'ringing', leaseExpiresAt: NOW + 30_000 },
      attempt: { number: 2, set: { status: 'ringing', providerCallId: 'p1', providerStatus: 'ringing' } },
      events: [{ type: 'status', at: NOW, attempt: 2, status: 'ringing', providerStatus: 'ringing', data: { providerCallId: 'p1' } }],
      now: NOW,
    });
  });

  it('an unknown or final first status is recorded as initiated (a final one is applied next)', () => {
    expect(acceptUpdate(claim, info('queued-somewhere'), NOW, 1000).status).toBe('initiated');
    expect(acceptUpdate(claim, info('busy'), NOW, 1000).status).toBe('initiated');
  });
});

describe('status writes of a live call', () => {
  it('a word that moves nothing is recorded, guarded by token and status, or by version for another scheduler’s call', () => {
    const own = providerStatusNoteUpdate(claim, 'ringing', info('weird'), NOW);
    expect(own.expect).toEqual({ token: 7, statuses: ['ringing'] });
    expect(own.set).toEqual({ providerStatus: 'weird' });
    expect(own.events?.[0]).toMatchObject({ status: 'ringing', providerStatus: 'weird', data: { moved: false, normalized: 'weird' } });
    expect(providerStatusNoteUpdate(claim, 'ringing', info('weird'), NOW, 9).expect).toEqual({ token: 7, version: 9 });
  });

  it('a forward move renews the own lease, and leaves another scheduler’s lease alone', () => {
    const own = statusMoveUpdate(claim, 'ringing', 'connected', info('in-progress'), NOW, NOW + 5000);
    expect(own.expect).toEqual({ token: 7, statuses: ['ringing'] });
    expect(own.set).toEqual({ status: 'connected', providerStatus: 'in-progress', leaseExpiresAt: NOW + 5000 });
    expect(own.attempt).toEqual({ number: 2, set: { status: 'connected', providerStatus: 'in-progress' } });
    const foreign = statusMoveUpdate(claim, 'ringing', 'connected', info('in-progress'), NOW, NOW + 5000, 9);
    expect(foreign.expect).toEqual({ token: 7, version: 9 });
    expect(foreign.set).toEqual({ status: 'connected', providerStatus: 'in-progress' });
  });
});

describe('isRetryCandidate', () => {
  it('only a failed outcome that is not permanent and not unknown goes to the retry policy', () => {
    expect(isRetryCandidate('busy', { outcome: 'busy' })).toBe(true);
    expect(isRetryCandidate('completed', { outcome: 'failed' })).toBe(false);
    expect(isRetryCandidate('canceled', { outcome: 'failed' })).toBe(false);
    expect(isRetryCandidate('failed', { outcome: 'failed', permanent: true })).toBe(false);
    expect(isRetryCandidate('failed', {})).toBe(false);
    expect(isRetryCandidate('failed', { outcome: 'unknown' })).toBe(false);
  });
});

describe('endAttemptUpdate', () => {
  const retry = { action: 'retry', retryAt: NOW + HOUR, plannedAt: NOW + HOUR, delayMs: HOUR } as const;

  it('a retry puts the call back to scheduled with a retrying event, after the provider’s final status', () => {
    const update = endAttemptUpdate(claim, 'busy', { code: ErrorCode.CALL_FAILED, message: 'busy' }, info('busy', { durationSeconds: 0 }), { outcome: 'busy' }, retry, NOW);
    expect(update.expect).toEqual({ token: 7 });
    expect(update.set).toEqual({ status: 'scheduled', dueAt: NOW + HOUR, leaseExpiresAt: null, error: { code: ErrorCode.CALL_FAILED, message: 'busy' } });
    expect(update.attempt).toEqual({ number: 2, set: { status: 'busy', endedAt: NOW, error: { code: ErrorCode.CALL_FAILED, message: 'busy' }, providerStatus: 'busy', durationSeconds: 0 } });
    expect(update.events).toEqual([
      { type: 'status', at: NOW, attempt: 2, status: 'busy', providerStatus: 'busy', data: { durationSeconds: 0 } },
      {
        type: 'retrying',
        at: NOW,
        attempt: 2,
        status: 'scheduled',
        providerStatus: null,
        data: { outcome: 'busy', nextAttemptAt: NOW + HOUR, plannedAt: NOW + HOUR, delayMs: HOUR, code: ErrorCode.CALL_FAILED, message: 'busy' },
      },
    ]);
  });

  it('a retry without an error records why the attempt ended, and uses the status as outcome when none is given', () => {
    const update = endAttemptUpdate(claim, 'no-answer', null, null, { version: 4 }, retry, NOW);
    expect(update.expect).toEqual({ token: 7, version: 4 });
    expect(update.set.error).toEqual({ code: ErrorCode.CALL_FAILED, message: 'Attempt 2 ended no-answer' });
    expect(update.events).toHaveLength(1);
    expect(update.events?.[0]?.data).toEqual({ outcome: 'no-answer', nextAttemptAt: NOW + HOUR, plannedAt: NOW + HOUR, delayMs: HOUR });
  });

  it('completed ends the call with a completed event and no data', () => {
    const update = endAttemptUpdate(claim, 'completed', null, info('completed'), {}, { action: 'end', reason: null }, NOW);
    expect(update.set).toEqual({ status: 'completed', dueAt: null, leaseExpiresAt: null, endedAt: NOW, error: null, providerStatus: 'completed' });
    expect(update.events?.map((e) => [e.type, e.data])).toEqual([
      ['status', null],
      ['completed', null],
    ]);
  });

  it('a failure says its error and why it is not retried', () => {
    const update = endAttemptUpdate(claim, 'failed', { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'down' }, null, { outcome: 'failed' }, { action: 'end', reason: 'max-attempts' }, NOW);
    expect(update.set).toEqual({ status: 'failed', dueAt: null, leaseExpiresAt: null, endedAt: NOW, error: { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'down' } });
    expect(update.events).toEqual([
      { type: 'failed', at: NOW, attempt: 2, status: 'failed', providerStatus: null, data: { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'down', retry: 'max-attempts' } },
    ]);
    const noReason = endAttemptUpdate(claim, 'busy', null, null, {}, { action: 'end', reason: 'not-retried' }, NOW);
    expect(noReason.events?.[0]?.data).toEqual({ retry: 'not-retried' });
  });

  it('a canceled call ends with a canceled event', () => {
    expect(endAttemptUpdate(claim, 'canceled', null, info('canceled'), {}, { action: 'end', reason: null }, NOW).events?.[1]?.type).toBe('canceled');
  });
});

describe('writes that end a claim without a dial', () => {
  const error = { code: ErrorCode.CALL_EXPIRED, message: 'late' };

  it('expire with unclaim removes the claim’s attempt; without, ends that attempt expired', () => {
    const unclaimed = expireUpdate(claim, error, true, NOW);
    expect(unclaimed).toMatchObject({ expect: { token: 7 }, unclaim: true, set: { status: 'expired', dueAt: null, leaseExpiresAt: null, endedAt: NOW, error } });
    expect(unclaimed).not.toHaveProperty('attempt');
    expect(unclaimed.events?.[0]).toMatchObject({ type: 'expired', attempt: null });
    const kept = expireUpdate(claim, error, false, NOW);
    expect(kept).not.toHaveProperty('unclaim');
    expect(kept.attempt).toEqual({ number: 2, set: { status: 'expired', endedAt: NOW, error } });
    expect(kept.events?.[0]).toMatchObject({ type: 'expired', attempt: 2, data: { code: ErrorCode.CALL_EXPIRED, message: 'late' } });
  });

  it('put back returns the call to scheduled without its attempt, saying why', () => {
    const reason = { code: ErrorCode.OUTSIDE_CALLING_WINDOW, message: 'closed' };
    expect(putBackUpdate(claim, OPENS, reason, NOW)).toEqual({
      id: 'c1',
      expect: { token: 7 },
      set: { status: 'scheduled', dueAt: OPENS, leaseExpiresAt: null },
      unclaim: true,
      events: [{ type: 'rescheduled', at: NOW, attempt: null, status: 'scheduled', providerStatus: null, data: { nextAttemptAt: OPENS, code: ErrorCode.OUTSIDE_CALLING_WINDOW, message: 'closed' } }],
      now: NOW,
    });
  });

  it('requeue on shutdown keeps the attempt, failed with the last provider error', () => {
    const update = requeueUnplacedUpdate(claim, NOW + 500, { code: ErrorCode.PROVIDER_UNAVAILABLE, message: '503' }, NOW);
    const message = 'Not placed (503); requeued because the scheduler stopped';
    expect(update.set).toEqual({ status: 'scheduled', dueAt: NOW + 500, leaseExpiresAt: null, error: { code: ErrorCode.PROVIDER_UNAVAILABLE, message } });
    expect(update.attempt).toEqual({ number: 2, set: { status: 'failed', endedAt: NOW, error: { code: ErrorCode.PROVIDER_UNAVAILABLE, message } } });
    expect(update.events?.[0]).toMatchObject({ type: 'retrying', attempt: 2, status: 'scheduled', data: { nextAttemptAt: NOW + 500 } });
  });

  it('lease writes set only the expiry, under the token', () => {
    expect(leaseUpdate(claim, NOW + 1000, NOW)).toEqual({ id: 'c1', expect: { token: 7 }, set: { leaseExpiresAt: NOW + 1000 }, now: NOW });
    expect(leaseUpdate(claim, null, NOW).set).toEqual({ leaseExpiresAt: null });
  });
});

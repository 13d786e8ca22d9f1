import { describe, expect } from 'vitest';
import type { CallRecord, NewCallEvent } from '../../store/call-record.js';
import { T0, NUMBER_A, type Suite } from './suite.js';

/** The conformance tests of `updateCall` with `unclaim`. */
export function unclaimTests(s: Suite): void {
  const { test, newCall, insert, claim, claimOne, expectError, ids } = s;
  describe('updateCall unclaim', () => {
    const rescheduledEvent = (at: number, dueAt: number): NewCallEvent => ({
      type: 'rescheduled',
      at,
      attempt: null,
      status: 'scheduled',
      providerStatus: null,
      data: { nextAttemptAt: dueAt },
    });
    const unclaimUpdate = (call: CallRecord, dueAt: number, now: number) => ({
      id: call.id,
      expect: { token: call.fencingToken },
      set: { status: 'scheduled' as const, dueAt, leaseExpiresAt: null },
      events: [rescheduledEvent(now, dueAt)],
      unclaim: true,
      now,
    });

    test('unclaim puts a claimed call back to scheduled and removes the attempt the claim made', async () => {
      const input = newCall({ to: NUMBER_A });
      await insert(input);
      const { call } = await claimOne(input.id);
      expect(call.attemptCount).toBe(1);
      const later = T0 + 3_600_000;
      const result = await s.store.updateCall(unclaimUpdate(call, later, T0 + 5));
      expect(result).toBeDefined();
      expect(result!.call).toEqual({
        ...call,
        status: 'scheduled',
        dueAt: later,
        attemptCount: 0,
        lease: null,
        version: call.version + 1,
        updatedAt: T0 + 5,
      });
      const details = await s.store.getCallDetails(call.id);
      expect(details!.call).toEqual(result!.call);
      expect(details!.attempts).toEqual([]);
      expect(details!.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'rescheduled']);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
      expect(await s.store.nextWakeUpAt()).toBe(later);
      // Not due before its new time; then claimed again as attempt 1 under a new token.
      expect(await claim({ now: later - 1 })).toEqual([]);
      const again = await claimOne(call.id, { now: later });
      expect(again.call.attemptCount).toBe(1);
      expect(again.call.fencingToken).toBeGreaterThan(call.fencingToken);
      const after = await s.store.getCallDetails(call.id);
      expect(after!.attempts.map((a) => [a.number, a.startedAt])).toEqual([[1, later]]);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(1);
    });

    test('unclaim keeps the earlier attempts and removes only the last one', async () => {
      const input = newCall({ to: NUMBER_A });
      await insert(input);
      const first = await claimOne(input.id);
      await s.store.updateCall({
        id: input.id,
        expect: { token: first.call.fencingToken },
        set: { status: 'scheduled', dueAt: T0 + 60_000, leaseExpiresAt: null },
        attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 100 } },
        now: T0 + 100,
      });
      const second = await claimOne(input.id, { now: T0 + 60_000 });
      expect(second.call.attemptCount).toBe(2);
      const result = await s.store.updateCall(unclaimUpdate(second.call, T0 + 120_000, T0 + 60_001));
      expect(result!.call).toMatchObject({ status: 'scheduled', attemptCount: 1, dueAt: T0 + 120_000, lease: null });
      const details = await s.store.getCallDetails(input.id);
      expect(details!.attempts.map((a) => [a.number, a.status])).toEqual([[1, 'busy']]);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(1);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 + 1 })).toBe(0);
    });

    test('unclaim releases the number for onePerNumber claims', async () => {
      const a = newCall({ to: NUMBER_A, dueAt: T0 });
      const b = newCall({ to: NUMBER_A, dueAt: T0 + 10 });
      await insert(a, b);
      const [claimedA] = await claim({ now: T0 + 10, onePerNumber: true });
      expect(claimedA!.call.id).toBe(a.id);
      expect(await claim({ now: T0 + 10, onePerNumber: true })).toEqual([]);
      await s.store.updateCall(unclaimUpdate(claimedA!.call, T0 + 3_600_000, T0 + 10));
      expect(ids((await claim({ now: T0 + 10, onePerNumber: true })).map((r) => r.call))).toEqual([b.id]);
    });

    test('unclaim can also end a claimed call that was never dialed (expired), leaving no attempt', async () => {
      const input = newCall({ to: NUMBER_A });
      await insert(input);
      const { call } = await claimOne(input.id);
      const error = { code: 'CALL_EXPIRED', message: 'too late' };
      const result = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'expired', dueAt: null, leaseExpiresAt: null, endedAt: T0 + 5, error },
        events: [{ type: 'expired', at: T0 + 5, attempt: null, status: 'expired', providerStatus: null, data: { code: 'CALL_EXPIRED' } }],
        unclaim: true,
        now: T0 + 5,
      });
      expect(result!.call).toMatchObject({ status: 'expired', attemptCount: 0, lease: null, dueAt: null, endedAt: T0 + 5, error });
      expect((await s.store.getCallDetails(call.id))!.attempts).toEqual([]);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
      expect(await s.store.nextWakeUpAt()).toBeNull();
    });

    test('unclaim with a stale token changes nothing', async () => {
      const input = newCall();
      await insert(input);
      const { call } = await claimOne(input.id);
      const before = await s.store.getCallDetails(call.id);
      const stale = { ...call, fencingToken: call.fencingToken + 1 };
      expect(await s.store.updateCall(unclaimUpdate(stale, T0 + 60_000, T0 + 1))).toBeUndefined();
      expect(await s.store.getCallDetails(call.id)).toEqual(before);
    });

    test('unclaim of a call without an attempt, or together with an attempt patch, is INVALID_INPUT and writes nothing', async () => {
      const [stored] = await insert(newCall());
      const before = await s.store.getCallDetails(stored!.id);
      await expectError(
        () =>
          s.store.updateCall({
            id: stored!.id,
            expect: { statuses: ['scheduled'] },
            set: { dueAt: T0 + 60_000 },
            events: [rescheduledEvent(T0 + 1, T0 + 60_000)],
            unclaim: true,
            now: T0 + 1,
          }),
        'INVALID_INPUT',
        'unclaim',
      );
      expect(await s.store.getCallDetails(stored!.id)).toEqual(before);
      const { call } = await claimOne(stored!.id);
      const claimedDetails = await s.store.getCallDetails(call.id);
      await expectError(
        () => s.store.updateCall({ ...unclaimUpdate(call, T0 + 60_000, T0 + 2), attempt: { number: 1, set: { status: 'failed' } } }),
        'INVALID_INPUT',
        'unclaim',
      );
      expect(await s.store.getCallDetails(call.id)).toEqual(claimedDetails);
    });
  });
}

import { describe, expect } from 'vitest';
import type { NewCallEvent } from '../../store/call-record.js';
import { T0, NUMBER_B, type Suite } from './suite.js';

/** The conformance tests of `insertCalls`, `getCall` and `getCallDetails`. */
export function insertAndGetTests(s: Suite): void {
  const { test, newCall, scheduledEvent, item, insert, allEvents, mustGet, claimOne, ids, shuffle } = s;
  describe('insertCalls, getCall, getCallDetails', () => {
    test('insertCalls stores a call and returns it with the defaults of a new record', async () => {
      const input = newCall({ idempotencyKey: 'key-1' });
      const [result] = await s.store.insertCalls([item(input)]);
      expect(result).toBeDefined();
      const { call, created, events } = result!;
      expect(created).toBe(true);
      expect(call).toEqual({
        ...input,
        attemptCount: 0,
        providerCallId: null,
        providerStatus: null,
        lease: null,
        fencingToken: 0,
        version: call.version,
        updatedAt: input.createdAt,
      });
      expect(Number.isInteger(call.version)).toBe(true);
      expect(events).toHaveLength(1);
      expect(events[0]).toEqual({ ...scheduledEvent(input), id: events[0]!.id, cursor: events[0]!.cursor, callId: input.id });
      expect(Number.isInteger(events[0]!.id)).toBe(true);
      expect(await s.store.getCall(input.id)).toEqual(call);
      expect(await allEvents()).toEqual(events);
    });

    test('insertCalls keeps every field as given', async () => {
      const input = newCall({
        to: NUMBER_B,
        at: T0 + 5_000,
        dueAt: T0 + 7_000,
        timeZone: 'America/New_York',
        window: { mon: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }], sat: [] },
        expiresAt: T0 + 86_400_000,
        retry: { busy: { delaysMs: [60_000, 120_000], maxAttempts: 3 }, unknown: { delaysMs: [1], maxAttempts: 2 } },
        idempotencyKey: 'order-42',
        metadata: { customer: { id: 7, tags: ['vip', 'new'] }, note: 'ünïcødé ☎', nothing: null, ok: true, n: 1.5 },
        error: { code: 'SOMETHING', message: 'kept as given' },
        createdAt: T0 - 123,
      });
      const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 - 100 });
      await insert(input, expired);
      const stored = await mustGet(input.id);
      const { attemptCount: _a, providerCallId: _p, providerStatus: _s, lease: _l, fencingToken: _f, version: _v, updatedAt, ...rest } = stored;
      expect(rest).toEqual(input);
      expect(updatedAt).toBe(input.createdAt);
      expect((await mustGet(expired.id)).status).toBe('expired');
      expect((await mustGet(expired.id)).endedAt).toBe(T0 - 100);
    });

    test('insertCalls with a batch returns results in input order', async () => {
      const calls = Array.from({ length: 6 }, (_, i) => newCall({ dueAt: T0 + i }));
      const input = shuffle(calls);
      expect(ids(input)).not.toEqual(ids(calls));
      const results = await s.store.insertCalls(input.map(item));
      expect(results.map((r) => r.call.id)).toEqual(ids(input));
      expect(results.every((r) => r.created)).toBe(true);
      const eventIds = results.map((r) => r.events[0]!.id);
      for (let i = 1; i < eventIds.length; i++) expect(eventIds[i]).toBeGreaterThan(eventIds[i - 1]!);
      results.forEach((r, i) => expect(r.events[0]!.callId).toBe(input[i]!.id));
      for (const call of calls) expect((await mustGet(call.id)).dueAt).toBe(call.dueAt);
    });

    test('insertCalls with an empty batch returns an empty array', async () => {
      expect(await s.store.insertCalls([])).toEqual([]);
      expect(await allEvents()).toEqual([]);
    });

    test('insertCalls appends every event given with the call, in order', async () => {
      const input = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
      const events: NewCallEvent[] = [
        scheduledEvent(input),
        { type: 'expired', at: T0, attempt: null, status: 'expired', providerStatus: null, data: { reason: 'past expiresAt' } },
      ];
      const [result] = await s.store.insertCalls([{ call: input, events }]);
      expect(result!.events.map((e) => e.type)).toEqual(['scheduled', 'expired']);
      expect(result!.events[1]!.data).toEqual({ reason: 'past expiresAt' });
      expect(result!.events[1]!.id).toBeGreaterThan(result!.events[0]!.id);
      const details = await s.store.getCallDetails(input.id);
      expect(details!.events).toEqual(result!.events);
    });

    test('getCall and getCallDetails return undefined for an unknown id', async () => {
      await insert(newCall());
      const unknown = s.nextId();
      expect(await s.store.getCall(unknown)).toBeUndefined();
      expect(await s.store.getCallDetails(unknown)).toBeUndefined();
    });

    test('getCallDetails returns attempts by number and events by id', async () => {
      const other = newCall({ to: NUMBER_B, dueAt: T0 + 10 });
      const input = newCall();
      await insert(input, other);
      const first = await claimOne(input.id);
      // Back to scheduled for a retry, releasing the lease.
      const retry = await s.store.updateCall({
        id: input.id,
        expect: { token: first.call.fencingToken },
        set: { status: 'scheduled', dueAt: T0 + 1_000, leaseExpiresAt: null, error: { code: 'CALL_FAILED', message: 'busy' } },
        attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 500 } },
        events: [{ type: 'retrying', at: T0 + 500, attempt: 1, status: 'scheduled', providerStatus: 'busy', data: { nextAttemptAt: T0 + 1_000 } }],
        now: T0 + 500,
      });
      expect(retry).toBeDefined();
      await claimOne(other.id, { now: T0 + 20 });
      const second = await claimOne(input.id, { now: T0 + 1_000 });
      expect(second.call.attemptCount).toBe(2);

      const details = await s.store.getCallDetails(input.id);
      expect(details).toBeDefined();
      expect(details!.call).toEqual(second.call);
      expect(details!.attempts.map((a) => [a.number, a.status, a.startedAt, a.endedAt])).toEqual([
        [1, 'busy', T0, T0 + 500],
        [2, 'dispatching', T0 + 1_000, null],
      ]);
      expect(details!.attempts.every((a) => a.callId === input.id)).toBe(true);
      expect(details!.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'retrying', 'dispatching']);
      expect(details!.events.every((e) => e.callId === input.id)).toBe(true);
      const eventIds = details!.events.map((e) => e.id);
      expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
      expect(new Set(eventIds).size).toBe(eventIds.length);
    });
  });
}

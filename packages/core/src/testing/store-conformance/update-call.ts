import { describe, expect } from 'vitest';
import type { CallStatus } from '../../call/call-status.js';
import type { NewCallRecord } from '../../store/call-record.js';
import type { UpdateResult } from '../../store/call-store.js';
import { T0, LEASE_MS, NUMBER_B, type Suite } from './suite.js';

/** The conformance tests of `updateCall`. */
export function updateCallTests(s: Suite): void {
  const { test, newCall, insert, claim, recover, allEvents, mustGet, statusEvent, claimOne, ids } = s;
  describe('updateCall', () => {
    const claimed = async (overrides: Partial<NewCallRecord> = {}): Promise<UpdateResult> => {
      const input = newCall(overrides);
      await insert(input);
      return claimOne(input.id);
    };

    test('updateCall applies the patch, the attempt patch and the events when the token matches', async () => {
      const { call } = await claimed();
      const eventsBefore = await allEvents();
      const now = T0 + 777;
      const result = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken, statuses: ['dispatching'], version: call.version },
        set: { status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued', metadata: { step: 2 } },
        attempt: { number: 1, set: { status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued' } },
        events: [statusEvent('initiated', now, 1), { type: 'status', at: now, attempt: 1, status: 'initiated', providerStatus: 'weird', data: { raw: [1, 2] } }],
        now,
      });
      expect(result).toBeDefined();
      expect(result!.call).toEqual({
        ...call,
        status: 'initiated',
        providerCallId: 'pc-1',
        providerStatus: 'queued',
        metadata: { step: 2 },
        version: call.version + 1,
        updatedAt: now,
      });
      expect(result!.events.map((e) => [e.callId, e.type, e.providerStatus, e.data])).toEqual([
        [call.id, 'status', 'initiated', null],
        [call.id, 'status', 'weird', { raw: [1, 2] }],
      ]);
      expect(result!.events[0]!.id).toBeGreaterThan(eventsBefore[eventsBefore.length - 1]!.id);
      expect(result!.events[1]!.id).toBeGreaterThan(result!.events[0]!.id);
      const details = await s.store.getCallDetails(call.id);
      expect(details!.call).toEqual(result!.call);
      expect(details!.attempts[0]).toMatchObject({ number: 1, status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued', startedAt: T0 });
      expect(details!.events.slice(-2)).toEqual(result!.events);
    });

    test('updateCall applies an attempt patch with end time, duration and error', async () => {
      const { call } = await claimed();
      const result = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'failed', endedAt: T0 + 90_000, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' }, leaseExpiresAt: null },
        attempt: {
          number: 1,
          set: { status: 'failed', endedAt: T0 + 90_000, durationSeconds: 42, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' } },
        },
        events: [{ type: 'failed', at: T0 + 90_000, attempt: 1, status: 'failed', providerStatus: null, data: { code: 'PROVIDER_REJECTED' } }],
        now: T0 + 90_000,
      });
      expect(result?.call).toMatchObject({ status: 'failed', endedAt: T0 + 90_000, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' }, lease: null });
      const details = await s.store.getCallDetails(call.id);
      expect(details!.attempts).toEqual([
        {
          callId: call.id,
          number: 1,
          status: 'failed',
          providerCallId: null,
          providerStatus: null,
          startedAt: T0,
          endedAt: T0 + 90_000,
          durationSeconds: 42,
          error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' },
          schedulerId: 'scheduler-1',
        },
      ]);
    });

    test('updateCall sets and clears nullable fields', async () => {
      const input = newCall({ metadata: { a: 1 }, timeZone: 'Europe/Paris', error: { code: 'X', message: 'y' } });
      const [stored] = await insert(input);
      const changes = {
        at: T0 + 10,
        dueAt: T0 + 20,
        timeZone: null,
        window: { tue: [{ start: '08:00', end: '21:00' }] },
        expiresAt: T0 + 99,
        retry: { failed: { delaysMs: [5], maxAttempts: 2 } },
        metadata: null,
        error: null,
      };
      const set = await s.store.updateCall({
        id: input.id,
        expect: { version: stored!.version },
        set: changes,
        events: [{ type: 'rescheduled', at: T0 + 1, attempt: null, status: 'scheduled', providerStatus: null, data: null }],
        now: T0 + 1,
      });
      expect(set?.call).toEqual({ ...stored, ...changes, version: stored!.version + 1, updatedAt: T0 + 1 });
      expect(await mustGet(input.id)).toEqual(set!.call);
    });

    test('updateCall rejects a stale token after a re-claim and writes nothing', async () => {
      const { call } = await claimed();
      await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'scheduled', dueAt: T0 + 1_000, leaseExpiresAt: null },
        now: T0 + 1,
      });
      const reclaimed = await claimOne(call.id, { now: T0 + 1_000 });
      expect(reclaimed.call.fencingToken).toBe(call.fencingToken + 1);
      const eventsBefore = await allEvents();
      const detailsBefore = await s.store.getCallDetails(call.id);
      // The stale writer is another handle (another process or host, when the store has a peer).
      const stale = await s.peer.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'failed', endedAt: T0 + 2_000, leaseExpiresAt: null },
        attempt: { number: 1, set: { status: 'failed' } },
        events: [{ type: 'failed', at: T0 + 2_000, attempt: 1, status: 'failed', providerStatus: null, data: null }],
        now: T0 + 2_000,
      });
      expect(stale).toBeUndefined();
      expect(await s.store.getCallDetails(call.id)).toEqual(detailsBefore);
      expect(await allEvents()).toEqual(eventsBefore);
    });

    test('updateCall with expect.token fails when the call holds no lease', async () => {
      const input = newCall();
      const [stored] = await insert(input);
      expect(stored!.fencingToken).toBe(0);
      expect(await s.store.updateCall({ id: input.id, expect: { token: 0 }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
      expect(await mustGet(input.id)).toEqual(stored);
    });

    test('updateCall checks expect.statuses', async () => {
      const input = newCall();
      const [stored] = await insert(input);
      expect(await s.store.updateCall({ id: input.id, expect: { statuses: ['dispatching', 'ringing'] }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
      expect(await mustGet(input.id)).toEqual(stored);
      const ok = await s.store.updateCall({ id: input.id, expect: { statuses: ['ringing', 'scheduled'] }, set: { status: 'canceled', dueAt: null }, now: T0 });
      expect(ok?.call.status).toBe('canceled');
      expect(ok?.call.dueAt).toBeNull();
    });

    test('updateCall checks expect.version and increments version on every write', async () => {
      const input = newCall();
      const [v0] = await insert(input);
      const v1 = await s.store.updateCall({ id: input.id, expect: { version: v0!.version }, set: { metadata: { n: 1 } }, now: T0 + 1 });
      expect(v1?.call.version).toBe(v0!.version + 1);
      expect(await s.store.updateCall({ id: input.id, expect: { version: v0!.version }, set: { metadata: { n: 2 } }, now: T0 + 2 })).toBeUndefined();
      expect((await mustGet(input.id)).metadata).toEqual({ n: 1 });
      const v2 = await s.store.updateCall({ id: input.id, expect: { version: v1!.call.version }, set: { metadata: { n: 3 } }, now: T0 + 3 });
      expect(v2?.call.version).toBe(v0!.version + 2);
      const [claimResult] = await claim({ now: T0 + 4 });
      expect(claimResult!.call.version).toBe(v0!.version + 3);
      const [recovered] = await recover({ now: T0 + 4 + LEASE_MS });
      expect(recovered!.call.version).toBe(v0!.version + 4);
    });

    test('updateCall requires every condition to hold', async () => {
      const { call } = await claimed();
      const attempts = [
        { token: call.fencingToken, statuses: ['ringing'] as CallStatus[] },
        { token: call.fencingToken, version: call.version + 1 },
        { token: call.fencingToken + 1, statuses: ['dispatching'] as CallStatus[], version: call.version },
      ];
      for (const expectation of attempts) {
        expect(await s.store.updateCall({ id: call.id, expect: expectation, set: { status: 'initiated' }, now: T0 + 1 })).toBeUndefined();
      }
      expect(await mustGet(call.id)).toEqual(call);
      const ok = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken, statuses: ['dispatching'], version: call.version },
        set: { status: 'initiated' },
        now: T0 + 1,
      });
      expect(ok?.call.status).toBe('initiated');
    });

    test('updateCall renews a lease without changing its owner or token', async () => {
      const { call } = await claimed();
      const renewed = await s.store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { leaseExpiresAt: T0 + 99_000 }, now: T0 + 10 });
      expect(renewed?.call.lease).toEqual({ owner: call.lease!.owner, token: call.fencingToken, expiresAt: T0 + 99_000 });
      expect(renewed?.call.fencingToken).toBe(call.fencingToken);
      expect(renewed?.call.version).toBe(call.version + 1);
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 99_000);
      expect(await recover({ now: T0 + LEASE_MS })).toEqual([]);
    });

    test('updateCall with leaseExpiresAt null releases the lease and the old token stops working', async () => {
      const { call } = await claimed();
      const released = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'scheduled', dueAt: T0 + 500_000, leaseExpiresAt: null },
        now: T0 + 10,
      });
      expect(released?.call.lease).toBeNull();
      expect(released?.call.fencingToken).toBe(call.fencingToken);
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 500_000);
      expect(await s.store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { metadata: { late: true } }, now: T0 + 11 })).toBeUndefined();
      expect(await mustGet(call.id)).toEqual(released!.call);
    });

    test('updateCall with an attempt that does not exist writes nothing', async () => {
      const { call } = await claimed();
      const eventsBefore = await allEvents();
      let result: unknown;
      try {
        result = await s.store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'initiated' },
          attempt: { number: 7, set: { status: 'initiated' } },
          events: [statusEvent('initiated', T0 + 1, 7)],
          now: T0 + 1,
        });
      } catch {
        result = undefined; // rejecting is as good as refusing
      }
      expect(result).toBeUndefined();
      expect(await mustGet(call.id)).toEqual(call);
      expect(await allEvents()).toEqual(eventsBefore);
    });

    test('updateCall returns undefined for an unknown id', async () => {
      await insert(newCall());
      expect(await s.store.updateCall({ id: s.nextId(), expect: { version: 1 }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
      expect(await s.store.updateCall({ id: s.nextId(), expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
      expect(await allEvents()).toHaveLength(1);
    });

    test('a rescheduled call is claimed at its new dueAt only', async () => {
      const later = newCall({ dueAt: T0 });
      const earlier = newCall({ to: NUMBER_B, dueAt: T0 + 10_000 });
      const [l, e] = await insert(later, earlier);
      await s.store.updateCall({ id: later.id, expect: { version: l!.version }, set: { dueAt: T0 + 20_000 }, now: T0 - 1 });
      await s.store.updateCall({ id: earlier.id, expect: { version: e!.version }, set: { dueAt: T0 - 5_000 }, now: T0 - 1 });
      expect(await s.store.nextWakeUpAt()).toBe(T0 - 5_000);
      expect(ids((await claim({ now: T0 })).map((r) => r.call))).toEqual([earlier.id]);
      expect(await claim({ now: T0 + 19_999 })).toEqual([]);
      expect(await s.store.nextWakeUpAt()).toBe(Math.min(T0 + 20_000, T0 + LEASE_MS));
      expect(ids((await claim({ now: T0 + 20_000 })).map((r) => r.call))).toEqual([later.id]);
    });

    test('a call moved back and forth between due times is claimed once', async () => {
      const input = newCall({ dueAt: T0 });
      await insert(input);
      for (const dueAt of [T0 + 5, T0, T0 + 5, T0]) {
        const current = await mustGet(input.id);
        await s.store.updateCall({ id: input.id, expect: { version: current.version }, set: { dueAt }, now: T0 - 1 });
      }
      expect(ids((await claim({ now: T0 + 10 })).map((r) => r.call))).toEqual([input.id]);
      expect(await claim({ now: T0 + 10 })).toEqual([]);
    });
  });
}

import { describe, expect } from 'vitest';
import type { UpdateResult } from '../../store/call-store.js';
import { T0, LEASE_MS, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `claimExpiredLeases`. */
export function claimExpiredLeasesTests(s: Suite): void {
  const { test, newCall, item, insert, claimOptions, claim, recover, allEvents, mustGet, statusEvent, claimOne, ids } = s;
  describe('claimExpiredLeases', () => {
    /** Three calls claimed with leases ending at T0+1000, T0+2000 and T0+3000. */
    const leased = async (): Promise<UpdateResult[]> => {
      const calls = [newCall({ dueAt: T0 - 3 }), newCall({ to: NUMBER_B, dueAt: T0 - 2 }), newCall({ to: NUMBER_C, dueAt: T0 - 1 })];
      await insert(...calls);
      const results: UpdateResult[] = [];
      for (const [i, call] of calls.entries()) {
        results.push(await claimOne(call.id, { limit: 1, leaseExpiresAt: T0 + (3 - i) * 1_000 }));
      }
      return results; // leases end at T0+3000, T0+2000, T0+1000 in insertion order
    };

    test('claimExpiredLeases takes over only leases that have expired', async () => {
      const [late, middle, early] = await leased();
      const live = await s.store.updateCall({
        id: middle!.call.id,
        expect: { token: middle!.call.fencingToken },
        set: { status: 'ringing', providerCallId: 'pc-m' },
        now: T0 + 10,
      });
      expect(live).toBeDefined();
      const now = T0 + 2_000;
      const results = await recover({ now, owner: 'rescuer', leaseExpiresAt: now + 5_000 });
      expect(ids(results.map((r) => r.call))).toEqual([early!.call.id, middle!.call.id]);
      const recovered = results[1]!;
      expect(recovered.call).toEqual({
        ...live!.call,
        fencingToken: live!.call.fencingToken + 1,
        lease: { owner: 'rescuer', token: live!.call.fencingToken + 1, expiresAt: now + 5_000 },
        version: live!.call.version + 1,
        updatedAt: now,
      });
      expect(recovered.call.status).toBe('ringing');
      expect(recovered.events).toHaveLength(1);
      expect(recovered.events[0]).toMatchObject({ callId: middle!.call.id, type: 'recovered', at: now, status: 'ringing', attempt: 1 });
      expect(results[0]!.call.status).toBe('dispatching');
      expect(results[0]!.call.attemptCount).toBe(1);
      // The live lease is untouched.
      expect(await mustGet(late!.call.id)).toEqual(late!.call);
      // No new attempt was started.
      expect((await s.store.getCallDetails(middle!.call.id))!.attempts).toHaveLength(1);
      expect(await recover({ now })).toEqual([]);
    });

    test('claimExpiredLeases takes the earliest expiry first and honours limit', async () => {
      const [late, middle, early] = await leased();
      const first = await recover({ now: T0 + 10_000, limit: 2 });
      expect(ids(first.map((r) => r.call))).toEqual([early!.call.id, middle!.call.id]);
      const second = await recover({ now: T0 + 10_000, limit: 2 });
      expect(ids(second.map((r) => r.call))).toEqual([late!.call.id]);
    });

    test('after a recovery the old token is rejected and the new one accepted', async () => {
      const [, , early] = await leased();
      const id = early!.call.id;
      const [taken] = await recover({ now: T0 + 1_000 });
      expect(taken!.call.id).toBe(id);
      expect(taken!.call.fencingToken).toBeGreaterThan(early!.call.fencingToken);
      const eventsBefore = await allEvents();
      const stale = await s.store.updateCall({
        id,
        expect: { token: early!.call.fencingToken },
        set: { status: 'initiated', providerCallId: 'pc-stale' },
        attempt: { number: 1, set: { providerCallId: 'pc-stale' } },
        events: [statusEvent('initiated', T0 + 1_001, 1)],
        now: T0 + 1_001,
      });
      expect(stale).toBeUndefined();
      expect(await mustGet(id)).toEqual(taken!.call);
      expect(await allEvents()).toEqual(eventsBefore);
      expect((await s.store.getCallDetails(id))!.attempts[0]!.providerCallId).toBeNull();
      const fresh = await s.store.updateCall({ id, expect: { token: taken!.call.fencingToken }, set: { status: 'initiated' }, now: T0 + 1_002 });
      expect(fresh?.call.status).toBe('initiated');
    });

    test('a released lease is never recovered and a renewed one only after its new expiry', async () => {
      const [late, middle] = await leased();
      const released = await s.store.updateCall({
        id: middle!.call.id,
        expect: { token: middle!.call.fencingToken },
        set: { status: 'completed', endedAt: T0 + 5, leaseExpiresAt: null },
        now: T0 + 5,
      });
      expect(released?.call.lease).toBeNull();
      const renewed = await s.store.updateCall({
        id: late!.call.id,
        expect: { token: late!.call.fencingToken },
        set: { leaseExpiresAt: T0 + 60_000 },
        now: T0 + 5,
      });
      expect(renewed?.call.lease).toEqual({ owner: 'scheduler-1', token: late!.call.fencingToken, expiresAt: T0 + 60_000 });
      const [early] = await recover({ now: T0 + 59_999 });
      expect(early).toBeDefined();
      expect(await recover({ now: T0 + 59_999 })).toEqual([]);
      expect(ids((await recover({ now: T0 + 60_000 })).map((r) => r.call))).toEqual([late!.call.id]);
    });

    test('claimExpiredLeases never takes over one call twice in one claim', async () => {
      await leased();
      // A new lease that is already expired must not make the same claim take the call again.
      const results = await recover({ now: T0 + 10_000, leaseExpiresAt: T0 + 10_000, limit: 10 });
      expect(results).toHaveLength(3);
      expect(new Set(ids(results.map((r) => r.call))).size).toBe(3);
      expect(results.every((r) => r.call.fencingToken === 2)).toBe(true);
    });

    test('concurrent claimExpiredLeases never hand one call to two recoverers', async () => {
      const calls = Array.from({ length: 100 }, (_, i) => newCall({ to: `+1415555${String(2000 + i)}` }));
      await s.store.insertCalls(calls.map(item));
      expect(await claim({ limit: 100, leaseExpiresAt: T0 + 1_000 })).toHaveLength(100);
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? s.store : s.peer).claimExpiredLeases(claimOptions({ now: T0 + 1_000, owner: `rescuer-${i}`, limit: 15 })),
        ),
      );
      const all = batches.flatMap((batch) => ids(batch.map((r) => r.call)));
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(100);
      batches.forEach((batch, i) => batch.forEach((r) => expect(r.call.lease).toEqual({ owner: `rescuer-${i}`, token: 2, expiresAt: T0 + 1_000 + LEASE_MS })));
      expect((await allEvents()).filter((e) => e.type === 'recovered')).toHaveLength(100);
    });
  });
}

import { describe, expect } from 'vitest';
import type { WakeUpTimes } from '../../store/call-store.js';
import { T0, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `nextWakeUpAt`. */
export function nextWakeUpAtTests(s: Suite): void {
  const { test, newCall, insert, claim, claimOptions, recover, ids } = s;
  describe('nextWakeUpAt', () => {
    test('nextWakeUpAt is null for an empty store', async () => {
      expect(await s.store.nextWakeUpAt()).toBeNull();
    });

    test('nextWakeUpAt is the earliest dueAt of a scheduled call', async () => {
      await insert(newCall({ dueAt: T0 + 3_000 }), newCall({ dueAt: T0 + 1_000 }), newCall({ dueAt: T0 + 2_000 }));
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 1_000);
    });

    test('nextWakeUpAt ignores terminal calls', async () => {
      const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
      const canceled = newCall({ dueAt: T0 - 1_000 });
      const completed = newCall({ dueAt: T0 - 2_000 });
      const waiting = newCall({ dueAt: T0 + 9_000 });
      await insert(expired, canceled, completed, waiting);
      // Canceled without clearing dueAt: it is still not a scheduled call.
      await s.store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', endedAt: T0 }, now: T0 });
      const [claimed] = await claim({ now: T0 - 1_500, limit: 1 });
      expect(claimed!.call.id).toBe(completed.id);
      await s.store.updateCall({
        id: completed.id,
        expect: { token: claimed!.call.fencingToken },
        set: { status: 'completed', endedAt: T0, leaseExpiresAt: null },
        now: T0,
      });
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 9_000);
      await s.store.updateCall({ id: waiting.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null, endedAt: T0 }, now: T0 });
      expect(await s.store.nextWakeUpAt()).toBeNull();
    });

    test('nextWakeUpAt follows claims, renewals, releases and updates', async () => {
      const a = newCall({ dueAt: T0 });
      const b = newCall({ to: NUMBER_B, dueAt: T0 + 45_000 });
      await insert(a, b);
      expect(await s.store.nextWakeUpAt()).toBe(T0);
      const [claimed] = await claim({ now: T0, leaseExpiresAt: T0 + 30_000 });
      expect(claimed!.call.id).toBe(a.id);
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 30_000);
      await s.store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { leaseExpiresAt: T0 + 60_000 }, now: T0 + 1 });
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 45_000);
      await s.store.updateCall({ id: b.id, expect: { statuses: ['scheduled'] }, set: { dueAt: T0 + 90_000 }, now: T0 + 2 });
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 60_000);
      await s.store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'completed', endedAt: T0 + 3, leaseExpiresAt: null }, now: T0 + 3 });
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 90_000);
      const [recoverable] = await claim({ now: T0 + 90_000, leaseExpiresAt: T0 + 100_000 });
      expect(recoverable!.call.id).toBe(b.id);
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 100_000);
      await recover({ now: T0 + 100_000, leaseExpiresAt: T0 + 130_000 });
      expect(await s.store.nextWakeUpAt()).toBe(T0 + 130_000);
    });

    test('nextWakeUpTimes (optional) tells the due time and the lease expiry apart, as nextWakeUpAt sees them', async (ctx) => {
      const read = s.store.nextWakeUpTimes?.bind(s.store);
      if (read === undefined) {
        ctx.skip('the store has no nextWakeUpTimes (optional): the scheduler tries a recovery with every claim');
        return;
      }
      const expectTimes = async (due: number | null, leaseExpiry: number | null): Promise<void> => {
        expect(await read()).toEqual({ due, leaseExpiry });
        const earlier = due === null ? leaseExpiry : leaseExpiry === null ? due : Math.min(due, leaseExpiry);
        expect(await s.store.nextWakeUpAt()).toBe(earlier);
      };
      await expectTimes(null, null);
      const a = newCall({ dueAt: T0 });
      const b = newCall({ to: NUMBER_B, dueAt: T0 + 45_000 });
      await insert(a, b);
      await expectTimes(T0, null);
      const [claimed] = await claim({ now: T0, leaseExpiresAt: T0 + 30_000 });
      expect(claimed!.call.id).toBe(a.id);
      await expectTimes(T0 + 45_000, T0 + 30_000);
      await s.store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { leaseExpiresAt: T0 + 60_000 }, now: T0 + 1 });
      await expectTimes(T0 + 45_000, T0 + 60_000);
      await s.store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'completed', endedAt: T0 + 3, leaseExpiresAt: null }, now: T0 + 3 });
      await expectTimes(T0 + 45_000, null);
      await recover({ now: T0 + 100_000, leaseExpiresAt: T0 + 130_000 });
      const [late] = await claim({ now: T0 + 90_000, leaseExpiresAt: T0 + 100_000 });
      expect(late!.call.id).toBe(b.id);
      await expectTimes(null, T0 + 100_000);
    });

    test('claimDueCallsWithWakeUp (optional) claims as claimDueCalls and answers the wake-up times as they stand after the claim', async (ctx) => {
      const claimWithWakeUp = s.store.claimDueCallsWithWakeUp?.bind(s.store);
      if (claimWithWakeUp === undefined) {
        ctx.skip('the store has no claimDueCallsWithWakeUp (optional): the scheduler reads the next wake-up after each claim');
        return;
      }
      // What the store's own read says right after: nextWakeUpTimes when it has it, else the earlier of the two by nextWakeUpAt.
      const sameAsARead = async (wakeUp: WakeUpTimes): Promise<void> => {
        if (s.store.nextWakeUpTimes !== undefined) expect(wakeUp).toEqual(await s.store.nextWakeUpTimes());
        const earlier = wakeUp.due === null ? wakeUp.leaseExpiry : wakeUp.leaseExpiry === null ? wakeUp.due : Math.min(wakeUp.due, wakeUp.leaseExpiry);
        expect(earlier).toBe(await s.store.nextWakeUpAt());
      };
      // Nothing stored: nothing claimed, no wake-up.
      expect(await claimWithWakeUp(claimOptions())).toEqual({ claimed: [], wakeUp: { due: null, leaseExpiry: null } });
      const first = newCall({ dueAt: T0 - 20 });
      const second = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
      const soon = newCall({ to: NUMBER_C, dueAt: T0 + 100 });
      const later = newCall({ dueAt: T0 + 5_000 });
      await insert(later, soon, second, first);
      // A limit of one: the earliest is claimed; the other due call is still due.
      const one = await claimWithWakeUp(claimOptions({ limit: 1, leaseExpiresAt: T0 + 30_000 }));
      expect(ids(one.claimed.map((r) => r.call))).toEqual([first.id]);
      expect(one.claimed[0]).toMatchObject({ call: { status: 'dispatching', dueAt: null, lease: { owner: 'scheduler-1', expiresAt: T0 + 30_000 } } });
      expect(one.claimed[0]!.events.map((e) => e.type)).toEqual(['dispatching']);
      expect(one.wakeUp).toEqual({ due: T0 - 10, leaseExpiry: T0 + 30_000 });
      await sameAsARead(one.wakeUp);
      // Claimed through dueBy, with a shorter lease: the next due call is beyond it, the new lease is the earliest.
      const rest = await claimWithWakeUp(claimOptions({ dueBy: T0 + 100, leaseExpiresAt: T0 + 20_000 }));
      expect(ids(rest.claimed.map((r) => r.call))).toEqual([second.id, soon.id]);
      expect(rest.wakeUp).toEqual({ due: T0 + 5_000, leaseExpiry: T0 + 20_000 });
      await sameAsARead(rest.wakeUp);
      // Nothing due: nothing claimed; the times are read all the same.
      expect(await claimWithWakeUp(claimOptions({ now: T0 + 1_000, leaseExpiresAt: T0 + 31_000 }))).toEqual({ claimed: [], wakeUp: { due: T0 + 5_000, leaseExpiry: T0 + 20_000 } });
      // One per number: a due call held back by a live call to its number still counts as due.
      await s.store.updateCall({ id: first.id, expect: { token: one.claimed[0]!.call.fencingToken }, set: { status: 'completed', endedAt: T0 + 5_500, leaseExpiresAt: null }, now: T0 + 5_500 });
      const heldBack = newCall({ to: NUMBER_B, dueAt: T0 + 4_000 });
      await insert(heldBack);
      const held = await claimWithWakeUp(claimOptions({ now: T0 + 6_000, leaseExpiresAt: T0 + 36_000, onePerNumber: true }));
      expect(ids(held.claimed.map((r) => r.call))).toEqual([later.id]);
      expect(held.wakeUp).toEqual({ due: T0 + 4_000, leaseExpiry: T0 + 20_000 });
      await sameAsARead(held.wakeUp);
      // Checked like claimDueCalls: nothing is claimed.
      await expect(claimWithWakeUp(claimOptions({ limit: -1 }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });
}

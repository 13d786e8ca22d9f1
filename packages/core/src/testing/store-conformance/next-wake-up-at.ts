import { describe, expect } from 'vitest';
import { T0, NUMBER_B, type Suite } from './suite.js';

/** The conformance tests of `nextWakeUpAt`. */
export function nextWakeUpAtTests(s: Suite): void {
  const { test, newCall, insert, claim, recover } = s;
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
  });
}

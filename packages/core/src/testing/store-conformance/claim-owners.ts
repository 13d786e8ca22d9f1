import { describe, expect } from 'vitest';
import { T0, NUMBER_B, type Suite } from './suite.js';

/**
 * The conformance tests of who did what: the `dispatching` event of a claim names the claiming
 * scheduler and when the call was due, and a `recovered` event names the previous owner and the
 * new one, as returned and as read back from the log.
 */
export function claimOwnerTests(s: Suite): void {
  const { test, newCall, insert, claim, recover, allEvents } = s;
  describe('claim owners in the history', () => {
    test('a dispatching event names the claiming scheduler and the due time', async () => {
      const early = newCall({ dueAt: T0 - 5_000 });
      const other = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
      await insert(early, other);
      const results = await claim({ now: T0, owner: 'host-a' });
      expect(results.map((r) => r.events[0]?.data)).toEqual([
        { owner: 'host-a', dueAt: T0 - 5_000 },
        { owner: 'host-a', dueAt: T0 - 10 },
      ]);
      const logged = (await allEvents()).filter((e) => e.type === 'dispatching');
      expect(logged.map((e) => [e.callId, e.data])).toEqual([
        [early.id, { owner: 'host-a', dueAt: T0 - 5_000 }],
        [other.id, { owner: 'host-a', dueAt: T0 - 10 }],
      ]);
    });

    test('a recovered event names the previous owner and the new one', async () => {
      const call = newCall({ dueAt: T0 - 1 });
      await insert(call);
      await claim({ now: T0, owner: 'host-a', leaseExpiresAt: T0 + 1_000 });
      const results = await recover({ now: T0 + 2_000, owner: 'host-b', leaseExpiresAt: T0 + 9_000 });
      expect(results).toHaveLength(1);
      expect(results[0]!.events[0]?.data).toMatchObject({ previousOwner: 'host-a', owner: 'host-b' });
      const again = await recover({ now: T0 + 10_000, owner: 'host-c', leaseExpiresAt: T0 + 20_000 });
      expect(again[0]!.events[0]?.data).toMatchObject({ previousOwner: 'host-b', owner: 'host-c' });
      const logged = (await allEvents()).filter((e) => e.type === 'recovered');
      expect(logged.map((e) => e.data)).toMatchObject([
        { previousOwner: 'host-a', owner: 'host-b' },
        { previousOwner: 'host-b', owner: 'host-c' },
      ]);
    });
  });
}

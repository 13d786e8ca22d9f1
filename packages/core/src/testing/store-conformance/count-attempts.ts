import { describe, expect } from 'vitest';
import { T0, NUMBER_A, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `countAttempts`. */
export function countAttemptsTests(s: Suite): void {
  const { test, newCall, insert, claim } = s;
  describe('countAttempts', () => {
    test('countAttempts counts attempts to a number started at or after since', async () => {
      const a = newCall({ to: NUMBER_A, dueAt: T0 });
      const a2 = newCall({ to: NUMBER_A, dueAt: T0 + 5_000 });
      const b = newCall({ to: NUMBER_B, dueAt: T0 + 1_000 });
      await insert(a, a2, b);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
      const [first] = await claim({ now: T0 });
      await s.store.updateCall({
        id: a.id,
        expect: { token: first!.call.fencingToken },
        set: { status: 'scheduled', dueAt: T0 + 10_000, leaseExpiresAt: null },
        attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 100 } },
        now: T0 + 100,
      });
      await claim({ now: T0 + 1_000 }); // b
      await claim({ now: T0 + 5_000 }); // a2
      await claim({ now: T0 + 10_000 }); // a, attempt 2
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(3);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 })).toBe(3);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 + 1 })).toBe(2);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 + 5_000 })).toBe(2);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 + 5_001 })).toBe(1);
      expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 + 10_001 })).toBe(0);
      expect(await s.store.countAttempts({ to: NUMBER_B, since: T0 })).toBe(1);
      expect(await s.store.countAttempts({ to: NUMBER_C, since: 0 })).toBe(0);
    });
  });
}

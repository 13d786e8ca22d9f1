import { describe, expect } from 'vitest';
import type { CallStatusCounts, DueSummary, DueSummaryQuery } from '../../store/call-store.js';
import { T0, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of the optional figures `countByStatus` and `dueSummary`. */
export function storeFigureTests(s: Suite): void {
  const { test, newCall, insert, claim, expectError } = s;
  describe('store figures', () => {
    const countsOf = (ctx: { skip: (note?: string) => void }): (() => Promise<CallStatusCounts>) | undefined => {
      const store = s.store;
      if (store.countByStatus === undefined) {
        ctx.skip('the store has no countByStatus() (optional)');
        return undefined;
      }
      return () => (store.countByStatus as () => Promise<CallStatusCounts>).call(store);
    };
    const summaryOf = (ctx: { skip: (note?: string) => void }): ((q: DueSummaryQuery) => Promise<DueSummary>) | undefined => {
      const store = s.store;
      if (store.dueSummary === undefined) {
        ctx.skip('the store has no dueSummary() (optional)');
        return undefined;
      }
      return (q) => (store.dueSummary as (q: DueSummaryQuery) => Promise<DueSummary>).call(store, q);
    };
    /** Zero counts left out, so that a store may or may not list empty statuses. */
    const nonZero = (counts: CallStatusCounts): Record<string, number> =>
      Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

    test('countByStatus counts the calls in each status as they change', async (ctx) => {
      const count = countsOf(ctx);
      if (count === undefined) return;
      expect(nonZero(await count())).toEqual({});
      await insert(newCall({ dueAt: T0 - 10 }), newCall({ to: NUMBER_B, dueAt: T0 + 60_000 }), newCall({ to: NUMBER_C, status: 'canceled', dueAt: null, endedAt: T0 - 1 }));
      expect(nonZero(await count())).toEqual({ scheduled: 2, canceled: 1 });
      const [claimed] = await claim({ now: T0 });
      expect(nonZero(await count())).toEqual({ scheduled: 1, dispatching: 1, canceled: 1 });
      await s.store.updateCall({ id: claimed!.call.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'ringing', providerCallId: 'pc-1' }, now: T0 + 5 });
      expect(nonZero(await count())).toEqual({ scheduled: 1, ringing: 1, canceled: 1 });
    });

    test('dueSummary gives the earliest due call and how many are due within the horizon', async (ctx) => {
      const summary = summaryOf(ctx);
      if (summary === undefined) return;
      expect(await summary({ now: T0, horizonMs: 60_000 })).toEqual({ earliestDueAt: null, dueWithin: 0 });
      await insert(
        newCall({ dueAt: T0 - 5_000 }),
        newCall({ to: NUMBER_B, dueAt: T0 + 30_000 }),
        newCall({ to: NUMBER_C, dueAt: T0 + 60_000 }),
        newCall({ to: '+15550000009', dueAt: T0 + 120_000 }),
        newCall({ to: '+15550000008', status: 'canceled', dueAt: null, endedAt: T0 - 1 }),
      );
      expect(await summary({ now: T0, horizonMs: 60_000 })).toEqual({ earliestDueAt: T0 - 5_000, dueWithin: 3 });
      expect(await summary({ now: T0, horizonMs: 0 })).toEqual({ earliestDueAt: T0 - 5_000, dueWithin: 1 });
      // A claimed call is no longer due.
      await claim({ now: T0, limit: 1 });
      expect(await summary({ now: T0, horizonMs: 60_000 })).toEqual({ earliestDueAt: T0 + 30_000, dueWithin: 2 });
      expect((await summary({ now: T0 + 500_000, horizonMs: 0 })).dueWithin).toBe(3);
    });

    test('dueSummary refuses a bad query with INVALID_INPUT naming the field', async (ctx) => {
      const summary = summaryOf(ctx);
      if (summary === undefined) return;
      await expectError(() => summary({ now: Number.NaN, horizonMs: 1 }), 'INVALID_INPUT', 'now');
      await expectError(() => summary({ now: T0, horizonMs: -1 }), 'INVALID_INPUT', 'horizonMs');
    });
  });
}

import { describe, expect } from 'vitest';
import type { CallStore } from '../../store/call-store.js';
import { T0, NUMBER_A, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `listCalls`. */
export function listCallsTests(s: Suite): void {
  const { test, newCall, insert, claim, mustGet, expectError, ids, sorted, shuffle } = s;
  describe('listCalls', () => {
    const list = (query: Partial<Parameters<CallStore['listCalls']>[0]> = {}) =>
      s.store.listCalls({ limit: 1000, cursor: null, order: 'asc', ...query });

    test('listCalls on an empty store returns no items and a null cursor', async () => {
      expect(await list()).toEqual({ items: [], nextCursor: null });
    });

    test('listCalls returns calls in id order, ascending and descending', async () => {
      const calls = Array.from({ length: 8 }, () => newCall());
      await insert(...shuffle(calls));
      const asc = await list({ order: 'asc' });
      expect(ids(asc.items)).toEqual(sorted(ids(calls)));
      expect(asc.nextCursor).toBeNull();
      const desc = await list({ order: 'desc' });
      expect(ids(desc.items)).toEqual(sorted(ids(calls)).reverse());
      expect(asc.items[0]).toEqual(await mustGet(asc.items[0]!.id));
    });

    test('listCalls filters by status', async () => {
      const scheduled = newCall();
      const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
      const canceled = newCall();
      const dispatching = newCall({ dueAt: T0 - 1_000 });
      await insert(scheduled, expired, canceled, dispatching);
      await s.store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null }, now: T0 });
      await claim({ now: T0 - 1_000, limit: 1 });
      expect(ids((await list({ statuses: ['scheduled'] })).items)).toEqual([scheduled.id]);
      expect(ids((await list({ statuses: ['dispatching'] })).items)).toEqual([dispatching.id]);
      expect(ids((await list({ statuses: ['canceled', 'expired'] })).items)).toEqual(sorted([expired.id, canceled.id]));
      expect(ids((await list({ statuses: ['completed'] })).items)).toEqual([]);
      expect((await list({ statuses: [...(['scheduled', 'dispatching', 'expired', 'canceled'] as const)] })).items).toHaveLength(4);
    });

    test('listCalls filters by number', async () => {
      const a1 = newCall({ to: NUMBER_A });
      const b1 = newCall({ to: NUMBER_B });
      const a2 = newCall({ to: NUMBER_A });
      await insert(a1, b1, a2);
      expect(ids((await list({ to: NUMBER_A })).items)).toEqual([a1.id, a2.id]);
      expect(ids((await list({ to: NUMBER_B, order: 'desc' })).items)).toEqual([b1.id]);
      expect((await list({ to: NUMBER_C })).items).toEqual([]);
    });

    test('listCalls filters by at with atFrom inclusive and atUntil exclusive', async () => {
      const calls = [0, 1, 2, 3, 4].map((i) => newCall({ at: T0 + i * 1_000 }));
      await insert(...calls);
      const ats = async (query: Parameters<typeof list>[0]) => (await list(query)).items.map((c) => c.at - T0);
      expect(await ats({ atFrom: T0 + 1_000 })).toEqual([1_000, 2_000, 3_000, 4_000]);
      expect(await ats({ atUntil: T0 + 3_000 })).toEqual([0, 1_000, 2_000]);
      expect(await ats({ atFrom: T0 + 1_000, atUntil: T0 + 3_000 })).toEqual([1_000, 2_000]);
      expect(await ats({ atFrom: T0 + 1_500, atUntil: T0 + 1_600 })).toEqual([]);
      expect(await ats({ atFrom: T0 + 2_000, atUntil: T0 + 2_000 })).toEqual([]);
    });

    test('listCalls combines filters', async () => {
      const match = newCall({ to: NUMBER_A, at: T0 + 1_000 });
      const wrongNumber = newCall({ to: NUMBER_B, at: T0 + 1_000 });
      const wrongTime = newCall({ to: NUMBER_A, at: T0 + 9_000 });
      const wrongStatus = newCall({ to: NUMBER_A, at: T0 + 1_000, status: 'expired', dueAt: null });
      await insert(match, wrongNumber, wrongTime, wrongStatus);
      const page = await list({ to: NUMBER_A, statuses: ['scheduled'], atFrom: T0, atUntil: T0 + 5_000 });
      expect(ids(page.items)).toEqual([match.id]);
    });

    test('listCalls honours limit and returns a null cursor on the last page', async () => {
      const calls = Array.from({ length: 6 }, () => newCall());
      await insert(...calls);
      const first = await list({ limit: 4 });
      expect(ids(first.items)).toEqual(ids(calls).slice(0, 4));
      expect(typeof first.nextCursor).toBe('string');
      const second = await list({ limit: 4, cursor: first.nextCursor });
      expect(ids(second.items)).toEqual(ids(calls).slice(4));
      expect(second.nextCursor).toBeNull();
      const exact = await list({ limit: 6 });
      expect(exact.items).toHaveLength(6);
      expect(exact.nextCursor).toBeNull();
      const descFirst = await list({ limit: 4, order: 'desc' });
      expect(ids(descFirst.items)).toEqual(ids(calls).reverse().slice(0, 4));
      const descSecond = await list({ limit: 4, order: 'desc', cursor: descFirst.nextCursor });
      expect(ids(descSecond.items)).toEqual(ids(calls).reverse().slice(4));
      expect(descSecond.nextCursor).toBeNull();
    });

    test('listCalls pages through every call exactly once in both orders, also with filters', async () => {
      const calls = Array.from({ length: 23 }, (_, i) => newCall({ to: i % 3 === 0 ? NUMBER_B : NUMBER_A }));
      await insert(...shuffle(calls));
      for (const order of ['asc', 'desc'] as const) {
        for (const to of [undefined, NUMBER_B]) {
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let pages = 0; pages < 50; pages++) {
            const page: Awaited<ReturnType<typeof list>> = await list({ order, limit: 5, cursor, ...(to === undefined ? {} : { to }) });
            seen.push(...ids(page.items));
            cursor = page.nextCursor;
            if (cursor === null) break;
          }
          expect(cursor).toBeNull();
          const expected = sorted(ids(calls.filter((c) => to === undefined || c.to === to)));
          expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
        }
      }
    });

    test('listCalls pagination has no duplicates and no gaps while calls are inserted between pages', async () => {
      const calls = Array.from({ length: 20 }, () => newCall());
      await insert(...calls);
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const page: Awaited<ReturnType<typeof list>> = await list({ order, limit: 3, cursor });
          seen.push(...ids(page.items));
          cursor = page.nextCursor;
          if (cursor === null) break;
          await insert(newCall(), newCall());
        }
        expect(cursor).toBeNull();
        expect(new Set(seen).size).toBe(seen.length);
        for (const call of calls) expect(seen).toContain(call.id);
        const orderedSeen = order === 'asc' ? sorted(seen) : sorted(seen).reverse();
        expect(seen).toEqual(orderedSeen);
      }
    });

    test('listCalls rejects a malformed cursor with INVALID_INPUT naming cursor', async () => {
      await insert(newCall(), newCall());
      await expectError(() => list({ cursor: '!!not a cursor!!' }), 'INVALID_INPUT', 'cursor');
      await expectError(() => list({ cursor: '%%%', order: 'desc' }), 'INVALID_INPUT', 'cursor');
    });

    test('listCalls rejects a limit outside 1..1000 with INVALID_INPUT naming limit', async () => {
      await expectError(() => list({ limit: 0 }), 'INVALID_INPUT', 'limit');
      await expectError(() => list({ limit: 1001 }), 'INVALID_INPUT', 'limit');
      await expectError(() => list({ limit: 2.5 }), 'INVALID_INPUT', 'limit');
    });
  });
}

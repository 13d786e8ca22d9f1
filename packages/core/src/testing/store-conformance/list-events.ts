import { describe, expect } from 'vitest';
import type { CallEventRecord, EventCursor } from '../../store/call-record.js';
import type { EventPage } from '../../store/call-store.js';
import { T0, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `listEvents` and `eventLogHead`. */
export function listEventsTests(s: Suite): void {
  const { test, newCall, item, insert, claim, allEvents, statusEvent, expectError } = s;
  describe('listEvents', () => {
    /** Three calls with events interleaved between them. */
    const history = async (): Promise<{ a: string; b: string; c: string }> => {
      const a = newCall({ dueAt: T0 - 3 });
      const b = newCall({ to: NUMBER_B, dueAt: T0 - 2 });
      const c = newCall({ to: NUMBER_C, dueAt: T0 - 1 });
      await insert(a, b);
      await claim({ limit: 1 }); // a
      await insert(c);
      const [claimedB] = await claim({ limit: 1 }); // b
      await s.store.updateCall({
        id: a.id,
        expect: { statuses: ['dispatching'] },
        set: { status: 'initiated' },
        events: [statusEvent('initiated', T0 + 1, 1)],
        now: T0 + 1,
      });
      await s.store.updateCall({
        id: claimedB!.call.id,
        expect: { token: claimedB!.call.fencingToken },
        set: { status: 'ringing' },
        events: [statusEvent('initiated', T0 + 2, 1), statusEvent('ringing', T0 + 2, 1)],
        now: T0 + 2,
      });
      return { a: a.id, b: b.id, c: c.id };
    };

    test('listEvents returns events across calls with strictly increasing ids', async () => {
      const { a, b, c } = await history();
      const events = await allEvents();
      expect(events.map((e) => [e.callId, e.type])).toEqual([
        [a, 'scheduled'],
        [b, 'scheduled'],
        [a, 'dispatching'],
        [c, 'scheduled'],
        [b, 'dispatching'],
        [a, 'status'],
        [b, 'status'],
        [b, 'status'],
      ]);
      for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
      expect(events[0]!.id).toBeGreaterThan(0);
      expect(events[7]!.providerStatus).toBe('ringing');
    });

    test('listEvents honours after and limit', async () => {
      await history();
      const all = await allEvents();
      const paged: CallEventRecord[] = [];
      let after: EventCursor | null = null;
      for (let i = 0; i < 20; i++) {
        const page: EventPage = await s.store.listEvents({ after, limit: 3 });
        expect(page.items.length).toBeLessThanOrEqual(3);
        if (page.items.length === 0) {
          expect(page.nextCursor).toBe(after);
          break;
        }
        paged.push(...page.items);
        expect(page.nextCursor).toBe(page.items[page.items.length - 1]!.cursor);
        after = page.nextCursor;
      }
      expect(paged).toEqual(all);
      expect((await s.store.listEvents({ after: all[4]!.cursor, limit: 1000 })).items).toEqual(all.slice(5));
      expect((await s.store.listEvents({ after: all[all.length - 1]!.cursor, limit: 10 })).items).toEqual([]);
    });

    test('listEvents filters by callId', async () => {
      const { a, b } = await history();
      const all = await allEvents();
      const ofB = (await s.store.listEvents({ after: null, limit: 1000, callId: b })).items;
      expect(ofB).toEqual(all.filter((e) => e.callId === b));
      expect(ofB).toHaveLength(4);
      const ofBAfter = (await s.store.listEvents({ after: ofB[1]!.cursor, limit: 1, callId: b })).items;
      expect(ofBAfter).toEqual([ofB[2]]);
      expect((await s.store.listEvents({ after: null, limit: 1000, callId: a })).items.map((e) => e.type)).toEqual([
        'scheduled',
        'dispatching',
        'status',
      ]);
      expect(await s.store.listEvents({ after: null, limit: 10, callId: s.nextId() })).toEqual({ items: [], nextCursor: null });
    });

    test('every event carries a cursor, the same in every answer that returns it', async () => {
      const [inserted] = await s.store.insertCalls([item(newCall({ dueAt: T0 }))]);
      const [claimed] = await claim();
      const all = await allEvents();
      expect(all).toHaveLength(2);
      for (const event of all) {
        expect(typeof event.cursor).toBe('string');
        expect(event.cursor.length).toBeGreaterThan(0);
      }
      expect(new Set(all.map((e) => e.cursor)).size).toBe(all.length);
      expect(inserted!.events[0]!.cursor).toBe(all[0]!.cursor);
      expect(claimed!.events[0]!.cursor).toBe(all[1]!.cursor);
      expect((await s.store.getCallDetails(inserted!.call.id))!.events).toEqual(all);
    });

    test('eventLogHead is null on an empty log; listEvents after it returns exactly the events written since', async () => {
      expect(await s.store.eventLogHead()).toBeNull();
      expect(await s.store.listEvents({ after: null, limit: 10 })).toEqual({ items: [], nextCursor: null });
      await history();
      const before = await allEvents();
      const head = await s.store.eventLogHead();
      expect(head).not.toBeNull();
      expect(await s.store.listEvents({ after: head, limit: 10 })).toEqual({ items: [], nextCursor: head });
      const [later] = await s.store.insertCalls([item(newCall({ to: NUMBER_C, dueAt: T0 + 5 }))]);
      const since = await s.store.listEvents({ after: head, limit: 10 });
      expect(since.items).toEqual(later!.events);
      expect(since.nextCursor).toBe(later!.events[0]!.cursor);
      // The head moved past the new event; reading from the start still returns everything.
      const newHead = await s.store.eventLogHead();
      expect((await s.store.listEvents({ after: newHead, limit: 10 })).items).toEqual([]);
      expect(await allEvents()).toEqual([...before, ...later!.events]);
    });

    test('listEvents rejects a cursor the store did not make with INVALID_INPUT naming after', async () => {
      await history();
      await expectError(() => s.store.listEvents({ after: '!!not a cursor!!', limit: 10 }), 'INVALID_INPUT', 'after');
      await expectError(() => s.store.listEvents({ after: '', limit: 10 }), 'INVALID_INPUT', 'after');
    });

    test('listEvents rejects a limit below 1 or not whole with INVALID_INPUT naming limit', async () => {
      await expectError(() => s.store.listEvents({ after: null, limit: 0 }), 'INVALID_INPUT', 'limit');
      await expectError(() => s.store.listEvents({ after: null, limit: 2.5 }), 'INVALID_INPUT', 'limit');
    });
  });
}

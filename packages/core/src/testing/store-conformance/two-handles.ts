import { describe, expect } from 'vitest';
import type { CallEventRecord, EventCursor } from '../../store/call-record.js';
import type { CallStore } from '../../store/call-store.js';
import { T0, type Suite } from './suite.js';

/** Yields to the event loop (I/O included), so that the writes of other handles interleave. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The conformance tests of two handles on one store (the `openPeer` option): what one handle
 * writes, the other reads, claims and fences; readers of the event log never skip or repeat an
 * event whoever wrote it.
 */
export function twoHandleTests(s: Suite): void {
  const { test, newCall, item, claimOptions, statusEvent } = s;

  describe('two handles', () => {
    test('a call inserted through one handle is read, claimed and updated through the other', async () => {
      const input = newCall();
      await s.store.insertCalls([item(input)]);
      expect((await s.peer.getCall(input.id))?.status).toBe('scheduled');
      const [claimed] = await s.peer.claimDueCalls(claimOptions({ owner: 'peer' }));
      expect(claimed?.call.id).toBe(input.id);
      const updated = await s.store.updateCall({
        id: input.id,
        expect: { token: claimed!.call.fencingToken },
        set: { status: 'initiated' },
        events: [statusEvent('initiated', T0 + 1, 1)],
        now: T0 + 1,
      });
      expect(updated?.call.status).toBe('initiated');
      expect(await s.peer.getCallDetails(input.id)).toEqual(await s.store.getCallDetails(input.id));
      expect((await s.peer.getCallDetails(input.id))?.attempts[0]?.schedulerId).toBe('peer');
    });

    test('concurrent onePerNumber claims on two handles take at most one call per number', async () => {
      const numbers = Array.from({ length: 10 }, (_, i) => `+1415557${String(1000 + i)}`);
      const calls = numbers.flatMap((to, n) => Array.from({ length: 3 }, (_, k) => newCall({ to, dueAt: T0 - 100 + n + k * 10 })));
      await s.store.insertCalls(calls.map(item));
      const handles: CallStore[] = [s.store, s.peer, s.store, s.peer];
      const batches = await Promise.all(
        handles.map((handle, i) => handle.claimDueCalls(claimOptions({ owner: `claimer-${i}`, limit: 100, onePerNumber: true }))),
      );
      // A claimer may skip a number another one holds at that instant (a row lock, say): one more
      // claim afterwards takes whatever was skipped, never a second call of a number in flight.
      const after = await s.store.claimDueCalls(claimOptions({ owner: 'after', limit: 100, onePerNumber: true }));
      const claimed = [...batches.flat(), ...after].map((r) => r.call);
      const perNumber = new Map<string, number>();
      for (const call of claimed) perNumber.set(call.to, (perNumber.get(call.to) ?? 0) + 1);
      expect([...perNumber.entries()].filter(([, count]) => count !== 1)).toEqual([]);
      expect(perNumber.size).toBe(10);
      // What the store holds agrees: exactly one call per number is dispatching.
      const dispatching = await s.peer.listCalls({ statuses: ['dispatching'], limit: 1000, cursor: null, order: 'asc' });
      expect(dispatching.items.map((c) => c.to).sort()).toEqual([...numbers].sort());
    });

    test('eventLogHead of one handle covers what the other wrote', async () => {
      await s.store.insertCalls([item(newCall())]);
      const head = await s.peer.eventLogHead();
      expect(head).not.toBeNull();
      expect((await s.store.listEvents({ after: head, limit: 10 })).items).toEqual([]);
      const [later] = await s.store.insertCalls([item(newCall())]);
      expect((await s.peer.listEvents({ after: head, limit: 10 })).items).toEqual(later!.events);
    });

    test('interleaved writers on two handles: a reader resuming from cursors sees every event once, in order per call', async () => {
      const calls = Array.from({ length: 40 }, (_, i) => newCall({ to: `+1415558${String(1000 + i)}`, dueAt: T0 }));
      const seen: CallEventRecord[] = [];
      let cursor: EventCursor | null = null;
      let writing = true;
      const read = async (): Promise<number> => {
        const page = await s.peer.listEvents({ after: cursor, limit: 1000 });
        seen.push(...page.items);
        cursor = page.nextCursor;
        return page.items.length;
      };
      const reader = (async () => {
        while (writing) {
          await read();
          await turn();
        }
      })();
      const handleOf = (i: number): CallStore => (i % 2 === 0 ? s.store : s.peer);
      // A long transaction on one handle (a batch of 300, due later, never claimed here) while the
      // other commits small ones: where writers commit concurrently, ids are taken in one order and
      // committed in another. Every write runs concurrently with the others and with the reader.
      const batch = Array.from({ length: 300 }, (_, i) => newCall({ to: `+1415559${String(1000 + i)}`, dueAt: T0 + 86_400_000 }));
      await Promise.all([s.store.insertCalls(batch.map(item)), ...calls.map((call, i) => handleOf(i + 1).insertCalls([item(call)]))]);
      const claims = await Promise.all(
        calls.map((call, i) => handleOf(i + 1).claimDueCalls(claimOptions({ owner: `w-${i}`, limit: 1 }))),
      );
      const claimed = claims.flat();
      // A claimer may find the last due calls locked by the others: the rest are claimed after.
      for (let more = 1; more > 0 && claimed.length < calls.length; ) {
        const rest = await s.store.claimDueCalls(claimOptions({ owner: 'rest', limit: 100 }));
        claimed.push(...rest);
        more = rest.length;
      }
      expect(claimed).toHaveLength(calls.length);
      await Promise.all(
        claimed.map((result, i) =>
          handleOf(i).updateCall({
            id: result.call.id,
            expect: { token: result.call.fencingToken },
            set: { status: 'ringing' },
            events: [statusEvent('initiated', T0 + 1, 1), statusEvent('ringing', T0 + 1, 1)],
            now: T0 + 1,
          }),
        ),
      );
      writing = false;
      await reader;
      // Read on until every event is seen. A store may hold back events behind a transaction
      // still open elsewhere (PostgreSQL's cursor does, for another test's open transaction in
      // the same database), so an empty page is not the end: wait a little, at most ~10 s.
      const expected = calls.length * 4 + batch.length;
      for (let empty = 0; seen.length < expected && empty < 200; ) {
        if ((await read()) > 0) continue;
        empty += 1;
        await new Promise((resolve) => setTimeout(resolve, 50)); // clock-ok: a real database, a bounded wait
      }
      expect(await read()).toBe(0);

      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
      const everything = await s.store.listEvents({ after: null, limit: 1000 });
      expect(seen.map((e) => e.id).sort((a, b) => a - b)).toEqual(everything.items.map((e) => e.id).sort((a, b) => a - b));
      expect(seen).toHaveLength(calls.length * 4 + batch.length);
      for (const call of calls) {
        const ofCall = seen.filter((e) => e.callId === call.id).map((e) => e.type);
        expect(ofCall).toEqual(['scheduled', 'dispatching', 'status', 'status']);
      }
    });
  });
}

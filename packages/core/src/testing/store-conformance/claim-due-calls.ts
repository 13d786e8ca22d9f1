import { describe, expect } from 'vitest';
import { T0, LEASE_MS, NUMBER_A, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of `claimDueCalls`. */
export function claimDueCallsTests(s: Suite): void {
  const { test, newCall, item, insert, claimOptions, claim, allEvents, mustGet, claimOne, ids, shuffle } = s;
  describe('claimDueCalls', () => {
    test('claimDueCalls claims only scheduled calls whose dueAt is not after now', async () => {
      const past = newCall({ dueAt: T0 - 60_000 });
      const exactlyNow = newCall({ to: NUMBER_B, dueAt: T0 });
      const future = newCall({ to: NUMBER_C, dueAt: T0 + 1 });
      const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 - 1 });
      const noDueAt = newCall({ dueAt: null });
      const canceled = newCall({ dueAt: T0 - 1_000 });
      await insert(past, exactlyNow, future, expired, noDueAt, canceled);
      await s.store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 });
      const results = await claim();
      expect(ids(results.map((r) => r.call))).toEqual([past.id, exactlyNow.id]);
      expect(await claim()).toEqual([]);
      expect((await mustGet(future.id)).status).toBe('scheduled');
      expect((await mustGet(canceled.id)).status).toBe('canceled');
      expect(ids((await claim({ now: T0 + 1 })).map((r) => r.call))).toEqual([future.id]);
    });

    test('claimDueCalls with dueBy claims the calls due by then, earliest first, and stamps its writes now; dueBy before now is refused', async () => {
      const due = newCall({ dueAt: T0 - 5 });
      const soon = newCall({ to: NUMBER_B, dueAt: T0 + 150 });
      const later = newCall({ to: NUMBER_C, dueAt: T0 + 151 });
      await insert(later, soon, due);
      const results = await claim({ dueBy: T0 + 150 });
      expect(ids(results.map((r) => r.call))).toEqual([due.id, soon.id]);
      for (const { call, events } of results) {
        expect(call).toMatchObject({ status: 'dispatching', dueAt: null, updatedAt: T0 });
        expect(events[0]).toMatchObject({ type: 'dispatching', at: T0 });
      }
      expect(results[1]!.events[0]!.data).toMatchObject({ dueAt: T0 + 150 });
      expect((await mustGet(later.id)).status).toBe('scheduled');
      await expect(claim({ dueBy: T0 - 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect((await mustGet(later.id)).status).toBe('scheduled');
    });

    test('claimDueCalls claims the earliest dueAt first, then by id, at most limit', async () => {
      const calls = [
        newCall({ dueAt: T0 - 10 }),
        newCall({ dueAt: T0 - 30 }),
        newCall({ dueAt: T0 - 20 }),
        newCall({ dueAt: T0 - 30 }),
        newCall({ dueAt: T0 - 20 }),
        newCall({ dueAt: T0 - 30 }),
      ];
      await insert(...shuffle(calls));
      const expected = [...calls].sort((x, y) => (x.dueAt! - y.dueAt!) || (x.id < y.id ? -1 : 1)).map((c) => c.id);
      const first = await claim({ limit: 4 });
      expect(first).toHaveLength(4);
      expect(ids(first.map((r) => r.call))).toEqual(expected.slice(0, 4));
      const rest = await claim({ limit: 4 });
      expect(ids(rest.map((r) => r.call))).toEqual(expected.slice(4));
    });

    test('claimDueCalls makes each call dispatching with a lease, an attempt and an event', async () => {
      const input = newCall({ dueAt: T0 - 5_000, metadata: { x: 1 } });
      const [before] = await insert(input);
      const now = T0 + 250;
      const results = await claim({ now, owner: 'worker-a', leaseExpiresAt: now + 12_345 });
      expect(results).toHaveLength(1);
      const { call, events } = results[0]!;
      expect(call).toEqual({
        ...before,
        status: 'dispatching',
        dueAt: null,
        attemptCount: 1,
        fencingToken: 1,
        lease: { owner: 'worker-a', token: 1, expiresAt: now + 12_345 },
        version: before!.version + 1,
        updatedAt: now,
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ callId: input.id, type: 'dispatching', at: now, attempt: 1, status: 'dispatching' });
      const details = await s.store.getCallDetails(input.id);
      expect(details!.call).toEqual(call);
      expect(details!.attempts).toEqual([
        {
          callId: input.id,
          number: 1,
          status: 'dispatching',
          providerCallId: null,
          providerStatus: null,
          startedAt: now,
          endedAt: null,
          durationSeconds: null,
          error: null,
          schedulerId: 'worker-a',
        },
      ]);
      expect(details!.events[details!.events.length - 1]).toEqual(events[0]);
    });

    test('a call claimed again gets the next attempt number and fencing token', async () => {
      const input = newCall();
      await insert(input);
      const first = await claimOne(input.id);
      const back = await s.store.updateCall({
        id: input.id,
        expect: { token: 1 },
        set: { status: 'scheduled', dueAt: T0 + 60_000, leaseExpiresAt: null },
        attempt: { number: 1, set: { status: 'no-answer', endedAt: T0 + 100 } },
        now: T0 + 100,
      });
      expect(back?.call.lease).toBeNull();
      expect(back?.call.fencingToken).toBe(1);
      const second = await claimOne(input.id, { now: T0 + 60_000, owner: 'scheduler-3' });
      expect(second.call.attemptCount).toBe(2);
      expect(second.call.fencingToken).toBe(2);
      expect(second.call.lease).toEqual({ owner: 'scheduler-3', token: 2, expiresAt: T0 + 60_000 + LEASE_MS });
      expect(second.events[0]).toMatchObject({ type: 'dispatching', attempt: 2 });
      expect(second.call.version).toBe(first.call.version + 2);
      const details = await s.store.getCallDetails(input.id);
      expect(details!.attempts.map((a) => [a.number, a.status])).toEqual([
        [1, 'no-answer'],
        [2, 'dispatching'],
      ]);
    });

    test('claimDueCalls with nothing due returns an empty array and writes nothing', async () => {
      const [stored] = await insert(newCall({ dueAt: T0 + 1_000 }));
      const eventsBefore = await allEvents();
      expect(await claim()).toEqual([]);
      expect(await mustGet(stored!.id)).toEqual(stored);
      expect(await allEvents()).toEqual(eventsBefore);
    });

    test('concurrent claimDueCalls never hand one call to two claimers', async () => {
      const calls = Array.from({ length: 200 }, (_, i) => newCall({ to: `+1415555${String(1000 + i)}`, dueAt: T0 - (i % 17) }));
      await s.store.insertCalls(calls.map(item));
      const claimedBy = new Map<string, string>();
      let duplicates = 0;
      for (let round = 0; round < 20; round++) {
        const owners = Array.from({ length: 10 }, (_, i) => `claimer-${round}-${i}`);
        // Half the claimers on each handle (two connections when the store has a peer).
        const batches = await Promise.all(owners.map((owner, i) => (i % 2 === 0 ? s.store : s.peer).claimDueCalls(claimOptions({ owner, limit: 7 }))));
        let claimedThisRound = 0;
        batches.forEach((batch, i) => {
          for (const result of batch) {
            claimedThisRound++;
            if (claimedBy.has(result.call.id)) duplicates++;
            claimedBy.set(result.call.id, owners[i]!);
            expect(result.call.lease?.owner).toBe(owners[i]);
          }
        });
        if (claimedThisRound === 0) break;
      }
      expect(duplicates).toBe(0);
      expect(claimedBy.size).toBe(200);
      for (const call of calls.slice(0, 20)) {
        const stored = await mustGet(call.id);
        expect(stored.attemptCount).toBe(1);
        expect(stored.lease?.owner).toBe(claimedBy.get(call.id));
      }
      const dispatchingEvents = (await allEvents()).filter((e) => e.type === 'dispatching');
      expect(dispatchingEvents).toHaveLength(200);
    });

    test('concurrent claimDueCalls with large limits claim every call exactly once', async () => {
      const calls = Array.from({ length: 200 }, (_, i) => newCall({ dueAt: T0 - i }));
      await s.store.insertCalls(calls.map(item));
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? s.store : s.peer).claimDueCalls(claimOptions({ owner: `claimer-${i}`, limit: 200 }))),
      );
      const all = batches.flatMap((batch) => ids(batch.map((r) => r.call)));
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      for (const batch of batches) {
        // Each claimer got its calls earliest dueAt first.
        const dues = batch.map((r) => calls.find((c) => c.id === r.call.id)!.dueAt!);
        expect(dues).toEqual([...dues].sort((x, y) => x - y));
      }
    });

    test('onePerNumber skips numbers that have a dispatching or live call', async () => {
      const busy = newCall({ to: NUMBER_A, dueAt: T0 - 100 });
      const waiting = newCall({ to: NUMBER_A, dueAt: T0 - 50 });
      const other = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
      await insert(busy, waiting, other);
      const first = await claim({ limit: 1, onePerNumber: true });
      expect(ids(first.map((r) => r.call))).toEqual([busy.id]);

      // NUMBER_A has a dispatching call: `waiting` is skipped, `other` is claimed.
      const second = await claim({ limit: 10, onePerNumber: true });
      expect(ids(second.map((r) => r.call))).toEqual([other.id]);
      const skipped = await mustGet(waiting.id);
      expect(skipped.status).toBe('scheduled');
      expect(skipped.dueAt).toBe(T0 - 50);
      expect(skipped.attemptCount).toBe(0);

      // Still skipped while the call is live.
      const live = await s.store.updateCall({ id: busy.id, expect: { token: first[0]!.call.fencingToken }, set: { status: 'ringing' }, now: T0 + 1 });
      expect(live?.call.status).toBe('ringing');
      expect(await claim({ now: T0 + 2, onePerNumber: true })).toEqual([]);
      expect(await s.store.nextWakeUpAt()).toBe(T0 - 50);

      // Once it has ended, the waiting call is claimed.
      const done = await s.store.updateCall({
        id: busy.id,
        expect: { token: first[0]!.call.fencingToken },
        set: { status: 'completed', endedAt: T0 + 3, leaseExpiresAt: null },
        now: T0 + 3,
      });
      expect(done?.call.status).toBe('completed');
      expect(ids((await claim({ now: T0 + 4, onePerNumber: true })).map((r) => r.call))).toEqual([waiting.id]);
    });

    test('without onePerNumber several calls to one number are claimed together', async () => {
      const calls = [newCall({ dueAt: T0 - 3 }), newCall({ dueAt: T0 - 2 }), newCall({ dueAt: T0 - 1 })];
      await insert(...calls);
      await claimOne(calls[0]!.id, { limit: 1 });
      expect(ids((await claim()).map((r) => r.call))).toEqual([calls[1]!.id, calls[2]!.id]);
    });

    test('onePerNumber claims at most one call per number in one claim', async () => {
      const a1 = newCall({ to: NUMBER_A, dueAt: T0 - 50 });
      const a2 = newCall({ to: NUMBER_A, dueAt: T0 - 40 });
      const a3 = newCall({ to: NUMBER_A, dueAt: T0 - 30 });
      const b1 = newCall({ to: NUMBER_B, dueAt: T0 - 20 });
      const b2 = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
      const c1 = newCall({ to: NUMBER_C, dueAt: T0 - 5 });
      const stored = await insert(a1, a2, a3, b1, b2, c1);
      const limited = await claim({ limit: 2, onePerNumber: true });
      expect(ids(limited.map((r) => r.call))).toEqual([a1.id, b1.id]);
      const rest = await claim({ limit: 10, onePerNumber: true });
      expect(ids(rest.map((r) => r.call))).toEqual([c1.id]);
      // The skipped calls are untouched.
      for (const index of [1, 2, 4]) expect(await mustGet(stored[index]!.id)).toEqual(stored[index]);
      expect(await s.store.nextWakeUpAt()).toBe(T0 - 40);
    });
  });
}

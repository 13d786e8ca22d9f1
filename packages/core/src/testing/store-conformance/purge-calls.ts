import { describe, expect, vi } from 'vitest';
import type { CallStatus } from '../../call/call-status.js';
import type { CallRecord, NewCallRecord } from '../../store/call-record.js';
import { T0, NUMBER_A, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of the optional `purgeCalls`. */
export function purgeCallsTests(s: Suite): void {
  const { test, newCall, item, insert, claim, allEvents, mustGet, statusEvent, claimOne, expectError, ids, sorted, shuffle } = s;
  describe('purgeCalls', () => {
    type PurgeOptions = { readonly endedBefore: number; readonly limit: number; readonly statuses?: readonly CallStatus[] };
    const NO_PURGE = 'the store has no purgeCalls() (retention is optional)';

    /** The store's purgeCalls, or `undefined` after announcing the skip. */
    const purgeOf = (ctx: { skip: (note?: string) => void }): ((options: PurgeOptions) => Promise<number>) | undefined => {
      if (s.store.purgeCalls === undefined) {
        ctx.skip(NO_PURGE);
        return undefined;
      }
      return (options) => (s.store.purgeCalls as (o: PurgeOptions) => Promise<number>).call(s.store, options);
    };

    /** A call stored already ended (no attempt): as `schedule` stores an expired call, or after a cancel. */
    const endedCall = (status: CallStatus, endedAt: number, overrides: Partial<NewCallRecord> = {}): NewCallRecord =>
      newCall({ status, dueAt: null, endedAt, ...overrides });

    /**
     * Inserts `input` (due at `now`, the only due call), claims it, and ends its attempt `status` at
     * `endedAt` with a provider id and a status event: a call with an attempt and a history.
     */
    const dialAndEnd = async (input: NewCallRecord, status: CallStatus, endedAt: number, providerCallId: string): Promise<CallRecord> => {
      await insert(input);
      const { call } = await claimOne(input.id, { now: input.dueAt ?? T0 });
      const ended = await s.store.updateCall({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status, providerCallId, providerStatus: status, dueAt: null, endedAt, leaseExpiresAt: null },
        attempt: { number: 1, set: { status, providerCallId, providerStatus: status, endedAt } },
        events: [statusEvent(status, endedAt, 1)],
        now: endedAt,
      });
      if (ended === undefined) throw new Error(`could not end call ${call.id}`);
      return ended.call;
    };

    test('purgeCalls deletes terminal calls that ended before the bound, with their attempts and events, and nothing else', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      const completed = await dialAndEnd(newCall({ to: NUMBER_A, dueAt: T0, idempotencyKey: 'purged-key' }), 'completed', T0 + 1_000, 'pc-completed');
      const busy = await dialAndEnd(newCall({ to: NUMBER_B, dueAt: T0 + 10 }), 'busy', T0 + 2_000, 'pc-busy');
      // Ended exactly at the bound: kept (the bound is exclusive).
      const [atBound] = await insert(endedCall('canceled', T0 + 5_000, { to: NUMBER_C }));
      // Ended after the bound: kept.
      const [later] = await insert(endedCall('expired', T0 + 9_000, { to: NUMBER_C }));
      // Live, and scheduled: kept.
      const [live] = await insert(newCall({ to: NUMBER_C, dueAt: T0 + 20 }));
      const { call: claimedLive } = await claimOne(live!.id, { now: T0 + 20, leaseExpiresAt: T0 + 100_000 });
      await s.store.updateCall({
        id: claimedLive.id,
        expect: { token: claimedLive.fencingToken },
        set: { status: 'ringing', providerCallId: 'pc-live' },
        attempt: { number: 1, set: { status: 'ringing', providerCallId: 'pc-live' } },
        events: [statusEvent('ringing', T0 + 30, 1)],
        now: T0 + 30,
      });
      const [waiting] = await insert(newCall({ to: NUMBER_B, dueAt: T0 + 3_600_000 }));

      const gone = new Set([completed.id, busy.id]);
      const kept = [atBound!.id, later!.id, live!.id, waiting!.id];
      const eventsBefore = await allEvents();
      const keptDetails = await Promise.all(kept.map((id) => s.store.getCallDetails(id)));
      const wakeUpBefore = await s.store.nextWakeUpAt();
      expect(eventsBefore.filter((e) => gone.has(e.callId)).length).toBeGreaterThanOrEqual(6);

      expect(await purge({ endedBefore: T0 + 5_000, limit: 100 })).toBe(2);

      for (const id of gone) {
        expect(await s.store.getCall(id)).toBeUndefined();
        expect(await s.store.getCallDetails(id)).toBeUndefined();
        expect((await s.store.listEvents({ after: null, limit: 100, callId: id })).items).toEqual([]);
      }
      // Every other call's history is exactly as it was; the purged events are gone.
      expect(await allEvents()).toEqual(eventsBefore.filter((e) => !gone.has(e.callId)));
      expect(await Promise.all(kept.map((id) => s.store.getCallDetails(id)))).toEqual(keptDetails);
      expect(ids((await s.store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual(kept);
      // The deleted attempts no longer count, and their provider ids lead nowhere.
      expect(await s.store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
      expect(await s.store.countAttempts({ to: NUMBER_B, since: 0 })).toBe(0);
      expect(await s.store.countAttempts({ to: NUMBER_C, since: 0 })).toBe(1);
      expect(await s.store.findCallByProviderCallId('pc-completed')).toBeUndefined();
      expect(await s.store.findCallByProviderCallId('pc-busy')).toBeUndefined();
      expect((await s.store.findCallByProviderCallId('pc-live'))?.id).toBe(live!.id);
      expect(await s.store.nextWakeUpAt()).toBe(wakeUpBefore);
      // The kept calls still work: the scheduled one is claimed when due.
      expect(ids((await claim({ now: T0 + 3_600_000 })).map((r) => r.call))).toEqual([waiting!.id]);
      // Nothing more matches.
      expect(await purge({ endedBefore: T0 + 5_000, limit: 100 })).toBe(0);
      // A later bound takes the rest of the ended calls, never the live one.
      expect(await purge({ endedBefore: T0 + 3_600_000_000, limit: 100 })).toBe(2);
      expect(ids((await s.store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual([live!.id, waiting!.id]);
    });

    test('purgeCalls never deletes a call that is not terminal, whatever its endedAt says', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      // Not states the scheduler writes, but a store must not rely on that.
      const [scheduled] = await insert(newCall({ dueAt: T0 + 60_000, endedAt: T0 - 60_000 }));
      const [dialing] = await insert(newCall({ to: NUMBER_B, dueAt: T0 }));
      const { call } = await claimOne(dialing!.id);
      await s.store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { status: 'connected', endedAt: T0 - 60_000 }, now: T0 + 1 });
      const [ended] = await insert(endedCall('failed', T0 - 60_000, { to: NUMBER_C }));
      expect(await purge({ endedBefore: T0, limit: 100 })).toBe(1);
      expect(await s.store.getCall(ended!.id)).toBeUndefined();
      expect((await mustGet(scheduled!.id)).status).toBe('scheduled');
      expect((await mustGet(call.id)).status).toBe('connected');
      // Also when every terminal status is named.
      expect(await purge({ endedBefore: T0, limit: 100, statuses: ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'] })).toBe(0);
      // A terminal call without endedAt has no end time to compare: it is kept.
      const [noEnd] = await insert(endedCall('canceled', T0, { endedAt: null }));
      expect(await purge({ endedBefore: T0 + 3_600_000, limit: 100 })).toBe(0);
      expect(await s.store.getCall(noEnd!.id)).toBeDefined();
    });

    test('purgeCalls deletes at most limit calls, oldest endedAt first, then by id', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      const calls = [
        endedCall('completed', T0 + 500),
        endedCall('failed', T0 + 100),
        endedCall('canceled', T0 + 300),
        endedCall('no-answer', T0 + 100),
        endedCall('expired', T0 + 200),
      ];
      // Stored in shuffled order, so that insertion order cannot stand in for the right one.
      await insert(...shuffle(calls));
      const [first, second, third, fourth, fifth] = calls as [NewCallRecord, NewCallRecord, NewCallRecord, NewCallRecord, NewCallRecord];
      const tie = sorted([second.id, fourth.id]);
      const expectedOrder = [...tie, fifth.id, third.id, first.id];
      const remaining = async (): Promise<string[]> => ids((await s.store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items);
      const all = sorted(expectedOrder);

      expect(await purge({ endedBefore: T0 + 1_000, limit: 2 })).toBe(2);
      expect(await remaining()).toEqual(all.filter((id) => !expectedOrder.slice(0, 2).includes(id)));
      expect(await purge({ endedBefore: T0 + 1_000, limit: 1 })).toBe(1);
      expect(await remaining()).toEqual(all.filter((id) => !expectedOrder.slice(0, 3).includes(id)));
      // A bound between two end times stops there.
      expect(await purge({ endedBefore: T0 + 500, limit: 10 })).toBe(1);
      expect(await remaining()).toEqual([first.id]);
      expect(await purge({ endedBefore: T0 + 1_000, limit: 10 })).toBe(1);
      expect(await remaining()).toEqual([]);
    });

    test('purgeCalls with statuses deletes only calls in those statuses', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      const [completed, failed, expired, canceled, busy] = await insert(
        endedCall('completed', T0 + 1),
        endedCall('failed', T0 + 2),
        endedCall('expired', T0 + 3),
        endedCall('canceled', T0 + 4),
        endedCall('busy', T0 + 5),
      );
      expect(await purge({ endedBefore: T0 + 100, limit: 100, statuses: [] })).toBe(0);
      // The limit counts only matching calls; older calls in other statuses are skipped, not lost.
      expect(await purge({ endedBefore: T0 + 100, limit: 1, statuses: ['failed', 'expired'] })).toBe(1);
      expect(await s.store.getCall(failed!.id)).toBeUndefined();
      expect(await purge({ endedBefore: T0 + 100, limit: 10, statuses: ['failed', 'expired'] })).toBe(1);
      expect(await s.store.getCall(expired!.id)).toBeUndefined();
      expect(ids((await s.store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual(ids([completed!, canceled!, busy!]));
      expect(await purge({ endedBefore: T0 + 100, limit: 10, statuses: ['busy'] })).toBe(1);
      expect(await purge({ endedBefore: T0 + 100, limit: 10 })).toBe(2);
      expect((await s.store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items).toEqual([]);
    });

    test('the idempotency key of a purged call can be used again, and creates a new call', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      const old = endedCall('completed', T0 - 1_000, { idempotencyKey: 'reused-key' });
      const kept = endedCall('completed', T0 + 1_000, { idempotencyKey: 'kept-key', to: NUMBER_B });
      await insert(old, kept);
      expect(await purge({ endedBefore: T0, limit: 10 })).toBe(1);
      const again = newCall({ idempotencyKey: 'reused-key', to: NUMBER_C });
      const [result] = await s.store.insertCalls([item(again)]);
      expect(result!.created).toBe(true);
      expect(result!.call.id).toBe(again.id);
      expect(result!.call.to).toBe(NUMBER_C);
      expect(result!.events).toHaveLength(1);
      // A key whose call was not purged still de-duplicates.
      const [dup] = await s.store.insertCalls([item(newCall({ idempotencyKey: 'kept-key' }))]);
      expect(dup!.created).toBe(false);
      expect(dup!.call.id).toBe(kept.id);
    });

    test('after a purge, keyset pagination has no duplicates or gaps and event ids are never reused', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      // Six calls: the odd ones ended long ago, the even ones are scheduled.
      const calls = Array.from({ length: 6 }, (_, i) =>
        i % 2 === 1 ? endedCall('completed', T0 - 60_000 + i, { to: NUMBER_B }) : newCall({ dueAt: T0 + 60_000 + i }),
      );
      await insert(...calls);
      const page1 = await s.store.listCalls({ limit: 2, cursor: null, order: 'asc' });
      expect(ids(page1.items)).toEqual([calls[0]!.id, calls[1]!.id]);
      const descPage1 = await s.store.listCalls({ limit: 1, cursor: null, order: 'desc' });
      expect(ids(descPage1.items)).toEqual([calls[5]!.id]);
      const events = await allEvents();
      const lastEvent = events[events.length - 1]!;
      expect(lastEvent.callId).toBe(calls[5]!.id);
      // The cursor's own call, one not yet seen and the one with the newest event are purged.
      expect(await purge({ endedBefore: T0, limit: 10 })).toBe(3);
      const seen = [...ids(page1.items)];
      let cursor = page1.nextCursor;
      while (cursor !== null) {
        const page = await s.store.listCalls({ limit: 2, cursor, order: 'asc' });
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([calls[0]!.id, calls[1]!.id, calls[2]!.id, calls[4]!.id]);
      // Newest first, on from a cursor that names a purged call.
      const descPage2 = await s.store.listCalls({ limit: 10, cursor: descPage1.nextCursor, order: 'desc' });
      expect(ids(descPage2.items)).toEqual([calls[4]!.id, calls[2]!.id, calls[0]!.id]);
      expect(descPage2.nextCursor).toBeNull();
      // Event ids go on increasing: a new event never takes the id of a purged one.
      const [next] = await s.store.insertCalls([item(newCall({ to: NUMBER_C }))]);
      expect(next!.events[0]!.id).toBeGreaterThan(lastEvent.id);
      const after = await allEvents();
      for (let i = 1; i < after.length; i++) expect(after[i]!.id).toBeGreaterThan(after[i - 1]!.id);
      expect(after.map((e) => e.callId)).toEqual([calls[0]!.id, calls[2]!.id, calls[4]!.id, next!.call.id]);
      expect((await s.store.listEvents({ after: events[1]!.cursor, limit: 10 })).items).toEqual(after.slice(1));
    });

    test('purgeCalls depends only on endedBefore, never on the system clock', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(new Date('2100-01-01T00:00:00Z'));
        const [old, recent] = await insert(endedCall('completed', T0 - 1), endedCall('completed', T0 + 1));
        expect(await purge({ endedBefore: T0, limit: 10 })).toBe(1);
        expect(await s.store.getCall(old!.id)).toBeUndefined();
        expect(await s.store.getCall(recent!.id)).toBeDefined();
      } finally {
        vi.useRealTimers();
      }
    });

    test('purgeCalls rejects bad options with INVALID_INPUT naming the field and deletes nothing', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      const [stored] = await insert(endedCall('completed', T0 - 1));
      const bad: [PurgeOptions, string][] = [
        [{ endedBefore: T0, limit: 0 }, 'limit'],
        [{ endedBefore: T0, limit: 1.5 }, 'limit'],
        [{ endedBefore: Number.NaN, limit: 10 }, 'endedBefore'],
        [{ endedBefore: '2026-01-01' as unknown as number, limit: 10 }, 'endedBefore'],
        [{ endedBefore: T0, limit: 10, statuses: ['scheduled'] }, 'statuses'],
        [{ endedBefore: T0, limit: 10, statuses: ['completed', 'ringing'] }, 'statuses'],
      ];
      for (const [options, field] of bad) {
        try {
          await expectError(() => purge(options), 'INVALID_INPUT', field);
        } catch (error) {
          throw new Error(`purgeCalls(${JSON.stringify(options)}): ${(error as Error).message}`, { cause: error });
        }
      }
      expect(await s.store.getCall(stored!.id)).toBeDefined();
    });

    test('after close purgeCalls rejects with STORE_CLOSED', async (ctx) => {
      const purge = purgeOf(ctx);
      if (purge === undefined) return;
      if (s.store.close === undefined) {
        ctx.skip('the store has no close()');
        return;
      }
      await s.store.close();
      await expectError(() => purge({ endedBefore: T0, limit: 10 }), 'STORE_CLOSED');
    });
  });
}

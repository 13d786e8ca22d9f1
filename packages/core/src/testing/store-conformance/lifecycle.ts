import { describe, expect, vi } from 'vitest';
import type { AttemptRecord, CallEventRecord, CallRecord, NewCallEvent, NewCallRecord } from '../../store/call-record.js';
import { T0, LEASE_MS, NUMBER_A, NUMBER_B, NUMBER_C, type Mutable, type Suite } from './suite.js';

/** The conformance tests of time, copies and the lifecycle (`init`, `close`). */
export function lifecycleTests(s: Suite): void {
  const { test, newCall, scheduledEvent, item, insert, claim, recover, allEvents, mustGet, expectError, ids } = s;
  describe('time, copies and lifecycle', () => {
    test('results depend only on the now arguments, never on the system clock', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(new Date('2000-06-15T00:00:00Z'));
        const due = newCall({ dueAt: T0, createdAt: T0 - 7 });
        const notYet = newCall({ to: NUMBER_B, dueAt: T0 + 3_600_000, createdAt: T0 - 7 });
        const [stored] = await insert(due, notYet);
        expect(stored!.createdAt).toBe(T0 - 7);
        expect(stored!.updatedAt).toBe(T0 - 7);
        // In 2000, a call due in 2026 is claimed when the scheduler says it is 2026.
        const [claimed] = await claim({ now: T0, leaseExpiresAt: T0 + 1_000 });
        expect(claimed!.call.id).toBe(due.id);
        expect(claimed!.call.updatedAt).toBe(T0);
        expect(claimed!.events[0]!.at).toBe(T0);
        expect((await s.store.getCallDetails(due.id))!.attempts[0]!.startedAt).toBe(T0);

        vi.setSystemTime(new Date('2100-01-01T00:00:00Z'));
        // In 2100 nothing else is due or expired when the scheduler says it is still T0.
        expect(await claim({ now: T0 })).toEqual([]);
        expect(await recover({ now: T0 + 999 })).toEqual([]);
        expect(await s.store.nextWakeUpAt()).toBe(T0 + 1_000);
        const updated = await s.store.updateCall({ id: due.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'initiated' }, now: T0 + 500 });
        expect(updated!.call.updatedAt).toBe(T0 + 500);
        expect(await s.store.countAttempts({ to: NUMBER_A, since: T0 })).toBe(1);
        const [recovered] = await recover({ now: T0 + 1_000, leaseExpiresAt: T0 + 2_000 });
        expect(recovered!.call.updatedAt).toBe(T0 + 1_000);
        expect(recovered!.events[0]!.at).toBe(T0 + 1_000);

        vi.setSystemTime(new Date('2000-01-01T00:00:00Z'));
        expect(ids((await claim({ now: T0 + 3_600_000 })).map((r) => r.call))).toEqual([notYet.id]);
      } finally {
        vi.useRealTimers();
      }
    });

    test('records returned are copies that callers cannot use to change the store', async () => {
      const input = newCall({ metadata: { nested: { value: 1 } }, window: { mon: [{ start: '09:00', end: '17:00' }] } });
      const [inserted] = await s.store.insertCalls([item(input)]);
      const [claimed] = await claim();
      // A deep copy, in case the store hands out its own objects.
      const snapshot = structuredClone(await s.store.getCallDetails(input.id));
      expect(snapshot).toBeDefined();

      const vandalize = (call: CallRecord): void => {
        const m = call as Mutable<CallRecord>;
        m.status = 'completed';
        m.attemptCount = 99;
        const metadata = m.metadata as { nested?: { value: number } } | null;
        if (metadata?.nested !== undefined) metadata.nested.value = 666;
        if (m.lease !== null) (m.lease as Mutable<NonNullable<CallRecord['lease']>>).token = 666;
        if (m.window?.mon !== undefined) (m.window.mon as unknown as { start: string }[]).push({ start: '00:00' });
      };
      vandalize(inserted!.call);
      vandalize(claimed!.call);
      (claimed!.events[0] as Mutable<CallEventRecord>).type = 'failed';
      vandalize((await mustGet(input.id)));
      const details = await s.store.getCallDetails(input.id);
      vandalize(details!.call);
      (details!.attempts[0] as Mutable<AttemptRecord>).status = 'completed';
      (details!.attempts as unknown[]).push({});
      (details!.events[0] as Mutable<CallEventRecord>).status = 'failed';
      const page = await s.store.listCalls({ limit: 10, cursor: null, order: 'asc' });
      vandalize(page.items[0]!);
      (page.items as unknown[]).length = 0;
      const events = await allEvents();
      (events[0] as Mutable<CallEventRecord>).data = { hacked: true };

      expect(await s.store.getCallDetails(input.id)).toEqual(snapshot);
      expect(await allEvents()).toEqual(snapshot!.events);
      expect((await s.store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items).toEqual([snapshot!.call]);
    });

    test('the store keeps its own copy of what it is given', async () => {
      const metadata = { nested: { value: 1 } };
      const window = { mon: [{ start: '09:00', end: '17:00' }] };
      const input = newCall({ metadata, window });
      const events = [scheduledEvent(input)];
      await s.store.insertCalls([{ call: input, events }]);
      const before = structuredClone(await s.store.getCallDetails(input.id));
      metadata.nested.value = 2;
      window.mon.push({ start: '18:00', end: '19:00' });
      (events[0] as Mutable<NewCallEvent>).type = 'failed';
      (input as Mutable<NewCallRecord>).to = NUMBER_C;
      expect(await s.store.getCallDetails(input.id)).toEqual(before);

      const patchMetadata = { step: { n: 1 } };
      const updated = await s.store.updateCall({ id: input.id, expect: { statuses: ['scheduled'] }, set: { metadata: patchMetadata }, now: T0 });
      patchMetadata.step.n = 2;
      expect((await mustGet(input.id)).metadata).toEqual({ step: { n: 1 } });
      expect(updated!.call.metadata).toEqual({ step: { n: 1 } });
    });

    test('init can be called twice', async (ctx) => {
      if (s.store.init === undefined) {
        ctx.skip('the store has no init()');
        return;
      }
      await s.store.init();
      await s.store.init();
      const [stored] = await insert(newCall());
      expect(await s.store.getCall(stored!.id)).toEqual(stored);
    });

    test('after close every operation rejects with STORE_CLOSED', async (ctx) => {
      if (s.store.close === undefined) {
        ctx.skip('the store has no close()');
        return;
      }
      const [stored] = await insert(newCall());
      await s.store.close();
      await s.store.close(); // a second close is harmless
      const id = stored!.id;
      const operations: Record<string, () => Promise<unknown>> = {
        insertCalls: () => s.store.insertCalls([item(newCall())]),
        getCall: () => s.store.getCall(id),
        getCallDetails: () => s.store.getCallDetails(id),
        findCallByProviderCallId: () => s.store.findCallByProviderCallId('pc'),
        listCalls: () => s.store.listCalls({ limit: 10, cursor: null, order: 'asc' }),
        listEvents: () => s.store.listEvents({ after: null, limit: 10 }),
        eventLogHead: () => s.store.eventLogHead(),
        claimDueCalls: () => claim(),
        claimExpiredLeases: () => recover({ now: T0 + 10 * LEASE_MS }),
        updateCall: () => s.store.updateCall({ id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 }),
        nextWakeUpAt: () => s.store.nextWakeUpAt(),
        countAttempts: () => s.store.countAttempts({ to: NUMBER_A, since: 0 }),
      };
      for (const [name, run] of Object.entries(operations)) {
        try {
          await expectError(run, 'STORE_CLOSED');
        } catch (error) {
          throw new Error(`${name} after close: ${(error as Error).message}`, { cause: error });
        }
      }
    });
  });
}

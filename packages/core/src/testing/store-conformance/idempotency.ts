import { describe, expect } from 'vitest';
import { T0, NUMBER_A, NUMBER_B, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of idempotency keys of `insertCalls`. */
export function idempotencyTests(s: Suite): void {
  const { test, newCall, item, insert, allEvents, mustGet } = s;
  describe('idempotency keys', () => {
    test('an idempotency key already stored returns the first call with created false and appends no events', async () => {
      const first = newCall({ idempotencyKey: 'same-key' });
      await insert(first);
      const eventsBefore = await allEvents();
      const again = newCall({ idempotencyKey: 'same-key', to: NUMBER_B });
      const [result] = await s.store.insertCalls([item(again)]);
      expect(result!.created).toBe(false);
      expect(result!.events).toEqual([]);
      expect(result!.call).toEqual(await mustGet(first.id));
      expect(await s.store.getCall(again.id)).toBeUndefined();
      expect(await allEvents()).toEqual(eventsBefore);
    });

    test('duplicate idempotency keys inside one batch return the first call of the batch', async () => {
      const a = newCall({ idempotencyKey: 'k1' });
      const b = newCall({ idempotencyKey: 'k2' });
      const a2 = newCall({ idempotencyKey: 'k1', to: NUMBER_C });
      const c = newCall({ idempotencyKey: null });
      const results = await s.store.insertCalls([item(a), item(b), item(a2), item(c)]);
      expect(results.map((r) => [r.call.id, r.created])).toEqual([
        [a.id, true],
        [b.id, true],
        [a.id, false],
        [c.id, true],
      ]);
      expect(results[2]!.events).toEqual([]);
      expect(results[2]!.call.to).toBe(NUMBER_A);
      expect(await s.store.getCall(a2.id)).toBeUndefined();
      const events = await allEvents();
      expect(events.map((e) => e.callId)).toEqual([a.id, b.id, c.id]);
    });

    test('calls without an idempotency key are never de-duplicated', async () => {
      const results = await s.store.insertCalls([item(newCall()), item(newCall())]);
      expect(results.map((r) => r.created)).toEqual([true, true]);
      expect(results[0]!.call.id).not.toBe(results[1]!.call.id);
    });

    test('an idempotency key still de-duplicates after its call has ended', async () => {
      const first = newCall({ idempotencyKey: 'ended-key' });
      await insert(first);
      const canceled = await s.store.updateCall({
        id: first.id,
        expect: { statuses: ['scheduled'] },
        set: { status: 'canceled', dueAt: null, endedAt: T0 },
        now: T0,
      });
      expect(canceled?.call.status).toBe('canceled');
      const [result] = await s.store.insertCalls([item(newCall({ idempotencyKey: 'ended-key' }))]);
      expect(result!.created).toBe(false);
      expect(result!.call.id).toBe(first.id);
      expect(result!.call.status).toBe('canceled');
    });
  });
}

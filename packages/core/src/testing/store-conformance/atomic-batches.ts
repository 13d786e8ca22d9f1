import { describe, expect } from 'vitest';
import { T0, NUMBER_A, NUMBER_C, type Suite } from './suite.js';

/** The conformance tests of the atomicity of `insertCalls` batches. */
export function atomicBatchTests(s: Suite): void {
  const { test, newCall, item, insert, claim, allEvents, mustGet } = s;
  describe('atomic batches', () => {
    test('a batch with a duplicate id fails and stores nothing of the batch', async () => {
      const a = newCall({ idempotencyKey: 'batch-key' });
      const b = newCall();
      const duplicate = newCall({ id: b.id, to: NUMBER_C });
      await expect(s.store.insertCalls([item(a), item(b), item(duplicate)])).rejects.toBeDefined();
      expect(await s.store.getCall(a.id)).toBeUndefined();
      expect(await s.store.getCall(b.id)).toBeUndefined();
      expect(await allEvents()).toEqual([]);
      expect((await s.store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
      expect(await s.store.nextWakeUpAt()).toBeNull();
      // The idempotency key of the failed batch was not kept either.
      const [retry] = await s.store.insertCalls([item(newCall({ idempotencyKey: 'batch-key' }))]);
      expect(retry!.created).toBe(true);
    });

    test('inserting an id that is already stored fails and stores nothing of the batch', async () => {
      const existing = newCall();
      await insert(existing);
      const eventsBefore = await allEvents();
      const fresh = newCall({ dueAt: T0 - 5 });
      const clash = newCall({ id: existing.id, to: NUMBER_C, dueAt: T0 - 10 });
      await expect(s.store.insertCalls([item(fresh), item(clash)])).rejects.toBeDefined();
      expect(await s.store.getCall(fresh.id)).toBeUndefined();
      expect((await mustGet(existing.id)).to).toBe(NUMBER_A);
      expect(await allEvents()).toEqual(eventsBefore);
      expect(await s.store.nextWakeUpAt()).toBe(T0);
      expect((await claim()).map((r) => r.call.id)).toEqual([existing.id]);
    });
  });
}

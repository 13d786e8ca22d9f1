import { describe, expect } from 'vitest';
import { T0, NUMBER_B, type Suite } from './suite.js';

/** The conformance tests of `findCallByProviderCallId`. */
export function findByProviderCallIdTests(s: Suite): void {
  const { test, newCall, insert, claim, mustGet } = s;
  describe('findCallByProviderCallId', () => {
    test('findCallByProviderCallId finds the call by the provider id of its current attempt', async () => {
      const a = newCall();
      const b = newCall({ to: NUMBER_B });
      await insert(a, b);
      const claimed = await claim();
      expect(claimed).toHaveLength(2);
      for (const [index, result] of claimed.entries()) {
        const updated = await s.store.updateCall({
          id: result.call.id,
          expect: { token: result.call.fencingToken },
          set: { status: 'initiated', providerCallId: `pc-${index}`, providerStatus: 'queued' },
          attempt: { number: 1, set: { status: 'initiated', providerCallId: `pc-${index}`, providerStatus: 'queued' } },
          now: T0 + 10,
        });
        expect(updated).toBeDefined();
      }
      const found0 = await s.store.findCallByProviderCallId('pc-0');
      const found1 = await s.store.findCallByProviderCallId('pc-1');
      expect(found0?.id).toBe(claimed[0]!.call.id);
      expect(found1?.id).toBe(claimed[1]!.call.id);
      expect(found0).toEqual(await mustGet(claimed[0]!.call.id));
      expect(await s.store.findCallByProviderCallId('pc-unknown')).toBeUndefined();
    });
  });
}

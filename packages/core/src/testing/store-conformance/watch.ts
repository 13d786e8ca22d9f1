import { describe, expect } from 'vitest';
import type { CallStoreChange, CallStoreWatch } from '../../store/call-store.js';
import { T0, type Suite } from './suite.js';

const NO_WATCH = 'the store has no watch() (change notifications are optional)';

/** How long a notification may take to arrive from another handle (a database round trip or two). */
const NOTIFY_WITHIN_MS = 5_000;

/** Resolves with the first change `matches` accepts, or rejects after {@link NOTIFY_WITHIN_MS}. */
function waitFor(changes: CallStoreChange[], listeners: Set<() => void>, matches: (change: CallStoreChange) => boolean, what: string): Promise<CallStoreChange> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = changes.find(matches);
      if (found === undefined) return false;
      listeners.delete(onChange);
      clearTimeout(timer);
      resolve(found);
      return true;
    };
    const onChange = (): void => void check();
    const timer = setTimeout(() => {
      listeners.delete(onChange);
      reject(new Error(`no change notification (${what}) within ${NOTIFY_WITHIN_MS} ms; got ${JSON.stringify(changes)}`));
    }, NOTIFY_WITHIN_MS);
    if (!check()) listeners.add(onChange);
  });
}

/**
 * The conformance tests of the optional `watch()`: a store that has it tells every watcher, on any
 * handle, when a call became due earlier and when events were committed. On a store without it
 * they report themselves skipped, with the reason.
 */
export function watchTests(s: Suite): void {
  const { test, newCall, item, claimOptions, statusEvent } = s;

  /** Starts watching on the store; `undefined` after announcing the skip. */
  const watching = async (
    ctx: { skip: (note?: string) => void },
  ): Promise<{ changes: CallStoreChange[]; next: (matches: (change: CallStoreChange) => boolean, what: string) => Promise<CallStoreChange>; watch: CallStoreWatch } | undefined> => {
    if (s.store.watch === undefined) {
      ctx.skip(NO_WATCH);
      return undefined;
    }
    const changes: CallStoreChange[] = [];
    const listeners = new Set<() => void>();
    const watch = await s.store.watch((change) => {
      changes.push(change);
      for (const listener of [...listeners]) listener();
    });
    return { changes, watch, next: (matches, what) => waitFor(changes, listeners, matches, what) };
  };

  describe('watch', () => {
    test('watch reports a call made due earlier by another handle, with its due time', async (ctx) => {
      const w = await watching(ctx);
      if (w === undefined) return;
      try {
        await s.peer.insertCalls([item(newCall({ dueAt: T0 + 60_000 }))]);
        await w.next((c) => c.dueAt !== undefined && c.dueAt <= T0 + 60_000, 'the first due time');
        await s.peer.insertCalls([item(newCall({ dueAt: T0 }))]);
        const change = await w.next((c) => c.dueAt === T0, 'an earlier due time');
        expect(change.dueAt).toBe(T0);
      } finally {
        await w.watch.close();
      }
    });

    test('watch reports events committed by another handle', async (ctx) => {
      const w = await watching(ctx);
      if (w === undefined) return;
      try {
        const input = newCall();
        await s.peer.insertCalls([item(input)]);
        await w.next((c) => c.events === true, 'events of an insert');
        const count = w.changes.length;
        const [claimed] = await s.peer.claimDueCalls(claimOptions());
        await s.peer.updateCall({
          id: input.id,
          expect: { token: claimed!.call.fencingToken },
          set: { status: 'initiated' },
          events: [statusEvent('initiated', T0 + 1, 1)],
          now: T0 + 1,
        });
        await w.next((c) => c.events === true && w.changes.indexOf(c) >= count, 'events of an update');
      } finally {
        await w.watch.close();
      }
    });

    test('after its close() resolves, a watch calls its listener no more', async (ctx) => {
      const w = await watching(ctx);
      if (w === undefined) return;
      await w.watch.close();
      await w.watch.close(); // runs once; a second close is harmless
      const before = w.changes.length;
      await s.peer.insertCalls([item(newCall({ dueAt: T0 - 1 }))]);
      await s.store.insertCalls([item(newCall({ dueAt: T0 - 2 }))]);
      // A change that would have been reported comes within a round trip; give it several.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(w.changes.length).toBe(before);
    });
  });
}

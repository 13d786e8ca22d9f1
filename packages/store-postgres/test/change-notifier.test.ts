import type { CallStoreChange } from '@call-scheduler/core';
import { FakeClock } from '@call-scheduler/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeChange, encodeChange, mergeChanges } from '../src/watch/change-payload.js';
import { ChangeNotifier } from '../src/watch/change-notifier.js';

/** A notifier whose NOTIFYs are recorded; each send stays in flight until `finish()` is called. */
function notifier(eventsIntervalMs = 25): { notifier: ChangeNotifier; sent: CallStoreChange[]; clock: FakeClock; finish(): Promise<void> } {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const sent: CallStoreChange[] = [];
  const pending: (() => void)[] = [];
  const n = new ChangeNotifier({
    send: (payload) => {
      sent.push(decodeChange(payload));
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    clock,
    eventsIntervalMs,
    onError: () => undefined,
  });
  return {
    notifier: n,
    sent,
    clock,
    async finish() {
      pending.shift()?.();
      await clock.advance(0);
    },
  };
}

describe('NOTIFY payloads', () => {
  it('round-trip, merge to the earlier due time, and an unreadable payload means "re-read"', () => {
    expect(decodeChange(encodeChange({ dueAt: 5, events: true }))).toEqual({ dueAt: 5, events: true });
    expect(decodeChange(encodeChange({ events: true }))).toEqual({ events: true });
    expect(decodeChange('not json')).toEqual({ events: true });
    expect(mergeChanges({ dueAt: 9 }, { dueAt: 4, events: true })).toEqual({ dueAt: 4, events: true });
    expect(mergeChanges({}, {})).toEqual({});
  });
});

describe('ChangeNotifier', () => {
  it('sends a due time at once, and merges what is announced while a NOTIFY is in flight into one', async () => {
    const { notifier: n, sent, finish } = notifier();
    n.announce({ dueAt: 100 });
    expect(sent).toEqual([{ dueAt: 100 }]);
    n.announce({ dueAt: 90 });
    n.announce({ dueAt: 95, events: true });
    n.announce({ dueAt: 80 });
    expect(sent).toHaveLength(1);
    await finish();
    expect(sent).toEqual([{ dueAt: 100 }, { dueAt: 80, events: true }]);
  });

  it('sends "events" at most once per interval, the last one when the interval ends', async () => {
    const { notifier: n, sent, clock, finish } = notifier(25);
    n.announce({ events: true });
    expect(sent).toEqual([{ events: true }]);
    await finish();
    for (let i = 0; i < 10; i++) {
      n.announce({ events: true });
      await clock.advance(2);
    }
    // 20 ms later: still inside the interval, nothing more sent.
    expect(sent).toHaveLength(1);
    await clock.advance(5);
    expect(sent).toEqual([{ events: true }, { events: true }]);
    await finish();
    // A due time is never held back by the interval, and carries the pending events with it.
    n.announce({ events: true });
    n.announce({ dueAt: 7 });
    expect(sent).toEqual([{ events: true }, { events: true }, { dueAt: 7, events: true }]);
  });

  it('sends nothing for an empty change, nor after close', async () => {
    const { notifier: n, sent, finish } = notifier();
    n.announce({});
    expect(sent).toEqual([]);
    n.announce({ dueAt: 1 });
    const closed = n.close();
    await finish();
    await closed;
    n.announce({ dueAt: 0 });
    expect(sent).toEqual([{ dueAt: 1 }]);
  });
});

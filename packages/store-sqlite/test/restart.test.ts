import { CallScheduler, isLiveStatus } from '@call-scheduler/core';
import type { Call } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const number = (i: number): string => `+1415555${(1000 + i).toString()}`;

describe('restart: a new scheduler on the same file', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('fires every scheduled call at its time and follows live calls to their end', async () => {
    const clock = new FakeClock('2026-03-02T09:00:00Z');
    const start = clock.now();
    // The provider is the outside world: it keeps its calls across the scheduler's restart.
    const provider = new FakeCallProvider({ clock });
    const file = dir.file('restart.db');
    const options = { provider, clock, storeRereadIntervalMs: null, leaseMs: 30_000 } as const;

    // --- first life: schedule, dial the first few, stop while they are live
    let store = new SqliteStore({ filename: file });
    let scheduler = new CallScheduler({ ...options, store, id: 'first-life' });
    await scheduler.start();
    const soon = await scheduler.scheduleMany(Array.from({ length: 5 }, (_, i) => ({ to: number(i), at: start + (i + 1) * 1_000 })));
    const later = await scheduler.scheduleMany(
      Array.from({ length: 40 }, (_, i) => ({ to: number(100 + i), at: start + HOUR + i * ((7 * DAY) / 40) + (i % 7) * 13_007 })),
    );
    await clock.advance(7_000); // the five are dialed at 1..5 s and are live
    const liveBefore = await Promise.all(soon.map(async (c) => (await scheduler.get(c.id))?.status));
    expect(liveBefore.every((s) => s !== undefined && isLiveStatus(s)), String(liveBefore)).toBe(true);
    expect(later.every((c) => provider.placeRequests().every((r) => r.callId !== c.id))).toBe(true);
    await scheduler.stop();
    await store.close();
    const placedBefore = provider.placeRequests().length;
    expect(placedBefore).toBe(5);

    // Time passes while nothing runs: the live calls end at the provider meanwhile.
    await clock.advance(30_000);

    // --- second life: a new store and scheduler on the same file
    store = new SqliteStore({ filename: file });
    scheduler = new CallScheduler({ ...options, store, id: 'second-life' });
    const pollsBefore = provider.getRequests().length;
    await scheduler.start();
    await clock.advance(8 * DAY);

    const all: Call[] = [...soon, ...later];
    for (const call of all) {
      const stored = await scheduler.get(call.id);
      expect(stored?.status, call.id).toBe('completed');
      // Dialed exactly once, and exactly at its time.
      const dials = provider.placeRequests().filter((r) => r.callId === call.id);
      expect(dials, call.id).toHaveLength(1);
      expect(dials[0]?.at).toBe(call.at.getTime());
      expect(stored?.attempts).toHaveLength(1);
    }
    // The calls that were live at the stop were polled again by the second scheduler.
    const pollsAfter = provider.getRequests().slice(pollsBefore);
    for (const call of soon) {
      const providerCallId = (await scheduler.get(call.id))?.providerCallId;
      expect(pollsAfter.some((r) => r.providerCallId === providerCallId), call.id).toBe(true);
      const events = (await scheduler.get(call.id))?.events.map((e) => e.type);
      expect(events).toContain('recovered');
      expect(events?.at(-1)).toBe('completed');
    }
    await scheduler.stop();
    await store.close();
  });
});

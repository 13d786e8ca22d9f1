import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { describe, expect, it } from 'vitest';
import type { CallStore } from '../src/index.js';
import type { FakeCallBehavior } from '../src/testing/index.js';
import { DAY, HOUR, MINUTE, SECOND, START, harness } from './harness.js';
import { schedulerErrorOf } from '../../../test-support/rejections.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

const cleanup = cleanupAfterEach();

type StoreKind = 'memory' | 'sqlite';

function openStore(kind: StoreKind): CallStore {
  if (kind === 'memory') return new MemoryStore();
  const dir = mkdtempSync(join(tmpdir(), 'call-scheduler-retention-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const store = new SqliteStore({ filename: join(dir, 'calls.db') });
  cleanup.add(() => store.close());
  return store;
}

/** A scheduler on a fake clock; no periodic re-reads (one process), so that days pass quickly. */
function setup(kind: StoreKind, store: CallStore = openStore(kind)) {
  const h = harness({ store, storeRereadIntervalMs: null });
  cleanup.stop(h.scheduler);
  return h;
}

const BUSY: FakeCallBehavior = { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 2000, status: 'busy' }] };
/** Rings for a minute, then is answered and lasts an hour. */
const LONG: FakeCallBehavior = {
  steps: [
    { afterMs: 0, status: 'initiated' },
    { afterMs: 2000, status: 'ringing' },
    { afterMs: 50_000, status: 'connected' },
    { afterMs: HOUR, status: 'completed', durationSeconds: 3600 - 50 },
  ],
};

const number = (i: number): string => `+1415555${String(2000 + i)}`;

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`CallScheduler.purge on a ${kind} store`, () => {
    it('deletes the calls that ended more than 7 days ago, with their history, and keeps every other call', async () => {
      const { clock, provider, scheduler, errors } = setup(kind);
      provider.script(number(3), BUSY);
      await scheduler.start();
      // Day 0: three calls complete, one ends busy, one is canceled, one expires at once.
      const old = await scheduler.scheduleMany([0, 1, 2, 3].map((i) => ({ to: number(i), idempotencyKey: `old-${i}` })));
      const canceled = await scheduler.schedule({ to: number(4), at: START + HOUR });
      await scheduler.cancel(canceled.id);
      const expired = await scheduler.schedule({ to: number(5), at: START + HOUR, expiresAt: START + HOUR + MINUTE, timeZone: 'UTC', window: { sat: [{ start: '00:00', end: '01:00' }] } });
      expect(expired.status).toBe('expired');
      await clock.advance(MINUTE);
      for (const call of old) expect((await scheduler.get(call.id))?.status).toMatch(/^(completed|busy)$/);
      const oldIds = [...old.map((c) => c.id), canceled.id, expired.id];

      // Day 28: a call that ends then (recent), one due in a day, and a live call.
      await clock.advance(28 * DAY);
      const recent = await scheduler.schedule({ to: number(6) });
      await clock.advance(MINUTE);
      expect((await scheduler.get(recent.id))?.status).toBe('completed');
      await clock.advance(2 * DAY - MINUTE);
      const due = await scheduler.schedule({ to: number(7), at: clock.now() + DAY });
      provider.script(number(8), LONG);
      const live = await scheduler.schedule({ to: number(8) });
      await clock.advance(10 * SECOND);
      expect((await scheduler.get(live.id))?.status).toBe('ringing');
      expect(clock.now() - START).toBeGreaterThanOrEqual(30 * DAY);

      const deleted = await scheduler.purge({ endedBefore: clock.now() - 7 * DAY });
      expect(deleted).toBe(oldIds.length);
      for (const id of oldIds) expect(await scheduler.get(id)).toBeUndefined();
      const events = await scheduler.listEvents({ limit: 1000 });
      expect(events.filter((e) => oldIds.includes(e.callId))).toEqual([]);
      expect(new Set(events.map((e) => e.callId))).toEqual(new Set([recent.id, due.id, live.id]));
      const left = await scheduler.list({ limit: 100 });
      expect(left.items.map((c) => [c.id, c.status])).toEqual([
        [live.id, 'ringing'],
        [due.id, 'scheduled'],
        [recent.id, 'completed'],
      ]);
      // A second purge with the same bound finds nothing.
      expect(await scheduler.purge({ endedBefore: clock.now() - 7 * DAY })).toBe(0);

      // The survivors carry on: the live call ends, the scheduled one is dialed at its time.
      await clock.advance(HOUR);
      expect((await scheduler.get(live.id))?.status).toBe('completed');
      await clock.advance(DAY);
      expect((await scheduler.get(due.id))?.status).toBe('completed');
      expect(provider.dials(number(7))).toBe(1);
      // A purged call's idempotency key can be used again: it makes a new call.
      const again = await scheduler.schedule({ to: number(0), idempotencyKey: 'old-0' });
      expect(again.id).not.toBe(old[0]!.id);
      expect(again.status).toBe('scheduled');
      await clock.advance(MINUTE);
      expect((await scheduler.get(again.id))?.status).toBe('completed');
      expect(provider.dials(number(0))).toBe(2);
      expect(errors()).toEqual([]);
    });

    it('deletes in batches of batchSize, only the given statuses, yielding to the event loop between batches', async () => {
      const store = openStore(kind);
      const batches: { limit: number; statuses: readonly string[] | undefined; deleted: number; immediateRan: boolean }[] = [];
      let immediateRan = false;
      const purgeCalls = store.purgeCalls!.bind(store);
      store.purgeCalls = async (options) => {
        const deleted = await purgeCalls(options);
        batches.push({ limit: options.limit, statuses: options.statuses, deleted, immediateRan });
        return deleted;
      };
      const { clock, provider, scheduler } = setup(kind, store);
      await scheduler.start();
      for (let i = 0; i < 5; i++) provider.script(number(i), BUSY);
      const busy = await scheduler.scheduleMany([0, 1, 2, 3, 4].map((i) => ({ to: number(i), at: START + i * MINUTE })));
      const completed = await scheduler.scheduleMany([5, 6].map((i) => ({ to: number(i) })));
      await clock.advance(10 * MINUTE);
      await clock.advance(10 * DAY);

      setImmediate(() => (immediateRan = true));
      expect(await scheduler.purge({ endedBefore: clock.now() - DAY, statuses: ['busy', 'failed'], batchSize: 2 })).toBe(5);
      expect(batches.map((b) => b.deleted)).toEqual([2, 2, 1]);
      expect(batches.every((b) => b.limit === 2 && b.statuses?.join() === 'busy,failed')).toBe(true);
      // The first batch ran before anything else could; the loop had run by the second.
      expect(batches.map((b) => b.immediateRan)).toEqual([false, true, true]);
      for (const call of busy) expect(await scheduler.get(call.id)).toBeUndefined();
      for (const call of completed) expect((await scheduler.get(call.id))?.status).toBe('completed');
      // A batch that comes back exactly full is followed by one more, which finds nothing.
      batches.length = 0;
      expect(await scheduler.purge({ endedBefore: clock.now(), batchSize: 2 })).toBe(2);
      expect(batches.map((b) => b.deleted)).toEqual([2, 0]);
      expect(batches[0]!.statuses).toBeUndefined();
    });
  });
}

describe('CallScheduler.purge input and support', () => {
  it('rejects bad options with INVALID_INPUT naming the field, and deletes nothing', async () => {
    const { clock, scheduler } = setup('memory');
    await scheduler.start();
    const call = await scheduler.schedule({ to: number(1), at: START + HOUR });
    await scheduler.cancel(call.id);
    await clock.advance(DAY);
    const now = clock.now();
    const cases: [unknown, string][] = [
      [undefined, ''],
      [{}, 'endedBefore'],
      [{ endedBefore: now + 1 }, 'endedBefore'],
      [{ endedBefore: new Date(now + DAY).toISOString() }, 'endedBefore'],
      [{ endedBefore: '2026-11-21 09:00' }, 'endedBefore'],
      [{ endedBefore: Number.NaN }, 'endedBefore'],
      [{ endedBefore: now, statuses: ['scheduled'] }, 'statuses.0'],
      [{ endedBefore: now, statuses: ['completed', 'ringing'] }, 'statuses.1'],
      [{ endedBefore: now, statuses: [] }, 'statuses'],
      [{ endedBefore: now, statuses: 'completed' }, 'statuses'],
      [{ endedBefore: now, batchSize: 0 }, 'batchSize'],
      [{ endedBefore: now, batchSize: 2.5 }, 'batchSize'],
      [{ endedBefore: now, batchSize: 10_001 }, 'batchSize'],
      [{ endedBefore: now, olderThan: DAY }, ''],
    ];
    for (const [options, path] of cases) {
      const error = await schedulerErrorOf(() => scheduler.purge(options as Parameters<typeof scheduler.purge>[0]));
      expect(error.code, JSON.stringify(options)).toBe('INVALID_INPUT');
      expect(error.issues.map((i) => i.path), JSON.stringify(options)).toContain(path);
      if (path !== '') expect(error.message).toContain(path);
    }
    expect((await scheduler.get(call.id))?.status).toBe('canceled');
    // Every accepted form of the time, at now exactly.
    for (const endedBefore of [now, new Date(now), new Date(now).toISOString()]) {
      expect(await scheduler.purge({ endedBefore, statuses: ['completed'] })).toBe(0);
    }
    expect(await scheduler.purge({ endedBefore: new Date(now) })).toBe(1);
  });

  it('throws NOT_SUPPORTED on a store without purgeCalls, and STORE_ERROR when the store answers nonsense', async () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'purgeCalls', { value: undefined });
    const { clock, scheduler } = setup('memory', store);
    const error = await schedulerErrorOf(() => scheduler.purge({ endedBefore: clock.now() }));
    expect(error.code).toBe('NOT_SUPPORTED');
    expect(error.message).toContain('purgeCalls');

    const liar = new MemoryStore();
    Object.defineProperty(liar, 'purgeCalls', { value: async (options: { limit: number }) => options.limit + 1 });
    const other = setup('memory', liar);
    expect((await schedulerErrorOf(() => other.scheduler.purge({ endedBefore: other.clock.now() }))).code).toBe('STORE_ERROR');
  });

  it('is refused after stop()', async () => {
    const { clock, scheduler } = setup('memory');
    await scheduler.start();
    await scheduler.stop();
    expect((await schedulerErrorOf(() => scheduler.purge({ endedBefore: clock.now() }))).code).toBe('SCHEDULER_STOPPED');
  });
});

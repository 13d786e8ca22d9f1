import type { CallEventRecord, CallInsert, CallStatus, NewCallRecord } from '@call-scheduler/core';
import { callFixture, callInsertFixture, testCallStore } from '@call-scheduler/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';

// A store without the optional purgeCalls: the suite's retention tests report themselves skipped,
// with the reason, instead of failing.
testCallStore(
  () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'purgeCalls', { value: undefined });
    return store;
  },
  { name: 'CallStore conformance of a store without purgeCalls' },
);

let sequence = 0;
const nextId = (): string => `00000000-0000-7000-8000-${(++sequence).toString().padStart(12, '0')}`;

function call(status: CallStatus, endedAt: number | null, overrides: Partial<NewCallRecord> = {}): CallInsert {
  return callInsertFixture(callFixture({ id: nextId(), status, at: 1_000, dueAt: status === 'scheduled' ? 1_000 : null, createdAt: 500, endedAt, ...overrides }));
}

describe('MemoryStore.purgeCalls', () => {
  it('follows changes of endedAt and status made after a call ended (its heap entry goes stale)', async () => {
    await using store = new MemoryStore();
    const [moved, reopened, plain] = await store.insertCalls([call('failed', 1_000), call('canceled', 1_100), call('completed', 1_200)]);
    // endedAt moved later: purged by the new time, not the old one.
    await store.updateCall({ id: moved!.call.id, expect: { statuses: ['failed'] }, set: { endedAt: 9_000 }, now: 9_000 });
    // Back to scheduled (not something the scheduler does, but a store must not delete it).
    await store.updateCall({ id: reopened!.call.id, expect: { statuses: ['canceled'] }, set: { status: 'scheduled', dueAt: 5_000, endedAt: null }, now: 2_000 });
    expect(await store.purgeCalls({ endedBefore: 5_000, limit: 10 })).toBe(1);
    expect(await store.getCall(plain!.call.id)).toBeUndefined();
    expect(await store.getCall(moved!.call.id)).toBeDefined();
    expect(await store.getCall(reopened!.call.id)).toBeDefined();
    expect(await store.purgeCalls({ endedBefore: 9_001, limit: 10 })).toBe(1);
    expect(await store.getCall(moved!.call.id)).toBeUndefined();
    // The reopened call still works as a scheduled call.
    const [claimed] = await store.claimDueCalls({ now: 5_000, limit: 10, owner: 'a', leaseExpiresAt: 6_000 });
    expect(claimed?.call.id).toBe(reopened!.call.id);
  });

  it('purges 30,000 of 40,000 calls in batches and keeps the rest, their events and event order intact', async () => {
    await using store = new MemoryStore();
    // Interleaved: three in four ended long ago, the others ended recently or are still scheduled.
    const items = Array.from({ length: 40_000 }, (_, i) =>
      i % 4 !== 3 ? call('completed', 10_000 + (i % 977)) : i % 8 === 3 ? call('busy', 900_000) : call('scheduled', null),
    );
    await store.insertCalls(items);
    let total = 0;
    let batches = 0;
    for (;;) {
      const deleted = await store.purgeCalls({ endedBefore: 500_000, limit: 1_000 });
      total += deleted;
      batches += 1;
      if (deleted < 1_000) break;
    }
    expect(total).toBe(30_000);
    expect(batches).toBe(31);
    const kept = items.filter((_, i) => i % 4 === 3).map((item) => item.call.id);
    const events: CallEventRecord[] = [];
    for (let after: string | null = null; ; ) {
      const page = await store.listEvents({ after, limit: 1_000 });
      events.push(...page.items);
      if (page.items.length < 1_000) break;
      after = page.nextCursor;
    }
    expect(events.map((e) => e.callId)).toEqual(kept);
    expect(events.every((e, i) => i === 0 || e.id > events[i - 1]!.id)).toBe(true);
    // Paging from an event id in the middle still starts at the right place.
    const middle = events[5_000]!;
    expect((await store.listEvents({ after: String(middle.id - 1), limit: 1 })).items[0]).toEqual(middle);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listCalls({ limit: 1_000, cursor, order: 'asc' });
      listed.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(listed).toEqual(kept);
    expect(await store.nextWakeUpAt()).toBe(1_000);
  });

  it('a call stored again under the id of a purged call is listed once, with only its own events', async () => {
    await using store = new MemoryStore();
    const [before, purged, after] = await store.insertCalls([call('scheduled', null), call('completed', 1_000), call('scheduled', null)]);
    expect(await store.purgeCalls({ endedBefore: 2_000, limit: 10 })).toBe(1);
    const again = call('scheduled', null, { id: purged!.call.id, to: '+14155550199' });
    const [stored] = await store.insertCalls([again]);
    expect(stored!.created).toBe(true);
    const ids = [before!.call.id, purged!.call.id, after!.call.id];
    expect((await store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items.map((c) => c.id)).toEqual(ids);
    expect((await store.listCalls({ limit: 10, cursor: null, order: 'desc' })).items.map((c) => c.id)).toEqual([...ids].reverse());
    const events = (await store.listEvents({ after: null, limit: 10 })).items;
    expect(events.map((e) => e.callId)).toEqual([before!.call.id, after!.call.id, purged!.call.id]);
    expect(events[2]).toEqual(stored!.events[0]);
    expect((await store.listEvents({ after: null, limit: 10, callId: purged!.call.id })).items).toEqual(stored!.events);
  });
});

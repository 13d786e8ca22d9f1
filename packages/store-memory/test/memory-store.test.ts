import { describe, expect, it } from 'vitest';
import { createIdGenerator, isCallSchedulerError, type CallInsert, type NewCallRecord } from '@call-scheduler/core';
import { FakeClock, callFixture, callInsertFixture, seededRandom } from '@call-scheduler/core/testing';
import { decodeListCursor } from '@call-scheduler/core/internal';
import { MemoryStore } from '../src/index.js';
import { rejectionOf } from '../../../test-support/rejections.js';

const T0 = Date.UTC(2026, 0, 1);

const random = seededRandom;

/**
 * Makes insert items. `cheapIds` makes UUID-shaped, time-ordered ids from a counter (no random
 * bytes), for tests that need 100,000 of them.
 */
function factory(cheapIds = false): (overrides?: Partial<NewCallRecord>) => CallInsert {
  let counter = 0;
  const nextId = cheapIds
    ? () => `019b76da-a800-7000-8000-${(counter++).toString(16).padStart(12, '0')}`
    : createIdGenerator(new FakeClock('2026-01-01T00:00:00Z'));
  return (overrides = {}) => callInsertFixture(callFixture({ id: nextId(), at: T0, dueAt: T0, createdAt: T0, ...overrides }));
}

const claimOptions = { owner: 'me', leaseExpiresAt: T0 + 30_000 };

describe('MemoryStore', () => {
  it('says it is neither durable nor shared', () => {
    expect(new MemoryStore().features).toEqual({ durable: false, shared: false });
  });

  it('claims 10,000 calls with random due times in exact (dueAt, id) order', async () => {
    const store = new MemoryStore();
    const make = factory(true);
    const next = random(42);
    // Few distinct due times, so that many ties are broken by id; inserted in random id order.
    const items = Array.from({ length: 10_000 }, () => make({ to: `+1415${String(Math.floor(next() * 1e7)).padStart(7, '0')}`, dueAt: T0 + Math.floor(next() * 3_000) }));
    const shuffled = [...items].sort(() => next() - 0.5);
    for (let i = 0; i < shuffled.length; i += 1_000) await store.insertCalls(shuffled.slice(i, i + 1_000));
    const expected = items
      .map(({ call }) => call)
      .sort((a, b) => a.dueAt! - b.dueAt! || (a.id < b.id ? -1 : 1))
      .map((call) => call.id);

    const claimed: string[] = [];
    // Time moves forward in steps; each claim takes what is due, in varying batch sizes.
    for (let now = T0; claimed.length < items.length && now <= T0 + 4_000; now += 97) {
      for (;;) {
        const batch = await store.claimDueCalls({ ...claimOptions, now, limit: 1 + Math.floor(next() * 64) });
        if (batch.length === 0) break;
        for (const result of batch) expect(result.call.lease?.token).toBe(1);
        claimed.push(...batch.map((r) => r.call.id));
      }
      const nextWake = await store.nextWakeUpAt();
      if (claimed.length < items.length) expect(nextWake).toBeGreaterThan(now);
    }
    expect(claimed).toEqual(expected);
  });

  it('a claim of 10 among 100,000 scheduled calls changes exactly those 10', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const make = factory(true);
    const next = random(3);
    const items = Array.from({ length: 100_000 }, () => make({ dueAt: T0 + Math.floor(next() * 86_400_000) }));
    await store.insertCalls(items);
    const [lastEvent] = (await store.listEvents({ after: '99999', limit: 10 })).items;
    expect(lastEvent?.id).toBe(100_000);

    const results = await store.claimDueCalls({ ...claimOptions, now: T0 + 86_400_000, limit: 10 });

    const expected = items
      .map(({ call }) => call)
      .sort((a, b) => a.dueAt! - b.dueAt! || (a.id < b.id ? -1 : 1))
      .slice(0, 10)
      .map((call) => call.id);
    expect(results.map((r) => r.call.id)).toEqual(expected);
    // Exactly ten new events, and exactly ten calls left `scheduled`.
    const newEvents = (await store.listEvents({ after: '100000', limit: 1_000 })).items;
    expect(newEvents.map((e) => e.callId).sort()).toEqual([...expected].sort());
    const dispatching = await store.listCalls({ statuses: ['dispatching'], limit: 1_000, cursor: null, order: 'asc' });
    expect(dispatching.items.map((c) => c.id).sort()).toEqual([...expected].sort());
    const eleventh = items.map(({ call }) => call).sort((a, b) => a.dueAt! - b.dueAt! || (a.id < b.id ? -1 : 1))[10]!;
    expect(await store.nextWakeUpAt()).toBe(Math.min(eleventh.dueAt!, T0 + 30_000));
  });

  it('keeps nextWakeUpAt and claims right after many reschedules of the same calls', async () => {
    const store = new MemoryStore();
    const make = factory();
    const items = [make({ dueAt: T0 + 10 }), make({ dueAt: T0 + 20 })];
    await store.insertCalls(items);
    const [a, b] = items.map((i) => i.call.id) as [string, string];
    // Enough writes to force the due heap to compact its stale entries at least once.
    for (let i = 0; i < 3_000; i++) {
      await store.updateCall({ id: a, expect: { statuses: ['scheduled'] }, set: { dueAt: T0 + 1_000 + (i % 7) }, now: T0 });
    }
    expect(await store.nextWakeUpAt()).toBe(T0 + 20);
    const first = await store.claimDueCalls({ ...claimOptions, now: T0 + 2_000, limit: 10 });
    expect(first.map((r) => r.call.id)).toEqual([b, a]);
    expect(await store.claimDueCalls({ ...claimOptions, now: T0 + 2_000, limit: 10 })).toEqual([]);
    // The same for leases: renew many times, then recover once.
    for (let i = 0; i < 3_000; i++) {
      await store.updateCall({ id: a, expect: { token: 1 }, set: { leaseExpiresAt: T0 + 50_000 + i }, now: T0 + 2_000 });
    }
    expect(await store.nextWakeUpAt()).toBe(T0 + 30_000);
    const recovered = await store.claimExpiredLeases({ ...claimOptions, owner: 'other', now: T0 + 60_000, leaseExpiresAt: T0 + 90_000, limit: 10 });
    expect(recovered.map((r) => r.call.id)).toEqual([b, a]);
    expect(recovered[1]!.events[0]!.data).toEqual({ previousOwner: 'me', owner: 'other', previousToken: 1, previousExpiresAt: T0 + 52_999 });
  });

  it('never takes over the same lease twice in one claim, even when the new lease is already expired', async () => {
    const store = new MemoryStore();
    const make = factory();
    await store.insertCalls([make(), make()]);
    await store.claimDueCalls({ ...claimOptions, now: T0, limit: 10 });
    const recovered = await store.claimExpiredLeases({ owner: 'other', now: T0 + 60_000, leaseExpiresAt: T0 + 60_000, limit: 10 });
    expect(recovered.map((r) => r.call.fencingToken)).toEqual([2, 2]);
    expect(await store.nextWakeUpAt()).toBe(T0 + 60_000);
    const again = await store.claimExpiredLeases({ owner: 'third', now: T0 + 60_000, leaseExpiresAt: T0 + 90_000, limit: 10 });
    expect(again.map((r) => r.call.fencingToken)).toEqual([3, 3]);
  });

  it('onePerNumber puts skipped calls back in order for later claims', async () => {
    const store = new MemoryStore();
    const make = factory();
    const items = [0, 1, 2, 3].map((i) => make({ dueAt: T0 + i }));
    await store.insertCalls(items);
    const ids = items.map((i) => i.call.id);
    for (const [index, id] of ids.entries()) {
      const [claimed] = await store.claimDueCalls({ ...claimOptions, now: T0 + 10, limit: 5, onePerNumber: true });
      expect(claimed?.call.id).toBe(id);
      expect(await store.claimDueCalls({ ...claimOptions, now: T0 + 10, limit: 5, onePerNumber: true })).toEqual([]);
      await store.updateCall({ id, expect: { token: 1 }, set: { status: 'completed', endedAt: T0 + 10 + index, leaseExpiresAt: null }, now: T0 + 10 });
    }
  });

  it('lists calls in id order even when they were inserted out of order', async () => {
    const store = new MemoryStore();
    const make = factory();
    const items = Array.from({ length: 50 }, () => make());
    const next = random(9);
    for (const item of [...items].sort(() => next() - 0.5)) await store.insertCalls([item]);
    const page = await store.listCalls({ limit: 1_000, cursor: null, order: 'asc' });
    expect(page.items.map((c) => c.id)).toEqual(items.map((i) => i.call.id));
  });

  it("uses core's list cursor naming the last id (one format for every store) and refuses anything else", async () => {
    const store = new MemoryStore();
    const make = factory();
    await store.insertCalls([make(), make(), make()]);
    const page = await store.listCalls({ limit: 2, cursor: null, order: 'asc' });
    expect(decodeListCursor(page.nextCursor!)).toBe(page.items[1]!.id);
    for (const cursor of ['', 'a', 'not a cursor', `${page.nextCursor!}=`]) {
      const error = await rejectionOf(store.listCalls({ limit: 2, cursor, order: 'asc' }));
      expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
      expect((error as { issues: { path: string }[] }).issues[0]?.path).toBe('cursor');
    }
    const badOrder = await rejectionOf(store.listCalls({ limit: 2, cursor: null, order: 'up' as 'asc' }));
    expect((badOrder as Error).message).toContain('order');
  });

  it('refuses an attempt patch for an attempt that does not exist, naming attempt.number', async () => {
    const store = new MemoryStore();
    const make = factory();
    const item = make();
    await store.insertCalls([item]);
    await store.claimDueCalls({ ...claimOptions, now: T0, limit: 1 });
    const error = await rejectionOf(
      store.updateCall({ id: item.call.id, expect: { token: 1 }, set: {}, attempt: { number: 2, set: { status: 'failed' } }, now: T0 }),
    );
    expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as Error).message).toContain('attempt 2');
    expect((error as { issues: { path: string }[] }).issues[0]?.path).toBe('attempt.number');
  });

  it('refuses an id that is already stored, naming the item', async () => {
    const store = new MemoryStore();
    const make = factory();
    const item = make();
    await store.insertCalls([item]);
    const error = await rejectionOf(store.insertCalls([make(), { ...item, call: { ...item.call, to: '+14155550199' } }]));
    expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
    expect((error as { issues: { path: string }[] }).issues[0]?.path).toBe('items.1.call.id');
  });

  it('finds a call by the provider id of an earlier attempt too', async () => {
    const store = new MemoryStore();
    const make = factory();
    const item = make();
    const id = item.call.id;
    await store.insertCalls([item]);
    await store.claimDueCalls({ ...claimOptions, now: T0, limit: 1 });
    await store.updateCall({ id, expect: { token: 1 }, set: { status: 'scheduled', dueAt: T0 + 1, providerCallId: 'pc-1', leaseExpiresAt: null }, now: T0 });
    await store.claimDueCalls({ ...claimOptions, now: T0 + 1, limit: 1 });
    await store.updateCall({ id, expect: { token: 2 }, set: { status: 'initiated', providerCallId: 'pc-2' }, attempt: { number: 2, set: { providerCallId: 'pc-2' } }, now: T0 + 1 });
    expect((await store.findCallByProviderCallId('pc-2'))?.id).toBe(id);
    expect((await store.findCallByProviderCallId('pc-1'))?.id).toBe(id);
    expect((await store.findCallByProviderCallId('pc-1'))?.providerCallId).toBe('pc-2');
  });

  it('works without init, and init and dispose after close behave', async () => {
    const store = new MemoryStore();
    const make = factory();
    const [result] = await store.insertCalls([make()]);
    expect(result?.created).toBe(true);
    await store[Symbol.asyncDispose]();
    const getError = await rejectionOf(store.getCall(result!.call.id));
    expect(isCallSchedulerError(getError) && getError.code).toBe('STORE_CLOSED');
    const initError = await rejectionOf(store.init());
    expect(isCallSchedulerError(initError) && initError.code).toBe('STORE_CLOSED');
    await store.close();
  });
});

describe('MemoryStore options', () => {
  it('refuses options it does not know with INVALID_INPUT naming each, and takes none or {}', () => {
    let caught: unknown;
    try {
      new MemoryStore({ filename: 'calls.db' } as unknown as Record<string, never>);
    } catch (error) {
      caught = error;
    }
    expect(isCallSchedulerError(caught) && caught.code).toBe('INVALID_INPUT');
    expect(isCallSchedulerError(caught) && caught.issues.map((i) => i.path)).toEqual(['filename']);
    expect(() => new MemoryStore(null as unknown as Record<string, never>)).toThrow(/MemoryStore options/);
    expect(new MemoryStore({}).features).toEqual({ durable: false, shared: false });
    expect(new MemoryStore().features).toEqual({ durable: false, shared: false });
  });
});

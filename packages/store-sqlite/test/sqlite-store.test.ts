import { isCallSchedulerError } from '@call-scheduler/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';

const LEASE = { owner: 'scheduler-a', leaseExpiresAt: 60_000 };

describe('SqliteStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = tempDir();
    store = new SqliteStore({ filename: dir.file('calls.db') });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('stores a call with its JSON fields and reads it back unchanged', async () => {
    const item = scheduledCall(5_000, {
      timeZone: 'America/New_York',
      window: { mon: [{ start: '09:00', end: '17:00' }] },
      retry: { busy: { delaysMs: [60_000], maxAttempts: 3 } },
      metadata: { customer: 'c-1', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } },
      expiresAt: 99_000,
      idempotencyKey: 'key-1',
    });
    const [result] = await store.insertCalls([item]);
    expect(result?.created).toBe(true);
    expect(result?.events).toHaveLength(1);
    const stored = await store.getCall(item.call.id);
    expect(stored).toEqual(result?.call);
    expect(stored).toMatchObject({
      ...item.call,
      attemptCount: 0,
      lease: null,
      fencingToken: 0,
      providerCallId: null,
      providerStatus: null,
      updatedAt: item.call.createdAt,
    });
    const details = await store.getCallDetails(item.call.id);
    expect(details?.events).toEqual(result?.events);
    expect(details?.attempts).toEqual([]);
    expect(await store.getCall('missing')).toBeUndefined();
    expect(await store.getCallDetails('missing')).toBeUndefined();
  });

  it('de-duplicates by idempotency key against stored calls and within one batch', async () => {
    const first = scheduledCall(5_000, { idempotencyKey: 'k' });
    await store.insertCalls([first]);
    const again = scheduledCall(6_000, { idempotencyKey: 'k' });
    const a = scheduledCall(7_000, { idempotencyKey: 'other' });
    const b = scheduledCall(8_000, { idempotencyKey: 'other' });
    const plain = scheduledCall(9_000);
    const results = await store.insertCalls([again, a, b, plain]);
    expect(results.map((r) => [r.call.id, r.created, r.events.length])).toEqual([
      [first.call.id, false, 0],
      [a.call.id, true, 1],
      [a.call.id, false, 0],
      [plain.call.id, true, 1],
    ]);
    expect(await store.getCall(again.call.id)).toBeUndefined();
    expect(await store.getCall(b.call.id)).toBeUndefined();
  });

  it('inserts a large batch in one call, with strictly increasing event ids in input order', async () => {
    const items = Array.from({ length: 1_234 }, (_, i) => scheduledCall(10_000 + i));
    const results = await store.insertCalls(items);
    expect(results).toHaveLength(1_234);
    const ids = results.map((r) => r.events[0]?.id ?? 0);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
    expect(results.every((r, i) => r.events[0]?.callId === items[i]?.call.id)).toBe(true);
    const page = await store.listCalls({ limit: 1000, cursor: null, order: 'asc' });
    expect(page.items).toHaveLength(1000);
    expect(page.nextCursor).not.toBeNull();
  });

  it('claims due calls earliest first, with a lease, an attempt and a dispatching event', async () => {
    const late = scheduledCall(3_000);
    const early = scheduledCall(1_000);
    const notDue = scheduledCall(50_000);
    const sameTimeA = scheduledCall(2_000);
    const sameTimeB = scheduledCall(2_000);
    await store.insertCalls([late, early, notDue, sameTimeB, sameTimeA]);
    const claimed = await store.claimDueCalls({ now: 10_000, limit: 3, ...LEASE });
    expect(claimed.map((c) => c.call.id)).toEqual([early.call.id, sameTimeA.call.id, sameTimeB.call.id]);
    const first = claimed[0];
    expect(first?.call).toMatchObject({
      status: 'dispatching',
      dueAt: null,
      attemptCount: 1,
      fencingToken: 1,
      lease: { owner: 'scheduler-a', token: 1, expiresAt: 60_000 },
      updatedAt: 10_000,
    });
    expect(first?.events).toMatchObject([{ type: 'dispatching', attempt: 1, status: 'dispatching', at: 10_000 }]);
    const details = await store.getCallDetails(early.call.id);
    expect(details?.attempts).toEqual([
      {
        callId: early.call.id,
        number: 1,
        status: 'dispatching',
        providerCallId: null,
        providerStatus: null,
        startedAt: 10_000,
        endedAt: null,
        durationSeconds: null,
        error: null,
        schedulerId: LEASE.owner,
      },
    ]);
    const rest = await store.claimDueCalls({ now: 10_000, limit: 10, ...LEASE });
    expect(rest.map((c) => c.call.id)).toEqual([late.call.id]);
    expect(await store.claimDueCalls({ now: 10_000, limit: 10, ...LEASE })).toEqual([]);
  });

  it('onePerNumber skips numbers with an open call and takes one call per number', async () => {
    const live = scheduledCall(1_000, { to: '+10000000001' });
    await store.insertCalls([live]);
    await store.claimDueCalls({ now: 1_000, limit: 1, ...LEASE });
    const blocked = scheduledCall(1_500, { to: '+10000000001' });
    const twinA = scheduledCall(2_000, { to: '+10000000002' });
    const twinB = scheduledCall(2_500, { to: '+10000000002' });
    const other = scheduledCall(3_000, { to: '+10000000003' });
    await store.insertCalls([blocked, twinA, twinB, other]);
    const claimed = await store.claimDueCalls({ now: 5_000, limit: 10, onePerNumber: true, ...LEASE });
    expect(claimed.map((c) => c.call.id)).toEqual([twinA.call.id, other.call.id]);
    // Without the option the same claim takes everything due.
    const all = await store.claimDueCalls({ now: 5_000, limit: 10, ...LEASE });
    expect(all.map((c) => c.call.id)).toEqual([blocked.call.id, twinB.call.id]);
  });

  it('guards updates by fencing token, status and version, and appends events only when applied', async () => {
    const item = scheduledCall(1_000);
    await store.insertCalls([item]);
    const [claim] = await store.claimDueCalls({ now: 1_000, limit: 1, ...LEASE });
    const token = claim?.call.fencingToken ?? -1;

    const stale = await store.updateCall({
      id: item.call.id,
      expect: { token: token - 1 },
      set: { status: 'initiated' },
      events: [{ type: 'status', at: 2_000, attempt: 1, status: 'initiated', providerStatus: 'queued', data: null }],
      now: 2_000,
    });
    expect(stale).toBeUndefined();

    const applied = await store.updateCall({
      id: item.call.id,
      expect: { token, statuses: ['dispatching'] },
      set: { status: 'initiated', providerCallId: 'p-1', providerStatus: 'queued', leaseExpiresAt: 90_000 },
      attempt: { number: 1, set: { status: 'initiated', providerCallId: 'p-1', providerStatus: 'queued' } },
      events: [{ type: 'status', at: 2_000, attempt: 1, status: 'initiated', providerStatus: 'queued', data: { raw: 'queued' } }],
      now: 2_000,
    });
    expect(applied?.call).toMatchObject({
      status: 'initiated',
      providerCallId: 'p-1',
      lease: { owner: 'scheduler-a', token, expiresAt: 90_000 },
      version: (claim?.call.version ?? 0) + 1,
      updatedAt: 2_000,
    });
    expect(applied?.events).toMatchObject([{ type: 'status', callId: item.call.id, data: { raw: 'queued' } }]);
    expect(await store.findCallByProviderCallId('p-1')).toEqual(applied?.call);
    expect(await store.findCallByProviderCallId('p-2')).toBeUndefined();

    expect(await store.updateCall({ id: item.call.id, expect: { statuses: ['scheduled'] }, set: {}, now: 3_000 })).toBeUndefined();
    expect(await store.updateCall({ id: item.call.id, expect: { version: 1 }, set: {}, now: 3_000 })).toBeUndefined();
    expect(await store.updateCall({ id: 'missing', expect: { version: 1 }, set: {}, now: 3_000 })).toBeUndefined();

    // Releasing the lease: a later write with the old token fails.
    const released = await store.updateCall({
      id: item.call.id,
      expect: { token },
      set: { status: 'completed', endedAt: 4_000, leaseExpiresAt: null, error: null },
      attempt: { number: 1, set: { status: 'completed', endedAt: 4_000, durationSeconds: 12.5 } },
      now: 4_000,
    });
    expect(released?.call).toMatchObject({ status: 'completed', lease: null, fencingToken: token, endedAt: 4_000 });
    expect(await store.updateCall({ id: item.call.id, expect: { token }, set: { status: 'failed' }, now: 5_000 })).toBeUndefined();

    const details = await store.getCallDetails(item.call.id);
    expect(details?.attempts[0]).toMatchObject({ status: 'completed', durationSeconds: 12.5, providerCallId: 'p-1' });
    expect(details?.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'status']);
  });

  it('rolls the whole update back when the attempt does not exist', async () => {
    const item = scheduledCall(1_000);
    await store.insertCalls([item]);
    const error: unknown = await store
      .updateCall({
        id: item.call.id,
        expect: { statuses: ['scheduled'] },
        set: { status: 'canceled' },
        attempt: { number: 7, set: { status: 'canceled' } },
        events: [{ type: 'canceled', at: 2_000, attempt: null, status: 'canceled', providerStatus: null, data: null }],
        now: 2_000,
      })
      .catch((e: unknown) => e);
    expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
    expect(isCallSchedulerError(error) && error.issues.map((i) => i.path)).toEqual(['attempt.number']);
    expect((await store.getCall(item.call.id))?.status).toBe('scheduled');
    expect((await store.getCallDetails(item.call.id))?.events).toHaveLength(1);
    // Also with an empty attempt patch.
    const empty: unknown = await store
      .updateCall({ id: item.call.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, attempt: { number: 1, set: {} }, now: 3_000 })
      .catch((e: unknown) => e);
    expect(isCallSchedulerError(empty) && empty.issues.map((i) => i.path)).toEqual(['attempt.number']);
    expect((await store.getCall(item.call.id))?.status).toBe('scheduled');
  });

  it('names the call id that is already stored or repeated in a batch, and stores nothing of it', async () => {
    const stored = scheduledCall(1_000);
    await store.insertCalls([stored]);
    const fresh = scheduledCall(2_000);
    for (const batch of [
      [fresh, { ...stored, call: { ...stored.call, to: '+19999999999' } }],
      [fresh, scheduledCall(3_000), fresh],
    ]) {
      const error: unknown = await store.insertCalls(batch).catch((e: unknown) => e);
      expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
      expect(isCallSchedulerError(error) && error.issues.map((i) => i.path)).toEqual([`items.${batch.length - 1}.call.id`]);
      expect(await store.getCall(fresh.call.id)).toBeUndefined();
    }
    expect((await store.getCall(stored.call.id))?.to).toBe(stored.call.to);
  });

  it('takes over expired leases only, with a new token and a recovered event', async () => {
    const a = scheduledCall(1_000);
    const b = scheduledCall(1_000);
    await store.insertCalls([a, b]);
    await store.claimDueCalls({ now: 1_000, limit: 1, owner: 'old', leaseExpiresAt: 5_000 });
    await store.claimDueCalls({ now: 1_000, limit: 1, owner: 'old', leaseExpiresAt: 9_000 });
    expect(await store.nextWakeUpAt()).toBe(5_000);
    expect(await store.claimExpiredLeases({ now: 4_999, limit: 10, owner: 'new', leaseExpiresAt: 20_000 })).toEqual([]);
    const recovered = await store.claimExpiredLeases({ now: 5_000, limit: 10, owner: 'new', leaseExpiresAt: 20_000 });
    expect(recovered.map((r) => r.call.id)).toEqual([a.call.id]);
    expect(recovered[0]?.call).toMatchObject({ status: 'dispatching', fencingToken: 2, lease: { owner: 'new', token: 2, expiresAt: 20_000 } });
    expect(recovered[0]?.events).toMatchObject([{ type: 'recovered', attempt: 1, status: 'dispatching', at: 5_000 }]);
    // The old holder's token no longer writes.
    expect(await store.updateCall({ id: a.call.id, expect: { token: 1 }, set: { status: 'initiated' }, now: 6_000 })).toBeUndefined();
    expect(await store.nextWakeUpAt()).toBe(9_000);
  });

  it('answers the next wake-up from due calls and leases', async () => {
    expect(await store.nextWakeUpAt()).toBeNull();
    await store.insertCalls([scheduledCall(7_000), scheduledCall(3_000)]);
    expect(await store.nextWakeUpAt()).toBe(3_000);
    await store.claimDueCalls({ now: 3_000, limit: 1, owner: 'x', leaseExpiresAt: 4_000 });
    expect(await store.nextWakeUpAt()).toBe(4_000);
  });

  it('pages through calls by id in both orders without gaps or duplicates', async () => {
    const items = Array.from({ length: 25 }, (_, i) => scheduledCall(1_000 + i, { to: i % 2 === 0 ? '+10000000002' : '+10000000001' }));
    await store.insertCalls(items);
    for (const order of ['asc', 'desc'] as const) {
      const before = (await store.listCalls({ limit: 1000, cursor: null, order })).items.map((c) => c.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listCalls({ limit: 10, cursor, order });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        // A call inserted while paging neither shifts a page nor shows up in a desc listing.
        if (seen.length === 10) await store.insertCalls([scheduledCall(1_000_000, { to: '+10000000009' })]);
      } while (cursor !== null);
      if (order === 'desc') expect(seen).toEqual(before);
      else expect(seen).toEqual([...before, expect.any(String)]);
      expect(new Set(seen).size).toBe(seen.length);
    }
    const evens = await store.listCalls({ to: '+10000000002', limit: 100, cursor: null, order: 'asc' });
    expect(evens.items).toHaveLength(13);
    expect(evens.nextCursor).toBeNull();
    const window = await store.listCalls({ atFrom: 1_010, atUntil: 1_015, limit: 100, cursor: null, order: 'asc' });
    expect(window.items.map((c) => c.at)).toEqual([1_010, 1_011, 1_012, 1_013, 1_014]);
    await store.claimDueCalls({ now: 1_001, limit: 10, owner: 'x', leaseExpiresAt: 9_999 });
    const dispatching = await store.listCalls({ statuses: ['dispatching'], limit: 100, cursor: null, order: 'desc' });
    expect(dispatching.items.map((c) => c.id)).toEqual([items[1]?.call.id, items[0]?.call.id]);
    expect((await store.listCalls({ statuses: [], limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
  });

  it.each(['not base64!', '', 'bm90IGpzb24', Buffer.from('{"x":1}').toString('base64url'), Buffer.from('null').toString('base64url')])(
    'rejects the malformed cursor %j with INVALID_INPUT naming cursor',
    async (cursor) => {
      const error: unknown = await store.listCalls({ limit: 10, cursor, order: 'asc' }).catch((e: unknown) => e);
      expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
      expect(isCallSchedulerError(error) && error.issues.map((i) => i.path)).toEqual(['cursor']);
    },
  );

  it('lists events after an id, optionally of one call', async () => {
    const [a, b] = await store.insertCalls([scheduledCall(1_000), scheduledCall(2_000)]);
    await store.claimDueCalls({ now: 5_000, limit: 10, owner: 'x', leaseExpiresAt: 9_000 });
    const all = (await store.listEvents({ after: null, limit: 100 })).items;
    expect(all.map((e) => e.type)).toEqual(['scheduled', 'scheduled', 'dispatching', 'dispatching']);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => x - y));
    const afterFirst = (await store.listEvents({ after: all[0]?.cursor ?? null, limit: 2 })).items;
    expect(afterFirst.map((e) => e.id)).toEqual([all[1]?.id, all[2]?.id]);
    const ofB = (await store.listEvents({ after: null, limit: 100, callId: b?.call.id ?? '' })).items;
    expect(ofB.map((e) => [e.callId, e.type])).toEqual([
      [b?.call.id, 'scheduled'],
      [b?.call.id, 'dispatching'],
    ]);
    expect(a?.events[0]?.id).toBe(all[0]?.id);
  });

  it('counts attempts to a number since an instant', async () => {
    await store.insertCalls([scheduledCall(1_000, { to: '+10000000001' }), scheduledCall(1_000, { to: '+10000000001' }), scheduledCall(1_000, { to: '+10000000002' })]);
    await store.claimDueCalls({ now: 2_000, limit: 1, owner: 'x', leaseExpiresAt: 9_000 });
    await store.claimDueCalls({ now: 3_000, limit: 5, owner: 'x', leaseExpiresAt: 9_000 });
    expect(await store.countAttempts({ to: '+10000000001', since: 0 })).toBe(2);
    expect(await store.countAttempts({ to: '+10000000001', since: 2_500 })).toBe(1);
    expect(await store.countAttempts({ to: '+10000000002', since: 0 })).toBe(1);
    expect(await store.countAttempts({ to: '+19999999999', since: 0 })).toBe(0);
  });
});

import type { CallRecord, CallSchedulerError, UpdateResult } from '@call-scheduler/core';
import { isCallSchedulerError } from '@call-scheduler/core';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { MIGRATIONS } from '../src/migrations/migrations.js';
import type { PostgresStoreOptions } from '../src/index.js';
import { eventually, scheduledCall } from './support/calls.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

const db = useTestDatabase();
const opened: PostgresStore[] = [];
function open(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  const store = new PostgresStore({ pool: db.pool(), schema: db.schema('cs_store'), ...options } as PostgresStoreOptions);
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

function invalidPaths(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(isCallSchedulerError(error)).toBe(true);
    expect((error as CallSchedulerError).code).toBe('INVALID_INPUT');
    return ((error as CallSchedulerError).issues ?? []).map((issue) => issue.path);
  }
  throw new Error('expected INVALID_INPUT');
}

describe('PostgresStore options', () => {
  it('refuses bad options with INVALID_INPUT naming each field', () => {
    expect(invalidPaths(() => new PostgresStore({} as PostgresStoreOptions))).toEqual(['pool']);
    expect(invalidPaths(() => new PostgresStore({ pool: db.pool(), connectionString: TEST_URL } as unknown as PostgresStoreOptions))).toEqual(['connectionString']);
    expect(invalidPaths(() => new PostgresStore({ pool: {} } as unknown as PostgresStoreOptions))).toEqual(['pool']);
    expect(
      invalidPaths(
        () =>
          new PostgresStore({
            connectionString: TEST_URL,
            schema: 'bad-name; drop table x',
            groupCommit: 'yes',
            eventsNotifyIntervalMs: -1,
            poolSize: 1,
            preparedStatements: 'no',
          } as unknown as PostgresStoreOptions),
      ).sort(),
    ).toEqual(['eventsNotifyIntervalMs', 'groupCommit', 'poolSize', 'preparedStatements', 'schema']);
    expect(invalidPaths(() => new PostgresStore({ connectionString: TEST_URL, colour: 'red' } as unknown as PostgresStoreOptions))).toEqual(['']);
    expect(invalidPaths(() => new PostgresStore(null as unknown as PostgresStoreOptions))).toEqual(['']);
  });
});

describe('PostgresStore lifecycle', () => {
  it('init runs once, use after close is STORE_CLOSED, and a caller pool stays open', async () => {
    const store = open();
    await Promise.all([store.init(), store.init()]);
    await store.insertCalls([scheduledCall(5_000)]);
    await store.close();
    await expect(store.getCall('x')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(store.init()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    // The pool the test owns still works.
    expect((await db.pool().query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('with a connectionString it makes its own pool and ends it on close', async () => {
    const schema = db.schema('cs_url');
    const url = `${TEST_URL}${TEST_URL.includes('?') ? '&' : '?'}application_name=${schema}`;
    const store = new PostgresStore({ connectionString: url, schema, poolSize: 3 });
    const [result] = await store.insertCalls([scheduledCall(5_000)]);
    expect(await store.getCall(result!.call.id)).toMatchObject({ id: result!.call.id, status: 'scheduled', dueAt: 5_000 });
    const connections = async (): Promise<number> =>
      (await db.pool().query('select count(*)::int as n from pg_stat_activity where application_name = $1', [schema])).rows[0].n as number;
    expect(await connections()).toBeGreaterThan(0);
    await store.close();
    // A backend leaves pg_stat_activity a moment after its client hung up.
    await eventually(async () => ((await connections()) === 0 ? true : undefined), 5_000, 'the pool to end');
  });

  it('an unreachable server is STORE_INIT_FAILED, and init can be retried', async () => {
    const store = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: db.schema() });
    await expect(store.init()).rejects.toMatchObject({ code: 'STORE_INIT_FAILED' });
    await expect(store.init()).rejects.toMatchObject({ code: 'STORE_INIT_FAILED' });
    await store.close();
  });

  it('several handles migrating one new schema at once migrate it exactly once', async () => {
    const schema = db.schema('cs_race');
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ pool: db.pool(), schema }));
    await Promise.all(stores.map((store) => store.init()));
    const rows = await db.pool().query(`select name from "${schema}".schema_migrations`);
    expect(rows.rows.map((row: { name: string }) => row.name)).toEqual(MIGRATIONS.map(([name]) => name));
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a schema that a newer version migrated (STORE_SCHEMA_TOO_NEW), touching nothing', async () => {
    const first = open();
    await first.init();
    await db.pool().query(`insert into "${first.schema}".schema_migrations (name) values ('9999_from_the_future')`);
    const second = new PostgresStore({ pool: db.pool(), schema: first.schema });
    await expect(second.init()).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
    await expect(second.init()).rejects.toThrow(/9999_from_the_future/);
    await second.close();
  });

  it('stores times as bigint epoch ms and reads them back as numbers', async () => {
    const store = open();
    const far = Date.UTC(2200, 0, 1);
    const [result] = await store.insertCalls([scheduledCall(far, { expiresAt: far + 1 })]);
    const call = await store.getCall(result!.call.id);
    expect(call?.dueAt).toBe(far);
    expect(call?.expiresAt).toBe(far + 1);
    const types = await db.pool().query(
      `select data_type from information_schema.columns where table_schema = $1 and table_name = 'calls' and column_name in ('at', 'due_at', 'created_at')`,
      [store.schema],
    );
    expect(types.rows.map((row: { data_type: string }) => row.data_type)).toEqual(['bigint', 'bigint', 'bigint']);
  });

  it('says what it is: durable, shared by every host, and networked', () => {
    expect(open().features).toEqual({ durable: true, shared: true, networked: true });
  });

  it('health says the store answers, and that nothing is watched before watch()', async () => {
    const store = open();
    const health = await store.health();
    expect(health).toMatchObject({ ok: true, watching: false, details: { schema: store.schema, migration: MIGRATIONS[MIGRATIONS.length - 1]![0], notify: true } });
  });
});

describe('PostgresStore group commit', () => {
  it('writes of one event-loop turn share one transaction; without groupCommit each has its own', async () => {
    const xidOf = (cursor: string): string => cursor.split('.')[0] as string;
    const grouped = open();
    const [a, b] = await Promise.all([grouped.insertCalls([scheduledCall(1)]), grouped.insertCalls([scheduledCall(2)])]);
    expect(xidOf(a[0]!.events[0]!.cursor)).toBe(xidOf(b[0]!.events[0]!.cursor));

    const single = open({ groupCommit: false });
    const [c, d] = await Promise.all([single.insertCalls([scheduledCall(1)]), single.insertCalls([scheduledCall(2)])]);
    expect(xidOf(c[0]!.events[0]!.cursor)).not.toBe(xidOf(d[0]!.events[0]!.cursor));
  });

  it('a failing write of a group is undone alone and gets its own error; the others commit', async () => {
    const store = open();
    const [stored] = await store.insertCalls([scheduledCall(1)]);
    const duplicate = scheduledCall(2, { id: stored!.call.id });
    const fine = scheduledCall(3);
    const [bad, good] = await Promise.allSettled([store.insertCalls([duplicate]), store.insertCalls([fine])]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_INPUT' });
    expect(String((bad as PromiseRejectedResult).reason.message)).toContain('items.0.call.id');
    expect(good.status).toBe('fulfilled');
    expect(await store.getCall(fine.call.id)).toMatchObject({ id: fine.call.id });
    expect((await store.getCall(stored!.call.id))?.dueAt).toBe(1);
  });

  it('an attempt patch naming a missing attempt is INVALID_INPUT and writes nothing, also inside a group', async () => {
    const store = open();
    const [x] = await store.insertCalls([scheduledCall(1)]);
    const [y] = await store.insertCalls([scheduledCall(1, { to: '+14155550199' })]);
    const [bad, good] = await Promise.allSettled([
      store.updateCall({ id: x!.call.id, expect: { version: 1 }, set: { metadata: { a: 1 } }, attempt: { number: 7, set: { status: 'failed' } }, now: 10 }),
      store.updateCall({ id: y!.call.id, expect: { version: 1 }, set: { metadata: { b: 2 } }, now: 10 }),
    ]);
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_INPUT' });
    expect(good.status).toBe('fulfilled');
    expect((await store.getCall(x!.call.id))?.metadata).toBeNull();
    expect((await store.getCall(y!.call.id))?.metadata).toEqual({ b: 2 });
  });
});

describe('PostgresStore merged writes', () => {
  it('updateCalls of one turn on different calls run as one statement with the results each would have had alone', async () => {
    const store = open();
    const inserted = await store.insertCalls(Array.from({ length: 6 }, (_, i) => scheduledCall(1, { to: `+1415555030${i}` })));
    const claimed = await store.claimDueCalls({ now: 10, limit: 10, owner: 'h', leaseExpiresAt: 50_000 });
    expect(claimed).toHaveLength(6);
    const [a, b, c, d, e, f] = claimed.map((r) => r.call) as [CallRecord, CallRecord, CallRecord, CallRecord, CallRecord, CallRecord];
    const status = (s: 'ringing' | 'completed') => [{ type: 'status' as const, at: 20, attempt: 1, status: s, providerStatus: s, data: null }];
    const results = await Promise.allSettled([
      // a: a status write with the attempt and an event
      store.updateCall({ id: a.id, expect: { token: a.fencingToken, statuses: ['dispatching'] }, set: { status: 'ringing', providerCallId: 'pa', leaseExpiresAt: 60_000 }, attempt: { number: 1, set: { status: 'ringing', providerCallId: 'pa' } }, events: status('ringing'), now: 20 }),
      // b: a stale token: nothing
      store.updateCall({ id: b.id, expect: { token: b.fencingToken + 1 }, set: { status: 'ringing' }, events: status('ringing'), now: 20 }),
      // c: the end, releasing the lease, metadata set to null, an error
      store.updateCall({ id: c.id, expect: { token: c.fencingToken }, set: { status: 'completed', endedAt: 20, leaseExpiresAt: null, metadata: null, error: { code: 'X', message: 'y' } }, attempt: { number: 1, set: { status: 'completed', endedAt: 20, durationSeconds: 1.5 } }, events: status('completed'), now: 20 }),
      // d: an attempt that does not exist: INVALID_INPUT, nothing written
      store.updateCall({ id: d.id, expect: { token: d.fencingToken }, set: { status: 'ringing' }, attempt: { number: 9, set: { status: 'ringing' } }, now: 20 }),
      // e: a version condition that fails
      store.updateCall({ id: e.id, expect: { version: e.version + 5 }, set: { metadata: { x: 1 } }, now: 20 }),
      // f and f again: the same call twice in one turn, the second conditioned on the first
      store.updateCall({ id: f.id, expect: { version: f.version }, set: { metadata: { step: 1 } }, now: 20 }),
      store.updateCall({ id: f.id, expect: { version: f.version + 1 }, set: { metadata: { step: 2 } }, now: 21 }),
    ]);
    const [ra, rb, rc, rd, re, rf1, rf2] = results;
    expect(ra).toMatchObject({ status: 'fulfilled', value: { call: { status: 'ringing', providerCallId: 'pa', lease: { owner: 'h', expiresAt: 60_000 } } } });
    expect((ra as PromiseFulfilledResult<UpdateResult>).value.events.map((ev) => ev.status)).toEqual(['ringing']);
    expect(rb).toEqual({ status: 'fulfilled', value: undefined });
    expect(rc).toMatchObject({ status: 'fulfilled', value: { call: { status: 'completed', lease: null, metadata: null, error: { code: 'X', message: 'y' }, endedAt: 20 } } });
    expect(rd.status).toBe('rejected');
    expect((rd as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_INPUT' });
    expect(re).toEqual({ status: 'fulfilled', value: undefined });
    expect(rf1).toMatchObject({ status: 'fulfilled', value: { call: { metadata: { step: 1 } } } });
    expect(rf2).toMatchObject({ status: 'fulfilled', value: { call: { metadata: { step: 2 } } } });

    const details = await store.getCallDetails(c.id);
    expect(details?.attempts[0]).toMatchObject({ status: 'completed', endedAt: 20, durationSeconds: 1.5, providerCallId: null });
    expect(details?.call.timeZone).toBeNull();
    expect((await store.getCall(b.id))?.status).toBe('dispatching');
    expect((await store.getCall(d.id))?.status).toBe('dispatching');
    expect((await store.getCallDetails(a.id))?.attempts[0]).toMatchObject({ status: 'ringing', providerCallId: 'pa' });
    void inserted;
  });
});

describe('PostgresStore idempotency across handles', () => {
  it('two handles inserting one idempotency key at once store one call', async () => {
    const first = open();
    await first.init();
    const second = open({ schema: first.schema });
    const key = 'same-key';
    const [a, b] = await Promise.all([
      first.insertCalls([scheduledCall(1, { idempotencyKey: key })]),
      second.insertCalls([scheduledCall(1, { idempotencyKey: key })]),
    ]);
    expect(a[0]!.call.id).toBe(b[0]!.call.id);
    expect([a[0]!.created, b[0]!.created].sort()).toEqual([false, true]);
    const count = await db.pool().query(`select count(*)::int as n from "${first.schema}".calls`);
    expect(count.rows[0].n).toBe(1);
  });
});

// Keeps the pg import used for the type of the shared pool in this file.
export type { pg };

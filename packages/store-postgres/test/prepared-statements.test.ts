import type { CallRecord } from '@call-scheduler/core';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { scheduledCall } from './support/calls.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

/*
 * The claims and the wake-up read go out as named statements (each connection plans them once);
 * `preparedStatements: false` sends everything unnamed. The stores here have a pool of ONE
 * connection, so `pg_prepared_statements` (which shows the statements of the session asking) read
 * through that pool shows what the store prepared.
 */
const db = useTestDatabase();
const opened: { store: PostgresStore; pool: pg.Pool }[] = [];

afterEach(async () => {
  for (const { store, pool } of opened.splice(0)) {
    await store.close();
    await pool.end();
  }
});

async function open(options: { preparedStatements?: boolean } = {}): Promise<{ store: PostgresStore; pool: pg.Pool; schema: string }> {
  const pool = new pg.Pool({ connectionString: TEST_URL, max: 1 });
  const schema = db.schema('cs_prep');
  const store = new PostgresStore({ pool, schema, notify: false, ...options });
  await store.init();
  opened.push({ store, pool });
  return { store, pool, schema };
}

const claim = (now: number) => ({ now, limit: 10, owner: 'host-a', leaseExpiresAt: now + 30_000 });

/** `store.claimDueCallsWithWakeUp(claim(now))` (the method is optional in `CallStore`; PostgresStore has it). */
function claimWithWakeUp(store: PostgresStore, now: number): ReturnType<NonNullable<PostgresStore['claimDueCallsWithWakeUp']>> {
  if (store.claimDueCallsWithWakeUp === undefined) throw new Error('PostgresStore has no claimDueCallsWithWakeUp');
  return store.claimDueCallsWithWakeUp(claim(now));
}

/** `store.nextWakeUpTimes()` (optional in `CallStore` too). */
function wakeUpTimes(store: PostgresStore): ReturnType<NonNullable<PostgresStore['nextWakeUpTimes']>> {
  if (store.nextWakeUpTimes === undefined) throw new Error('PostgresStore has no nextWakeUpTimes');
  return store.nextWakeUpTimes();
}

/** Ends `call` completed at 3,000: fenced by its lease, with its attempt and a `completed` event. */
function endCall(store: PostgresStore, call: CallRecord): ReturnType<PostgresStore['updateCall']> {
  return store.updateCall({
    id: call.id,
    expect: { token: call.fencingToken },
    set: { status: 'completed', endedAt: 3_000, leaseExpiresAt: null },
    attempt: { number: 1, set: { status: 'completed', endedAt: 3_000 } },
    events: [{ type: 'completed', at: 3_000, attempt: 1, status: 'completed', providerStatus: null, data: null }],
    now: 3_000,
  });
}

async function preparedNames(pool: pg.Pool): Promise<{ name: string; statement: string }[]> {
  return (await pool.query<{ name: string; statement: string }>(`select name, statement from pg_prepared_statements where name like 'call_scheduler_%' order by name`)).rows;
}

describe('prepared statements', () => {
  it('claims and the wake-up read are prepared once per connection and answer as before', async () => {
    const { store, pool } = await open();
    await store.insertCalls([scheduledCall(1_000), scheduledCall(2_000), scheduledCall(3_000)]);
    const first = await claimWithWakeUp(store, 1_500);
    expect(first.claimed).toHaveLength(1);
    expect(first.wakeUp.due).toBe(2_000);
    const second = await claimWithWakeUp(store, 2_500);
    expect(second.claimed.map((r) => r.call.status)).toEqual(['dispatching']);
    expect(second.wakeUp.due).toBe(3_000);
    expect((await store.claimDueCalls(claim(3_500))).map((r) => r.call.status)).toEqual(['dispatching']);
    expect(await store.claimExpiredLeases(claim(40_000))).toHaveLength(3);
    expect(await wakeUpTimes(store)).toEqual({ due: null, leaseExpiry: 70_000 });
    const names = await preparedNames(pool);
    // claimDueCallsWithWakeUp, claimDueCalls, claimExpiredLeases, nextWakeUpTimes: each once.
    expect(names).toHaveLength(4);
    expect(names.every((n) => !/\bc\.\*/.test(n.statement))).toBe(true);
  });

  it('a write of one call (not merged with others) is prepared by its shape, and answers as before', async () => {
    const { store, pool } = await open();
    await store.insertCalls([scheduledCall(1_000), scheduledCall(2_000)]);
    const claimed = (await claimWithWakeUp(store, 2_500)).claimed.map((r) => r.call);
    expect(claimed).toHaveLength(2);
    // One after the other: each runs alone, with the same shape (a fenced end with an attempt and an event).
    for (const call of claimed) {
      const ended = await endCall(store, call);
      expect(ended?.call).toMatchObject({ id: call.id, status: 'completed', endedAt: 3_000, lease: null });
      expect(ended?.events.map((e) => e.type)).toEqual(['completed']);
    }
    // A write whose condition fails writes nothing, as before.
    expect(await store.updateCall({ id: claimed[0]!.id, expect: { token: 99 }, set: { status: 'failed' }, now: 3_100 })).toBeUndefined();
    const updates = (await preparedNames(pool)).filter((n) => n.statement.startsWith('with u as (update'));
    expect(updates).toHaveLength(2);
    expect((await store.getCall(claimed[0]!.id))?.status).toBe('completed');
  });

  it('a result type changed under a write that runs inside a group commit: the write runs again and succeeds', async () => {
    const { store, pool, schema } = await open();
    const [a, b] = await store.insertCalls([scheduledCall(1_000), scheduledCall(1_100)]);
    const claimed = (await claimWithWakeUp(store, 2_000)).claimed.map((r) => r.call);
    expect(claimed).toHaveLength(2);
    // Prepares the end's shape on the store's one connection.
    expect((await endCall(store, claimed[0]!))?.call.status).toBe('completed');
    await pool.query(`alter table "${schema}".calls alter column error_message type varchar(2000)`);
    // In one turn: an insert that fails (the id is taken) and the prepared end. The group commit
    // runs them in one transaction, then each in a savepoint; there the end is refused (the
    // transaction cannot send it again), and it runs once more alone, unnamed.
    const [insert, ended] = await Promise.allSettled([store.insertCalls([scheduledCall(5_000, { id: a!.call.id })]), endCall(store, claimed[1]!)]);
    expect(insert.status).toBe('rejected');
    expect(ended.status).toBe('fulfilled');
    expect(ended.status === 'fulfilled' ? ended.value?.call : undefined).toMatchObject({ id: b!.call.id, status: 'completed' });
    expect((await store.getCall(b!.call.id))?.status).toBe('completed');
  });

  it('preparedStatements: false prepares nothing', async () => {
    const { store, pool } = await open({ preparedStatements: false });
    await store.insertCalls([scheduledCall(1_000)]);
    expect((await claimWithWakeUp(store, 1_500)).claimed).toHaveLength(1);
    expect(await wakeUpTimes(store)).toEqual({ due: null, leaseExpiry: 31_500 });
    expect(await preparedNames(pool)).toEqual([]);
  });

  it('a column added to calls (a later migration, another host) leaves the prepared claims working', async () => {
    const { store, pool, schema } = await open();
    await store.insertCalls([scheduledCall(1_000), scheduledCall(2_000)]);
    expect((await claimWithWakeUp(store, 1_500)).claimed).toHaveLength(1);
    await pool.query(`alter table "${schema}".calls add column added_later text`);
    const after = await claimWithWakeUp(store, 2_500);
    expect(after.claimed.map((r) => r.call.dueAt)).toEqual([null]);
    expect(after.claimed[0]?.call.status).toBe('dispatching');
    // Still naming statements (a claim returning c.* would have been refused and turned naming off).
    expect(await wakeUpTimes(store)).toEqual({ due: null, leaseExpiry: 31_500 });
    expect(await preparedNames(pool)).toHaveLength(2);
  });

  it('a result type changed under the connection: the statement runs again unnamed, and nothing more is named', async () => {
    const { store, pool, schema } = await open();
    await store.insertCalls([scheduledCall(1_000), scheduledCall(2_000)]);
    expect((await claimWithWakeUp(store, 1_500)).claimed).toHaveLength(1);
    const [prepared] = await preparedNames(pool);
    expect(prepared).toBeDefined();
    await pool.query(`alter table "${schema}".calls alter column error_message type varchar(2000)`);
    // What the store meets: PostgreSQL refuses the prepared claim now (before running anything).
    const parameters = Math.max(...[...prepared!.statement.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const client = await pool.connect();
    try {
      // Told by its SQLSTATE and routine (the message follows the server's lc_messages).
      await expect(client.query(`execute ${prepared!.name}(${Array(parameters).fill('null').join(', ')})`)).rejects.toMatchObject({ code: '0A000', routine: 'RevalidateCachedQuery' });
    } finally {
      client.release();
    }
    const after = await claimWithWakeUp(store, 2_500);
    expect(after.claimed).toHaveLength(1);
    expect(after.claimed[0]?.call.status).toBe('dispatching');
    expect(after.claimed[0]?.events.map((e) => e.type)).toEqual(['dispatching']);
    expect(await wakeUpTimes(store)).toEqual({ due: null, leaseExpiry: 31_500 });
    // The wake-up read was not prepared before the refusal, and is not now.
    expect((await preparedNames(pool)).map((n) => n.name)).toEqual([prepared!.name]);
  });
});

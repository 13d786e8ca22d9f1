import type { CallStoreChange } from '@call-scheduler/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import type { PostgresStoreCommonOptions } from '../src/index.js';
import { eventually, scheduledCall } from './support/calls.js';
import { useTestDatabase } from './support/database.js';

const db = useTestDatabase();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A watching handle and a writing handle (on another pool) of one new schema. */
async function watcherAndWriter(
  watcherOptions: Partial<PostgresStoreCommonOptions> = {},
  writerOptions: Partial<PostgresStoreCommonOptions> = {},
): Promise<{ watcher: PostgresStore; writer: PostgresStore; changes: CallStoreChange[] }> {
  const watcher = new PostgresStore({ pool: db.pool(), schema: db.schema('cs_watch'), ...watcherOptions });
  await watcher.init();
  const writer = new PostgresStore({ pool: db.peerPool(), schema: watcher.schema, ...writerOptions });
  await writer.init();
  const changes: CallStoreChange[] = [];
  const watch = await watcher.watch((change) => changes.push(change));
  cleanups.push(async () => {
    await watch.close();
    await watcher.close();
    await writer.close();
  });
  return { watcher, writer, changes };
}

const dueAts = (changes: readonly CallStoreChange[]): number[] => changes.flatMap((c) => (c.dueAt !== undefined ? [c.dueAt] : []));

describe('PostgresStore.watch (LISTEN/NOTIFY)', () => {
  it("another handle's insert that makes a call due earliest reaches the watcher with its due time", async () => {
    const { watcher, writer, changes } = await watcherAndWriter();
    expect(await watcher.health()).toMatchObject({ ok: true, watching: true });
    await writer.insertCalls([scheduledCall(50_000)]);
    await eventually(() => (dueAts(changes).includes(50_000) ? true : undefined), 5_000, 'the NOTIFY of 50000');

    // Later than the earliest stored: no due-time notification, only "events were committed".
    changes.length = 0;
    await writer.insertCalls([scheduledCall(90_000)]);
    await eventually(() => (changes.some((c) => c.events === true) ? true : undefined), 5_000, 'the events NOTIFY');
    expect(dueAts(changes)).toEqual([]);

    // A reschedule that moves a call earlier than everything announces it.
    const [later] = await writer.insertCalls([scheduledCall(95_000)]);
    await writer.updateCall({ id: later!.call.id, expect: { statuses: ['scheduled'] }, set: { status: 'scheduled', dueAt: 10_000 }, now: 1 });
    await eventually(() => (dueAts(changes).includes(10_000) ? true : undefined), 5_000, 'the NOTIFY of 10000');
    expect(dueAts(changes)).toEqual([10_000]);
  });

  it('a busy writer sends few NOTIFYs: one per earliest-due move, events at most one per interval', async () => {
    const { writer, changes } = await watcherAndWriter({}, { eventsNotifyIntervalMs: 200 });
    const started = Date.now();
    // 40 sequential writes, each due later than the first: only the first moves the earliest.
    for (let i = 0; i < 40; i++) await writer.insertCalls([scheduledCall(1_000_000 + i)]);
    const elapsed = Date.now() - started;
    await eventually(() => (changes.some((c) => c.events === true) ? true : undefined), 5_000, 'an events NOTIFY');
    const sent = (await writer.health()).details?.notifications as number;
    expect(sent).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 200));
    expect(sent).toBeLessThan(40);
    expect(dueAts(changes)).toEqual([1_000_000]);
  });

  it('a lost listener reconnects with back-off, says watching: false meanwhile, then resyncs', async () => {
    const { watcher, writer, changes } = await watcherAndWriter({ listenReconnectDelayMs: 400 });
    await writer.insertCalls([scheduledCall(70_000)]);
    await eventually(() => (dueAts(changes).includes(70_000) ? true : undefined), 5_000, 'the first NOTIFY');

    const killed = await db.pool().query(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity where query = $1`,
      [`listen "${watcher.schema}_changes"`],
    );
    expect(killed.rowCount).toBe(1);
    await eventually(async () => ((await watcher.health()).watching === false ? true : undefined), 5_000, 'watching: false');
    changes.length = 0;
    await eventually(async () => ((await watcher.health()).watching === true ? true : undefined), 10_000, 'watching again');
    // After the reconnection every watcher hears the current earliest due time (what it may have missed).
    await eventually(() => (changes.some((c) => c.dueAt === 70_000 && c.events === true) ? true : undefined), 5_000, 'the resync change');
    expect((await watcher.health()).details).toMatchObject({ listenReconnects: 1 });

    await writer.insertCalls([scheduledCall(20_000)]);
    await eventually(() => (dueAts(changes).includes(20_000) ? true : undefined), 5_000, 'a NOTIFY after the reconnection');
  });

  it('notify: false sends no NOTIFY and listens to nothing (PgBouncer in transaction mode)', async () => {
    const { watcher, writer, changes } = await watcherAndWriter({ notify: false }, { notify: false });
    await writer.insertCalls([scheduledCall(5_000)]);
    await writer.claimDueCalls({ now: 6_000, limit: 10, owner: 'w', leaseExpiresAt: 9_000 });
    expect((await writer.health()).details).toMatchObject({ notify: false, notifications: 0 });
    expect(await watcher.health()).toMatchObject({ ok: true, watching: false });
    const listening = await db.pool().query(`select count(*)::int as n from pg_stat_activity where query like 'listen "${watcher.schema}%'`);
    expect(listening.rows[0].n).toBe(0);
    expect(changes).toEqual([]);
  });

  it('closing the last watch gives the LISTEN connection back', async () => {
    const store = new PostgresStore({ pool: db.pool(), schema: db.schema('cs_watch') });
    cleanups.push(() => store.close());
    const one = await store.watch(() => undefined);
    const two = await store.watch(() => undefined);
    await one.close();
    expect((await store.health()).watching).toBe(true);
    await two.close();
    expect((await store.health()).watching).toBe(false);
    const listening = await db.pool().query(`select count(*)::int as n from pg_stat_activity where query = $1 and state <> 'idle'`, [`listen "${store.schema}_changes"`]);
    expect(listening.rows[0].n).toBe(0);
  });
});

import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectStatements } from '../src/database/direct-statements.js';
import { insertRows } from '../src/database/hot-inserts.js';
import { SqliteStore } from '../src/index.js';
import { scheduledCall } from './support/records.js';
import type { StoreTables } from '../src/database/tables.js';

let db: Kysely<StoreTables> | undefined;

afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

/** A database with an `events` table like the store's, whose `data` column has a DEFAULT to tell DEFAULT from NULL. */
async function open(): Promise<{ db: Kysely<StoreTables>; raw: Database.Database }> {
  const raw = new Database(':memory:');
  raw.exec(`create table events (id integer primary key autoincrement, call_id text not null, type text not null, at integer not null,
    attempt integer, status text not null, provider_status text, data text default '{"d":1}')`);
  db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: raw }) });
  return { db, raw };
}

const row = (i: number, extra: Record<string, unknown> = {}) => ({ call_id: `c${i}`, type: 'scheduled', at: i, attempt: null, status: 'scheduled', provider_status: null, data: null, ...extra });

describe('insertRows', () => {
  it('inserts rows of one shape in one statement and answers the last rowid (the rows get consecutive ids in VALUES order)', async () => {
    const { db, raw } = await open();
    const last = await db.transaction().execute((trx) => insertRows(new DirectStatements(raw, raw), trx, 'events', [row(1), row(2), row(3, { data: '{"x":1}' })]));
    expect(Number(last)).toBe(3);
    expect(raw.prepare('select call_id, at, data from events order by id').all()).toEqual([
      { call_id: 'c1', at: 1, data: null },
      { call_id: 'c2', at: 2, data: null },
      { call_id: 'c3', at: 3, data: '{"x":1}' },
    ]);
    // The same shape again: the same SQL text (and so the same prepared statement).
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw, raw), trx, 'events', [row(4), row(5), row(6)])))).toBe(6);
    expect(raw.prepare('select count(*) as n from events').get()).toEqual({ n: 6 });
    // AUTOINCREMENT never reuses an id, even when the newest rows were deleted: the next ids follow 6.
    raw.exec('delete from events where id > 4');
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw, raw), trx, 'events', [row(7), row(8)])))).toBe(8);
    expect(raw.prepare('select id, call_id from events where id > 4 order by id').all()).toEqual([
      { id: 7, call_id: 'c7' },
      { id: 8, call_id: 'c8' },
    ]);
  });

  it('leaves rows of mixed shapes, or with an undefined value, to kysely, which answers as before (a multi-row insert fills a missing column with NULL, a lone row leaves it to its DEFAULT)', async () => {
    const { db, raw } = await open();
    const { data: _omitted, ...withoutData } = row(2);
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw, raw), trx, 'events', [row(1), withoutData as ReturnType<typeof row>])))).toBe(2);
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw, raw), trx, 'events', [row(3, { data: undefined })])))).toBe(3);
    expect(raw.prepare('select call_id, data from events order by id').all()).toEqual([
      { call_id: 'c1', data: null },
      { call_id: 'c2', data: null },
      { call_id: 'c3', data: '{"d":1}' },
    ]);
  });
});

describe('event ids from the last rowid', () => {
  it('matches the stored ids across insert chunks of 500 (1,200 events in one insertCalls)', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    try {
      const items = Array.from({ length: 600 }, (_, i) => {
        const item = scheduledCall(10_000 + i);
        const [event] = item.events;
        if (event === undefined) throw new Error('the fixture has no event');
        return { ...item, events: [event, { ...event, at: event.at + 1 }] };
      });
      const results = await store.insertCalls(items);
      const returned = results.flatMap((result) => result.events.map((event) => [event.id, event.callId, event.at] as const));
      expect(returned).toHaveLength(1_200);
      const stored: (readonly [number, string, number])[] = [];
      for (let after: string | null = null; ; ) {
        const page = await store.listEvents({ after, limit: 1_000 });
        if (page.items.length === 0) break;
        stored.push(...page.items.map((event) => [event.id, event.callId, event.at] as const));
        after = page.nextCursor;
      }
      expect(stored).toEqual(returned);
    } finally {
      await store.close();
    }
  });

  it('refuses a hot statement outside a transaction', () => {
    const raw = new Database(':memory:');
    try {
      const direct = new DirectStatements(raw, raw);
      expect(() => direct.rows(CompiledQuery.raw('select 1 as one', []))).toThrow(/outside a transaction/);
      raw.exec('begin');
      expect(direct.rows(CompiledQuery.raw('select 1 as one', []))).toEqual([{ one: 1 }]);
      raw.exec('commit');
    } finally {
      raw.close();
    }
  });
});

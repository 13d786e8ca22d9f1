import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectStatements } from '../src/database/direct-statements.js';
import { insertRows } from '../src/database/hot-inserts.js';
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
    const last = await db.transaction().execute((trx) => insertRows(new DirectStatements(raw), trx, 'events', [row(1), row(2), row(3, { data: '{"x":1}' })]));
    expect(Number(last)).toBe(3);
    expect(raw.prepare('select call_id, at, data from events order by id').all()).toEqual([
      { call_id: 'c1', at: 1, data: null },
      { call_id: 'c2', at: 2, data: null },
      { call_id: 'c3', at: 3, data: '{"x":1}' },
    ]);
    // The same shape again: the same SQL text (and so the same prepared statement).
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw), trx, 'events', [row(4), row(5), row(6)])))).toBe(6);
    expect(raw.prepare('select count(*) as n from events').get()).toEqual({ n: 6 });
    // AUTOINCREMENT never reuses an id, even when the newest rows were deleted: the next ids follow 6.
    raw.exec('delete from events where id > 4');
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw), trx, 'events', [row(7), row(8)])))).toBe(8);
    expect(raw.prepare('select id, call_id from events where id > 4 order by id').all()).toEqual([
      { id: 7, call_id: 'c7' },
      { id: 8, call_id: 'c8' },
    ]);
  });

  it('leaves rows of mixed shapes, or with an undefined value, to kysely, which answers as before (a multi-row insert fills a missing column with NULL, a lone row leaves it to its DEFAULT)', async () => {
    const { db, raw } = await open();
    const { data: _omitted, ...withoutData } = row(2);
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw), trx, 'events', [row(1), withoutData as ReturnType<typeof row>])))).toBe(2);
    expect(Number(await db.transaction().execute((trx) => insertRows(new DirectStatements(raw), trx, 'events', [row(3, { data: undefined })])))).toBe(3);
    expect(raw.prepare('select call_id, data from events order by id').all()).toEqual([
      { call_id: 'c1', data: null },
      { call_id: 'c2', data: null },
      { call_id: 'c3', data: '{"d":1}' },
    ]);
  });
});

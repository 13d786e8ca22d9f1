import { CallSchedulerError, ErrorCode } from '@call-scheduler/core';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { describeCause } from '../store-errors.js';
import { MIGRATIONS, MIGRATION_TABLE } from './migrations.js';

/** The names recorded in `<schema>.schema_migrations` (none when the table does not exist). */
async function executedMigrations(db: Kysely<unknown>, schema: string): Promise<string[]> {
  const table = await sql<{ t: string | null }>`select to_regclass(${`"${schema}".${MIGRATION_TABLE}`})::text as t`.execute(db);
  if ((table.rows[0]?.t ?? null) === null) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.raw(`"${schema}".${MIGRATION_TABLE}`)} order by name`.execute(db);
  return rows.rows.map((row) => row.name);
}

function schemaTooNew(schema: string, unknown: readonly string[]): CallSchedulerError {
  return new CallSchedulerError(
    ErrorCode.STORE_SCHEMA_TOO_NEW,
    `The PostgreSQL schema "${schema}" has migrations that this version of @call-scheduler/store-postgres does not know ` +
      `(${unknown.join(', ')}): a newer version wrote it. Upgrade the package; this version refuses to use the schema.`,
  );
}

/**
 * Runs `migrate`, once more (up to three times) when it failed on a unique violation of the
 * catalog: two hosts creating one new schema at the same moment can still collide on
 * `create schema if not exists` in rare interleavings; the next try finds it made.
 */
async function migrateOnce(migrate: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate();
      return;
    } catch (error) {
      const catalog = (error as { code?: unknown; schema?: unknown } | null) ?? {};
      if (attempt >= 3 || catalog.code !== '23505' || catalog.schema !== 'pg_catalog') throw error;
    }
  }
}

/**
 * Brings `schema` to the latest built-in migration. All of it runs in one transaction (PostgreSQL's
 * DDL is transactional) under a transaction-scoped advisory lock on the schema's name, so several
 * hosts starting at once migrate it exactly once: the others wait, then find it done. A schema that
 * has a migration this code does not know is refused with `STORE_SCHEMA_TOO_NEW`, before and after
 * taking the lock, without touching anything.
 */
export async function runMigrations(db: Kysely<unknown>, schema: string): Promise<void> {
  const known = MIGRATIONS.map(([name]) => name);
  const before = await executedMigrations(db, schema);
  const unknownBefore = before.filter((name) => !known.includes(name));
  if (unknownBefore.length > 0) throw schemaTooNew(schema, unknownBefore);
  if (known.every((name) => before.includes(name))) return;

  const quoted = `"${schema}"`;
  let running: string | undefined;
  try {
    await migrateOnce(async () => db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('@call-scheduler/store-postgres migrations'), hashtext(${schema}))`.execute(trx);
      await sql.raw(`create schema if not exists ${quoted}`).execute(trx);
      await sql.raw(`create table if not exists ${quoted}.${MIGRATION_TABLE} (name text primary key, executed_at timestamptz not null default now())`).execute(trx);
      const done = await executedMigrations(trx, schema);
      const unknownNow = done.filter((name) => !known.includes(name));
      if (unknownNow.length > 0) throw schemaTooNew(schema, unknownNow);
      for (const [name, migration] of MIGRATIONS) {
        if (done.includes(name)) continue;
        running = name;
        for (const statement of migration(quoted)) await sql.raw(statement).execute(trx);
        await sql`insert into ${sql.raw(`${quoted}.${MIGRATION_TABLE}`)} (name) values (${name})`.execute(trx);
      }
    }));
  } catch (error) {
    if (error instanceof CallSchedulerError) throw error;
    throw new CallSchedulerError(
      ErrorCode.STORE_INIT_FAILED,
      `Cannot migrate the PostgreSQL schema "${schema}"${running === undefined ? '' : ` (migration ${running})`}: ${describeCause(error)}`,
      { cause: error },
    );
  }
}

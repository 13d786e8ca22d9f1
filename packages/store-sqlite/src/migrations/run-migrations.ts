import { CallSchedulerError, ErrorCode } from '@call-scheduler/core';
import { Migrator, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { describeCause } from '@call-scheduler/core/internal';
import { BuiltInMigrationProvider, MIGRATIONS, MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from './migration-provider.js';

/** The names of the migrations recorded in the database (none for a new file). */
async function executedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const table = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`.execute(db);
  if (table.rows.length === 0) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows.rows.map((row) => row.name);
}

function schemaTooNew(where: string, unknown: readonly string[]): CallSchedulerError {
  return new CallSchedulerError(
    ErrorCode.STORE_SCHEMA_TOO_NEW,
    `The SQLite database ${where} has schema migrations that this version of @call-scheduler/store-sqlite does not know ` +
      `(${unknown.join(', ')}): a newer version wrote it. Upgrade the package; this version refuses to use the database.`,
  );
}

/**
 * Brings the schema to the latest built-in migration with kysely's `Migrator`, in one immediate
 * transaction (several processes may open a new file at once: one migrates, the others wait and
 * find it done). Refuses with `STORE_SCHEMA_TOO_NEW` a database that has a migration this code
 * does not know, before touching anything.
 */
export async function runMigrations(db: Kysely<unknown>, where: string): Promise<void> {
  const known = Object.keys(MIGRATIONS);
  const before = await executedMigrations(db);
  const unknownBefore = before.filter((name) => !known.includes(name));
  if (unknownBefore.length > 0) throw schemaTooNew(where, unknownBefore);
  if (known.every((name) => before.includes(name))) return;

  const migrator = new Migrator({
    db,
    provider: new BuiltInMigrationProvider(),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  // A newer process may have migrated the file between our check and the Migrator's.
  const unknownAfter = (await executedMigrations(db).catch(() => [])).filter((name) => !known.includes(name));
  if (unknownAfter.length > 0) throw schemaTooNew(where, unknownAfter);
  const failed = results?.find((result) => result.status === 'Error')?.migrationName;
  throw new CallSchedulerError(
    ErrorCode.STORE_INIT_FAILED,
    `Cannot migrate the SQLite database ${where}${failed === undefined ? '' : ` (migration ${failed})`}: ${describeCause(error)}`,
    { cause: error },
  );
}

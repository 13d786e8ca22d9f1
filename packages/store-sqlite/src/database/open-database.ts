import { CallSchedulerError, ErrorCode, isCallSchedulerError } from '@call-scheduler/core';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { runMigrations } from '../migrations/run-migrations.js';
import type { SqliteCheckpoints, SqliteStoreDatabase, SqliteSynchronous } from '../sqlite-store-options.js';
import { SAFETY_NET_AUTOCHECKPOINT_PAGES } from './background-checkpoints.js';
import { describeCause } from '@call-scheduler/core/internal';
import { WriteTurns, claimFile } from './open-files.js';
import { DirectStatements } from './direct-statements.js';
import { CachingSqliteDatabase } from './statement-cache.js';
import { StoreDialect } from './store-dialect.js';
import type { StoreTables } from './tables.js';

/** The oldest SQLite this store runs on: `STRICT` tables need 3.37 (`RETURNING` 3.35). */
const MIN_SQLITE_VERSION = [3, 37, 0] as const;

/** What {@link openDatabase} needs. */
export interface OpenDatabaseConfig {
  /** A file to open, or the caller's connection. */
  readonly source: { readonly filename: string } | { readonly database: SqliteStoreDatabase };
  /** For messages: the file name in quotes, or a description of the caller's connection. */
  readonly where: string;
  readonly synchronous: SqliteSynchronous;
  readonly busyTimeoutMs: number;
  readonly statementCacheSize: number;
  /** False for an in-memory database, which cannot use WAL. */
  readonly durable: boolean;
  /** A second handle on a file another store of this process has open (see `SqliteStoreCommonOptions.peer`). */
  readonly peer: boolean;
  /** Where WAL checkpoints run (see `SqliteStoreCommonOptions.checkpoints`); `'background'` only for a file this store opens. */
  readonly checkpoints: SqliteCheckpoints;
}

function initFailed(message: string, cause?: unknown): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.STORE_INIT_FAILED, message, cause === undefined ? {} : { cause });
}

async function openFile(filename: string, where: string, busyTimeoutMs: number): Promise<SqliteStoreDatabase> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (error) {
    throw initFailed(`Cannot open the SQLite database ${where}: the better-sqlite3 package is not installed (${describeCause(error)})`, error);
  }
  try {
    return new Database(filename, { timeout: busyTimeoutMs });
  } catch (error) {
    throw initFailed(`Cannot open the SQLite database ${where}: ${describeCause(error)}`, error);
  }
}

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < min.length; i++) {
    const have = parts[i] ?? 0;
    const need = min[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/**
 * Opens the database, sets the pragmas (`busy_timeout`, WAL, `synchronous`, `wal_autocheckpoint`), checks the SQLite
 * version and runs the migrations. Every failure is a `STORE_INIT_FAILED` (or
 * `STORE_SCHEMA_TOO_NEW`) error that names the file and the cause; a connection this function
 * opened is closed again on failure.
 */
export async function openDatabase(config: OpenDatabaseConfig): Promise<{ readonly db: Kysely<StoreTables>; readonly direct: DirectStatements }> {
  const { source, where } = config;
  const owned = 'filename' in source;
  let release: () => void = () => undefined;
  let turns = new WriteTurns();
  if (owned) {
    const claimed = claimFile(source.filename, config.peer);
    if (claimed === undefined) {
      throw initFailed(
        `Cannot open the SQLite database ${where}: another SqliteStore of this process has it open. ` +
          'Share that one store between the schedulers and servers of this process (two connections of one process would block each other), ' +
          'or open this one with `peer: true` (its write transactions then take turns with the other store\'s).',
      );
    }
    release = claimed.release;
    turns = claimed.turns;
  }
  let raw: SqliteStoreDatabase;
  try {
    raw = owned ? await openFile(source.filename, where, config.busyTimeoutMs) : source.database;
  } catch (error) {
    release();
    throw error;
  }
  const cached = new CachingSqliteDatabase(raw, { owned, size: config.statementCacheSize, onClose: release });
  const db = new Kysely<StoreTables>({ dialect: new StoreDialect({ database: cached }, turns) });
  try {
    // Pragmas take no bound parameters; every value here is a checked number or a fixed word.
    await sql`pragma busy_timeout = ${sql.lit(config.busyTimeoutMs)}`.execute(db);
    // The first statement that reads the file: a file that is not a database fails here.
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode = wal`.execute(db);
    const mode = journal.rows[0]?.journal_mode;
    if (config.durable && mode !== 'wal') {
      throw initFailed(`Cannot use the SQLite database ${where}: it could not be switched to WAL mode (journal_mode is ${String(mode)})`);
    }
    await sql`pragma synchronous = ${sql.raw(config.synchronous)}`.execute(db);
    if (config.checkpoints === 'background') {
      // A worker thread checkpoints (background-checkpoints.ts); this connection only as a safety net.
      await sql`pragma wal_autocheckpoint = ${sql.lit(SAFETY_NET_AUTOCHECKPOINT_PAGES)}`.execute(db);
    }
    const version = (await sql<{ version: string }>`select sqlite_version() as version`.execute(db)).rows[0]?.version ?? '0';
    if (!versionAtLeast(version, MIN_SQLITE_VERSION)) {
      throw initFailed(`Cannot use the SQLite database ${where}: SQLite ${version} is too old (${MIN_SQLITE_VERSION.join('.')} or newer is needed)`);
    }
    await runMigrations(db as Kysely<unknown>, where);
    return { db, direct: new DirectStatements(cached, raw) };
  } catch (error) {
    await db.destroy().catch(() => undefined);
    if (isCallSchedulerError(error)) throw error;
    throw initFailed(`Cannot open the SQLite database ${where}: ${describeCause(error)}`, error);
  }
}

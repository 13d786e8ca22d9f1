import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig, TransactionSettings } from 'kysely';

/**
 * kysely's SQLite driver with two changes for a database that several processes write:
 *
 * - a read-write transaction starts with `BEGIN IMMEDIATE`, which takes the write lock at once
 *   (waiting up to `busy_timeout`). A deferred `BEGIN` that reads and then writes fails with
 *   `SQLITE_BUSY` without waiting when another process committed in between.
 * - a `read only` transaction starts with a plain (deferred) `BEGIN`: a consistent snapshot that
 *   never blocks writers in WAL mode.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'begin' : 'begin immediate'));
  }
}

/**
 * SQLite DDL is transactional. kysely's adapter says it is not, so its `Migrator` would run the
 * migrations outside a transaction, where two processes opening a new file at once could both
 * run them. Saying so makes the `Migrator` run them in one (immediate) transaction.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** kysely's {@link SqliteDialect} with {@link ImmediateSqliteDriver} and {@link TransactionalDdlSqliteAdapter}. */
export class StoreDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = Object.freeze({ ...config });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

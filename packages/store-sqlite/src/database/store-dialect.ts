import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig, TransactionSettings } from 'kysely';
import type { WriteTurns } from './open-files.js';

/**
 * kysely's SQLite driver with three changes for a database that several processes write:
 *
 * - a read-write transaction starts with `BEGIN IMMEDIATE`, which takes the write lock at once
 *   (waiting up to `busy_timeout`). A deferred `BEGIN` that reads and then writes fails with
 *   `SQLITE_BUSY` without waiting when another process committed in between.
 * - a `read only` transaction starts with a plain (deferred) `BEGIN`: a consistent snapshot that
 *   never blocks writers in WAL mode.
 * - a read-write transaction first waits for its turn among this process's handles on the file
 *   ({@link WriteTurns}), so that two handles of one process never block each other's event loop.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #turns: WriteTurns;
  #endTurn: (() => void) | undefined;

  constructor(config: SqliteDialectConfig, turns: WriteTurns) {
    super(config);
    this.#turns = turns;
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    if (settings?.accessMode === 'read only') {
      await connection.executeQuery(CompiledQuery.raw('begin'));
      return;
    }
    // One write transaction at a time among this process's handles on the file (see WriteTurns).
    const endTurn = await this.#turns.take();
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      endTurn();
      throw error;
    }
    this.#endTurn = endTurn;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      this.#finishTurn();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#finishTurn();
    }
  }

  #finishTurn(): void {
    const end = this.#endTurn;
    this.#endTurn = undefined;
    end?.();
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
  readonly #turns: WriteTurns;

  constructor(config: SqliteDialectConfig, turns: WriteTurns) {
    super(config);
    this.#config = Object.freeze({ ...config });
    this.#turns = turns;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#turns);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

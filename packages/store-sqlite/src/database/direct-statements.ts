// Owns: the store's hot statements run straight on its connection, inside a transaction it holds.
import type { CompiledQuery, SqliteDatabase } from 'kysely';

/** What running a statement that returns no rows tells. */
export interface RunResult {
  /** Rows the statement changed. */
  readonly changes: number;
  /** `last_insert_rowid()` after it (unchanged by a table `WITHOUT ROWID`). */
  readonly lastInsertRowid: number | bigint;
}

/**
 * Runs compiled statements on the store's connection without kysely's executor, whose promises and
 * connection plumbing cost more allocation per statement than most of these statements' own
 * results (a store operation runs three to six of them). The same prepared statements as through
 * kysely (the statement cache finds them by their text).
 *
 * Only inside a transaction the caller holds (a write job of the group commit, a claim's
 * transaction): kysely then lets nothing else use the connection, and better-sqlite3 runs each
 * statement synchronously, so these statements are simply more statements of that transaction.
 */
export class DirectStatements {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** The rows of a statement that returns rows (a `SELECT`, or a write with `RETURNING`). */
  rows<R>(query: CompiledQuery<R>): R[] {
    return this.#db.prepare(query.sql).all(query.parameters) as R[];
  }

  /** Runs a statement that returns no rows. */
  run(query: CompiledQuery): RunResult {
    const { changes, lastInsertRowid } = this.#db.prepare(query.sql).run(query.parameters);
    return { changes: Number(changes), lastInsertRowid };
  }
}

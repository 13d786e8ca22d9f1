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
  readonly #connection: { readonly inTransaction?: boolean };

  /** `db` prepares the statements (the store's statement cache); `connection` is the better-sqlite3 connection under it, whose `inTransaction` is checked. */
  constructor(db: SqliteDatabase, connection: { readonly inTransaction?: boolean }) {
    this.#db = db;
    this.#connection = connection;
  }

  /** The rows of a statement that returns rows (a `SELECT`, or a write with `RETURNING`). */
  rows<R>(query: CompiledQuery<R>): R[] {
    this.#inTransaction();
    return this.#db.prepare(query.sql).all(query.parameters) as R[];
  }

  /** Runs a statement that returns no rows. */
  run(query: CompiledQuery): RunResult {
    this.#inTransaction();
    const { changes, lastInsertRowid } = this.#db.prepare(query.sql).run(query.parameters);
    return { changes: Number(changes), lastInsertRowid };
  }

  /** Refuses a statement outside a transaction (a connection that does not tell, such as a caller's wrapper, is trusted). */
  #inTransaction(): void {
    if (this.#connection.inTransaction === false) throw new Error('SqliteStore: a hot statement ran outside a transaction (a bug in the store)');
  }
}

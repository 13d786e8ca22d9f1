import type { SqliteDatabase } from 'kysely';

/**
 * The part of a better-sqlite3 `Database` that {@link SqliteStore} uses (kysely's
 * `SqliteDatabase`), plus the flag that tells an in-memory database apart.
 */
export interface SqliteStoreDatabase extends SqliteDatabase {
  /** True for an in-memory database (better-sqlite3 sets it); such a store is not durable. */
  readonly memory?: boolean;
  /** The file name, used in error messages (better-sqlite3 sets it). */
  readonly name?: string;
  /** Whether a transaction is open on the connection (better-sqlite3 sets it); the store checks it before its hot statements. */
  readonly inTransaction?: boolean;
}

/**
 * How hard SQLite works to make a commit survive a power loss (`PRAGMA synchronous`, in WAL mode):
 *
 * - `NORMAL`: a commit survives a crash of the process (the case the scheduler's promises are
 *   about), and is written to disk at the next checkpoint. A power loss or an OS crash may lose the
 *   last commits, never corrupt the file.
 * - `FULL`: every commit is fsynced to the WAL before it returns, so it also survives a power loss.
 *   Each write costs an fsync.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * Where the WAL checkpoints run: the copy of committed pages from the `-wal` file into the database
 * file, with its fsyncs, which SQLite by default runs inside the commit that crosses 1000 pages.
 *
 * - `'background'`: on a worker thread of the store with its own connection, every 100 ms, without
 *   blocking the store's readers and writers. The event loop that fires the dials never waits for a
 *   checkpoint's fsync (it made the slowest dials of a busy second several milliseconds late). The
 *   thread starts after the store's first 64 writes and is stopped by `close()`; if it fails, the
 *   store goes back to `'inline'`. Only for a file the store opens itself (`filename`).
 * - `'inline'`: SQLite's default, in the committing connection.
 */
export type SqliteCheckpoints = 'background' | 'inline';

/** Options shared by both ways of opening a {@link SqliteStore}. */
export interface SqliteStoreCommonOptions {
  /**
   * `PRAGMA synchronous`: see {@link SqliteSynchronous}.
   * @default 'NORMAL'
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How long a write waits for another connection (another process) to release the write lock
   * before it fails with `SQLITE_BUSY` (`PRAGMA busy_timeout`). better-sqlite3 waits synchronously,
   * so this is also the longest a contended write can block the event loop.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * How many prepared statements to keep for reuse (kysely prepares every query; a statement
   * reused from this cache skips that). `0` turns the cache off.
   * @default 100
   */
  readonly statementCacheSize?: number;
  /**
   * Group commit: the `insertCalls` and `updateCall` writes that arrive in the same turn of the
   * event loop are committed together in one `BEGIN IMMEDIATE ... COMMIT` (flushed by
   * `setImmediate`), each in its own `SAVEPOINT`, so that one failing or unmatched write does not
   * affect the others and each caller gets the result it would have got alone. A caller's promise
   * settles only after the commit. `false` gives every write its own transaction.
   * @default true
   */
  readonly groupCommit?: boolean;
  /**
   * Where WAL checkpoints run: see {@link SqliteCheckpoints}. A store on a caller's connection
   * (`database`) always checkpoints inline: it does not change the pragmas of a connection it does
   * not own beyond what it needs.
   * @default 'background' (with `filename`)
   */
  readonly checkpoints?: SqliteCheckpoints;
  /**
   * Open a second handle on a file that another `SqliteStore` of this process already has open.
   * Without it that is refused (`STORE_INIT_FAILED`): one store per file per process, shared by
   * every scheduler and server of the process, is the setup to use. With it, the handles' write
   * transactions take turns through a lock in the process (better-sqlite3 waits for SQLite's write
   * lock synchronously, so two handles that did not take turns would block each other's event
   * loop). Meant for tests that need two connections on one file, like the conformance suite's
   * `openPeer`; several processes on one file need no option.
   * @default false
   */
  readonly peer?: boolean;
}

/**
 * Which thread runs the store's SQLite work (statements, commits, checkpoints):
 *
 * - `'main'`: the caller's thread, synchronously inside each operation (better-sqlite3 is
 *   synchronous). The simplest; each statement and commit holds the event loop that fires the
 *   dials for its duration.
 * - `'worker'`: a worker thread of the store, with its own connection to the file. Each operation
 *   is a message to that thread and its answer; the event loop of the process never waits for
 *   SQLite, so dials fire on time while the store writes, and the SQLite work runs on another core.
 *   Each operation costs a round trip between threads (tens of microseconds). Only with `filename`.
 *   Several stores of one process on one file are then like several processes (SQLite's locks keep
 *   them apart; `peer` is not needed).
 */
export type SqliteThread = 'main' | 'worker';

/** Open (and own) the database file `filename`. */
export interface SqliteStoreFileOptions extends SqliteStoreCommonOptions {
  /**
   * The database file: created if missing (its directory must exist), shared safely by several
   * processes on one host. `':memory:'` keeps everything in this process (not durable).
   */
  readonly filename: string;
  /**
   * Which thread runs the SQLite work: see {@link SqliteThread}.
   * @default 'main'
   */
  readonly thread?: SqliteThread;
  /** Not with `filename`. */
  readonly database?: never;
}

/** Use a database connection that the caller opened and keeps owning. */
export interface SqliteStoreDatabaseOptions extends SqliteStoreCommonOptions {
  /**
   * A better-sqlite3 `Database`, or anything with the same `prepare`/`close` shape. The store sets
   * its pragmas (WAL, `busy_timeout`, `synchronous`) and creates its tables in it, and does not
   * close it: {@link SqliteStore.close} leaves it open for its owner.
   */
  readonly database: SqliteStoreDatabase;
  /** Not with `database`. */
  readonly filename?: never;
  /** Not with `database`: a caller's connection stays on the caller's thread. */
  readonly thread?: never;
}

/**
 * Options of {@link SqliteStore}: either `filename` or `database`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ filename: './data/calls.db' });
 * const strict = new SqliteStore({ filename: './data/calls.db', synchronous: 'FULL' });
 * const shared = new SqliteStore({ database: new Database('./data/app.db') });
 * ```
 */
export type SqliteStoreOptions = SqliteStoreFileOptions | SqliteStoreDatabaseOptions;

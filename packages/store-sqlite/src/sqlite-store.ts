// Owns: SqliteStore, the SQLite CallStore users construct (its documentation; the driver is in sqlite-store-driver.ts).
import { FullCallStore } from '@call-scheduler/core/internal';
import { sqliteStoreDriver } from './sqlite-store-driver.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { withSqliteSeries } from './series/sqlite-series.js';
import { threadedSqliteDriver } from './thread/thread-driver.js';

/**
 * A durable `CallStore` in one SQLite file, through kysely and better-sqlite3. Several
 * processes on one host may share the file: claims are single atomic `UPDATE ... RETURNING`
 * statements, every write of one logical step is one `BEGIN IMMEDIATE` transaction (with
 * `groupCommit`, the `insertCalls` and `updateCall` writes of one event-loop turn share one, each in
 * its own savepoint when one of them fails), and progress writes are guarded by the lease's fencing
 * token.
 *
 * The schema is created and migrated by {@link SqliteStore.init} (built-in, versioned
 * migrations); a database written by a newer version of this package is refused with
 * `STORE_SCHEMA_TOO_NEW`. The connection runs in WAL mode with `busy_timeout` and
 * `synchronous=NORMAL` (or `FULL`): see `README.md` for what they mean for durability.
 *
 * Retention (`purgeCalls`) is one immediate transaction, a walk of the partial index
 * `calls_ended_at_idx`; event ids are `AUTOINCREMENT`, never handed out again, and the file does not
 * shrink (SQLite reuses the freed pages). `countByStatus` is one `GROUP BY` over the index
 * `calls_status_id_idx` (no table rows read); `dueSummary` two reads of the partial index
 * `calls_due_idx`. The series methods are in `series/sqlite-series.ts`.
 *
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { SqliteStore } from '@call-scheduler/store-sqlite';
 *
 * const scheduler = new CallScheduler({ store: new SqliteStore({ filename: './data/calls.db' }), provider });
 * await scheduler.start(); // opens the file and migrates it
 * ```
 */
export class SqliteStore extends FullCallStore {
  /**
   * Checks the options; opens nothing. `init()` (or the first operation) opens the database, sets
   * its pragmas and migrates the schema, once (again after a failure): `STORE_INIT_FAILED` when
   * the file cannot be opened, is not a database or a migration failed, `STORE_SCHEMA_TOO_NEW`
   * for a file written by a newer version. `close()` waits for the operations under way, then
   * closes the connection (unless the caller passed its own `database`).
   * @throws CallSchedulerError `INVALID_INPUT` naming the bad option.
   */
  constructor(options: SqliteStoreOptions) {
    // Options are checked by the driver either way (a missing or bad option fails before anything starts).
    super((options as SqliteStoreOptions | undefined)?.thread === 'worker' && typeof options.filename === 'string' ? threadedSqliteDriver(options) : withSqliteSeries(sqliteStoreDriver(options)));
  }
}

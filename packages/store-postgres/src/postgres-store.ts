// Owns: PostgresStore, the PostgreSQL CallStore users construct (its documentation; the driver is in postgres-store-driver.ts).
import { FullCallStore } from '@call-scheduler/core/internal';
import type { CallStoreChange, CallStoreHealth, CallStoreWatch } from '@call-scheduler/core';
import { resolveOptions } from './options-schema.js';
import { postgresStoreDriver } from './postgres-store-driver.js';
import type { PostgresStoreOptions } from './postgres-store-options.js';
import { withPostgresSeries } from './series/postgres-series.js';

/**
 * A `CallStore` on PostgreSQL, through kysely's `PostgresDialect` and `pg`: many scheduler
 * processes on many hosts share one database, each call dialed by exactly one of them.
 *
 * - **Claims** are single statements: a `FOR UPDATE SKIP LOCKED` CTE on a partial index, then
 *   `UPDATE ... RETURNING`, with the attempt and event inserts in the same statement. Progress
 *   writes carry the lease's fencing token in their `WHERE`; a crashed host's calls are taken over
 *   when their leases expire, never earlier.
 * - **`onePerNumber` across hosts**: a claim must also insert the number into `number_claims`, whose
 *   primary key makes two concurrent claims of one number exclusive under READ COMMITTED.
 * - **The event log** is read in (transaction id, id) order below the oldest running transaction,
 *   so a follower never skips an event that committed late; the cursor carries both.
 * - **Group commit**: the writes of one event-loop turn share one transaction.
 * - **Wake-ups**: {@link PostgresStore.watch} listens on a dedicated connection; a write that
 *   makes a call due earlier than anything stored sends one `NOTIFY` (`notify: false`: none).
 *
 * The schema (default `call_scheduler`) is created and migrated by {@link PostgresStore.init}
 * (built-in, versioned migrations); a schema written by a newer version of this package is refused
 * with `STORE_SCHEMA_TOO_NEW`.
 *
 * Retention (`purgeCalls`) is one statement, a `SKIP LOCKED` walk of the partial index
 * `calls_ended_idx`; event ids come from an identity column and are never handed out again.
 * `countByStatus` is one `GROUP BY` over `calls_status_id_idx`; `dueSummary` two reads of the
 * partial index `calls_due_idx`. The series methods are in `series/postgres-series.ts`; a step of
 * a series runs in one transaction, its row locked.
 *
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { PostgresStore } from '@call-scheduler/store-postgres';
 *
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL! });
 * const scheduler = new CallScheduler({ store, provider });
 * await scheduler.start(); // migrates the schema, listens for other hosts' changes
 * ```
 */
export class PostgresStore extends FullCallStore {
  /**
   * Calls `onChange` when any handle of the store, on any host, makes a call due earlier than
   * anything stored before (`dueAt`) or commits events (`events`, at most one notification per
   * `eventsNotifyIntervalMs` per writing handle). One dedicated connection listens for all the
   * watches of this handle. A lost connection is reopened with back-off; meanwhile `health()` says
   * `watching: false`, and once it listens again every watcher gets a change with the current
   * earliest due time and `events: true`, since notifications sent meanwhile are lost. With
   * `notify: false` nothing is listened to and `onChange` is never called. See `CallStore.watch`.
   */
  declare readonly watch: (onChange: (change: CallStoreChange) => void) => Promise<CallStoreWatch>;

  /**
   * Whether the database answers (one round trip), whether change notifications arrive
   * (`watching`), and details: the schema, its latest migration, `notify`, the listener's
   * reconnections and the `NOTIFY`s this handle sent. See `CallStore.health`.
   */
  declare readonly health: () => Promise<CallStoreHealth>;

  /** The PostgreSQL schema that holds the store's tables. */
  readonly schema: string;

  /**
   * Checks and freezes the options; connects to nothing. `init()` (or the first operation)
   * connects (making the pool for `connectionString`) and migrates the schema, once (again after a
   * failure): `STORE_INIT_FAILED` when the server cannot be reached or a migration failed,
   * `STORE_SCHEMA_TOO_NEW` for a schema migrated by a newer version. `close()` waits for the
   * operations under way, stops watching, gives back every connection, and ends the pool it made
   * (a caller's `pool` stays open).
   * @throws CallSchedulerError `INVALID_INPUT` naming the bad option.
   */
  constructor(options: PostgresStoreOptions) {
    const config = resolveOptions(options);
    super(withPostgresSeries(postgresStoreDriver(config)));
    this.schema = config.schema;
  }
}

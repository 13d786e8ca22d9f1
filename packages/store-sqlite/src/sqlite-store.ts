// Owns: SqliteStore, the SQLite CallStore users construct (its documentation and the methods beyond the contract).
import { GuardedCallStore } from '@call-scheduler/core';
import { checkDueSummaryQuery } from '@call-scheduler/core/internal';
import type { CallStatusCounts, DueSummary, DueSummaryQuery, PurgeOptions, SeriesStore } from '@call-scheduler/core';
import { SqliteStoreDriver } from './sqlite-store-driver.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { withSqliteSeries } from './series/sqlite-series.js';

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
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { SqliteStore } from '@call-scheduler/store-sqlite';
 *
 * const scheduler = new CallScheduler({ store: new SqliteStore({ filename: './data/calls.db' }), provider });
 * await scheduler.start(); // opens the file and migrates it
 * ```
 */
export class SqliteStore extends GuardedCallStore {
  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first (then id), with their attempts and events, in one
   * immediate transaction (a walk of the partial index `calls_ended_idx`); see
   * `CallStore.purgeCalls`. Event ids are `AUTOINCREMENT`: never handed out again. The file does
   * not shrink; SQLite reuses the freed pages.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  declare readonly purgeCalls: (options: PurgeOptions) => Promise<number>;

  /** Recurring calls: stores a series; see `SeriesStore.insertSeries` (the series methods are in `series/sqlite-series.ts`). */
  declare readonly insertSeries: SeriesStore['insertSeries'];
  /** One series, or `undefined`; see `SeriesStore.getSeries`. */
  declare readonly getSeries: SeriesStore['getSeries'];
  /** A page of series; see `SeriesStore.listSeries`. */
  declare readonly listSeries: SeriesStore['listSeries'];
  /** Active series whose `planAt` has come; see `SeriesStore.listDueSeries`. */
  declare readonly listDueSeries: SeriesStore['listDueSeries'];
  /** The smallest `planAt` of active series; see `SeriesStore.nextSeriesPlanAt`. */
  declare readonly nextSeriesPlanAt: SeriesStore['nextSeriesPlanAt'];
  /** One step of a series in one immediate transaction; see `SeriesStore.materializeOccurrences`. */
  declare readonly materializeOccurrences: SeriesStore['materializeOccurrences'];
  /** A change of a series with compare-and-set; see `SeriesStore.updateSeries`. */
  declare readonly updateSeries: SeriesStore['updateSeries'];
  /** The occurrence calls of a series; see `SeriesStore.listSeriesOccurrences`. */
  declare readonly listSeriesOccurrences: SeriesStore['listSeriesOccurrences'];

  /**
   * Checks the options; opens nothing. `init()` (or the first operation) opens the database, sets
   * its pragmas and migrates the schema, once (again after a failure): `STORE_INIT_FAILED` when
   * the file cannot be opened, is not a database or a migration failed, `STORE_SCHEMA_TOO_NEW`
   * for a file written by a newer version. `close()` waits for the operations under way, then
   * closes the connection (unless the caller passed its own `database`).
   * @throws CallSchedulerError `INVALID_INPUT` naming the bad option.
   */
  constructor(options: SqliteStoreOptions) {
    const driver = new SqliteStoreDriver(options);
    super(withSqliteSeries(driver));
    this.#driver = driver;
  }

  readonly #driver: SqliteStoreDriver;

  /** Calls per status; see `CallStore.countByStatus`. One `GROUP BY` over the index `calls_status_id_idx` (no table rows read). */
  countByStatus(): Promise<CallStatusCounts> {
    return this.guarded('countByStatus', () => this.#driver.countByStatus());
  }

  /**
   * The earliest due call and how many are due by `now + horizonMs`; see `CallStore.dueSummary`.
   * Two reads of the partial index `calls_due_idx`: its first entry and a range count.
   * @throws CallSchedulerError `INVALID_INPUT` naming `now` or `horizonMs`.
   */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.guarded('dueSummary', () => {
      checkDueSummaryQuery(query);
      return this.#driver.dueSummary(query);
    });
  }
}

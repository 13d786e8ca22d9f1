/**
 * Not API: the base class of this repository's three stores (`MemoryStore`, `SqliteStore`,
 * `PostgresStore`): the members they all have beyond the guard's, declared and documented once.
 *
 * @internal
 */
import type { SeriesStore } from '../series/series-store.js';
import type { CallStatusCounts, DueSummary, DueSummaryQuery } from '../store/call-store.js';
import { GuardedCallStore, type CallStoreDriver, type PurgeOptions } from '../store/guarded-call-store.js';
import { checkDueSummaryQuery } from './due-summary-query.js';

/** A driver with retention, the figures and the {@link SeriesStore} methods. */
export interface FullStoreDriver extends CallStoreDriver, SeriesStore {
  /** See `CallStore.purgeCalls`. */
  purgeCalls(options: PurgeOptions): Promise<number>;
  /** See `CallStore.countByStatus`. */
  countByStatus(): Promise<CallStatusCounts>;
  /** See `CallStore.dueSummary`; the query passed {@link checkDueSummaryQuery}. */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary>;
}

/**
 * A {@link GuardedCallStore} whose driver has retention, the figures and recurring calls: every
 * one of them is a member of the store (not optional), checked and guarded like the contract's
 * methods.
 */
export class FullCallStore extends GuardedCallStore {
  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first (then id), with their attempts and events, in one
   * transaction; see `CallStore.purgeCalls`. Event ids are never handed out again.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  declare readonly purgeCalls: (options: PurgeOptions) => Promise<number>;

  /** Recurring calls: stores a series; see `SeriesStore.insertSeries`. */
  declare readonly insertSeries: SeriesStore['insertSeries'];
  /** One series, or `undefined`; see `SeriesStore.getSeries`. */
  declare readonly getSeries: SeriesStore['getSeries'];
  /** A page of series; see `SeriesStore.listSeries`. */
  declare readonly listSeries: SeriesStore['listSeries'];
  /** Active series whose `planAt` has come; see `SeriesStore.listDueSeries`. */
  declare readonly listDueSeries: SeriesStore['listDueSeries'];
  /** The smallest `planAt` of active series; see `SeriesStore.nextSeriesPlanAt`. */
  declare readonly nextSeriesPlanAt: SeriesStore['nextSeriesPlanAt'];
  /** One step of a series, atomically (in one transaction); see `SeriesStore.materializeOccurrences`. */
  declare readonly materializeOccurrences: SeriesStore['materializeOccurrences'];
  /** A change of a series with compare-and-set; see `SeriesStore.updateSeries`. */
  declare readonly updateSeries: SeriesStore['updateSeries'];
  /** The occurrence calls of a series; see `SeriesStore.listSeriesOccurrences`. */
  declare readonly listSeriesOccurrences: SeriesStore['listSeriesOccurrences'];

  readonly #figures: Pick<FullStoreDriver, 'countByStatus' | 'dueSummary'>;

  /** Wraps `driver` (see {@link GuardedCallStore}); opens nothing. */
  constructor(driver: FullStoreDriver) {
    super(driver);
    this.#figures = driver;
  }

  /** Calls per status; see `CallStore.countByStatus`. */
  countByStatus(): Promise<CallStatusCounts> {
    return this.guarded('countByStatus', () => this.#figures.countByStatus());
  }

  /**
   * The earliest due call and how many are due by `now + horizonMs`; see `CallStore.dueSummary`.
   * @throws CallSchedulerError `INVALID_INPUT` naming `now` or `horizonMs`.
   */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.guarded('dueSummary', () => {
      checkDueSummaryQuery(query);
      return this.#figures.dueSummary(query);
    });
  }
}

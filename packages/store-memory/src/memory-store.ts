// Owns: MemoryStore, the in-memory CallStore users construct, and its driver, which hands each operation to the file of its concept.
import {
  GuardedCallStore,
  type CallDetailsRecord,
  type CallInsert,
  type CallListQuery,
  type CallPage,
  type CallRecord,
  type CallStatusCounts,
  type CallStoreDriver,
  type CallStoreFeatures,
  type CallUpdate,
  type ClaimOptions,
  type DueSummary,
  type DueSummaryQuery,
  type EventCursor,
  type EventListQuery,
  type EventPage,
  type InsertResult,
  type PurgeOptions,
  type SeriesStore,
  type UpdateResult,
} from '@call-scheduler/core';
import { checkDueSummaryQuery, noOptionsSchema, parseOptions } from '@call-scheduler/core/internal';
import { findCallByProviderCallId, getCall, getCallDetails, insertCalls, listCalls, updateCall } from './memory-calls.js';
import { claimDueCalls, claimExpiredLeases, countAttempts } from './memory-claims.js';
import { eventLogHead, listEvents } from './memory-events.js';
import { countByStatus, dueSummary, nextWakeUpAt } from './memory-figures.js';
import { purgeCalls } from './memory-retention.js';
import { withMemorySeries } from './memory-series.js';
import { MemoryState } from './memory-state.js';

const FEATURES: CallStoreFeatures = Object.freeze({ durable: false, shared: false });

/**
 * A `CallStore` that keeps everything in the memory of one process: for tests, examples and
 * single-process use where losing the calls on exit is acceptable. It is not durable
 * (`features.durable` is `false`) and cannot be shared between processes.
 *
 * Claims and `nextWakeUpAt` never scan all calls: due calls and leases sit in two binary
 * min-heaps ordered by (time, id), so a claim of `k` calls costs O(k log n). Stale heap entries (a
 * call rescheduled, claimed or ended) are dropped lazily when they reach the top. `listCalls`
 * walks ids in order from the cursor and filters as it goes, so a filter that matches few calls
 * may visit many.
 *
 * Every record it returns is a deep copy, and it keeps deep copies of what it is given, so no
 * caller can change its state except through its methods. It is a {@link GuardedCallStore}: it
 * works without `init()`, checks its arguments like every store, and after `close()` every
 * operation rejects with `STORE_CLOSED`.
 *
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { MemoryStore } from '@call-scheduler/store-memory';
 *
 * await using store = new MemoryStore();
 * const scheduler = new CallScheduler({ store, provider });
 * ```
 */
export class MemoryStore extends GuardedCallStore {
  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first, with their attempts and events; see
   * `CallStore.purgeCalls`. Idempotency keys and provider ids of the deleted calls are forgotten;
   * event ids are never reused. O(k log n) for k calls, amortized (a min-heap of ended calls;
   * purged ids and events are compacted once they are half of a list).
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  declare readonly purgeCalls: (options: PurgeOptions) => Promise<number>;

  /** Recurring calls: stores a series; see `SeriesStore.insertSeries` (the series methods are in `memory-series.ts`). */
  declare readonly insertSeries: SeriesStore['insertSeries'];
  /** One series, or `undefined`; see `SeriesStore.getSeries`. */
  declare readonly getSeries: SeriesStore['getSeries'];
  /** A page of series; see `SeriesStore.listSeries`. */
  declare readonly listSeries: SeriesStore['listSeries'];
  /** Active series whose `planAt` has come; see `SeriesStore.listDueSeries`. */
  declare readonly listDueSeries: SeriesStore['listDueSeries'];
  /** The smallest `planAt` of active series; see `SeriesStore.nextSeriesPlanAt`. */
  declare readonly nextSeriesPlanAt: SeriesStore['nextSeriesPlanAt'];
  /** One step of a series, atomically; see `SeriesStore.materializeOccurrences`. */
  declare readonly materializeOccurrences: SeriesStore['materializeOccurrences'];
  /** A change of a series with compare-and-set; see `SeriesStore.updateSeries`. */
  declare readonly updateSeries: SeriesStore['updateSeries'];
  /** The occurrence calls of a series; see `SeriesStore.listSeriesOccurrences`. */
  declare readonly listSeriesOccurrences: SeriesStore['listSeriesOccurrences'];

  /**
   * An empty store. It takes no options yet; an options object with any key is refused, so that
   * options meant for another store (a `filename`) are not silently ignored.
   * @throws CallSchedulerError `INVALID_INPUT` naming each unknown option.
   */
  constructor(options: MemoryStoreOptions = {}) {
    parseOptions(noOptionsSchema, options, 'MemoryStore options');
    const driver = new MemoryStoreDriver();
    super(withMemorySeries(driver));
    this.#driver = driver;
  }

  readonly #driver: MemoryStoreDriver;

  /** Calls per status; see `CallStore.countByStatus`. Counts kept as calls change: O(number of statuses). */
  countByStatus(): Promise<CallStatusCounts> {
    return this.guarded('countByStatus', () => this.#driver.countByStatus());
  }

  /**
   * The earliest due call and how many are due by `now + horizonMs`; see `CallStore.dueSummary`.
   * The earliest is the due heap's top; the count walks the scheduled calls (O(n): a store for tests and development).
   * @throws CallSchedulerError `INVALID_INPUT` naming `now` or `horizonMs`.
   */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.guarded('dueSummary', () => {
      checkDueSummaryQuery(query);
      return this.#driver.dueSummary(query);
    });
  }
}

/** Options of {@link MemoryStore}: none yet (an empty object, or nothing). */
export type MemoryStoreOptions = Readonly<Record<string, never>>;

/** The storage of {@link MemoryStore}; the guard checks arguments, open state and errors. */
class MemoryStoreDriver implements CallStoreDriver {
  readonly name = 'MemoryStore';

  /** Not durable, not shared. */
  readonly features: CallStoreFeatures = FEATURES;

  #state = new MemoryState();

  /** Drops everything the store holds. */
  async close(): Promise<void> {
    this.#state = new MemoryState();
  }

  /** See `memory-calls.ts`. */
  async insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return insertCalls(this.#state, items);
  }

  /** See `memory-calls.ts`. */
  async getCall(id: string): Promise<CallRecord | undefined> {
    return getCall(this.#state, id);
  }

  /** See `memory-calls.ts`. */
  async getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return getCallDetails(this.#state, id);
  }

  /** See `memory-calls.ts`. */
  async findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return findCallByProviderCallId(this.#state, providerCallId);
  }

  /** See `memory-calls.ts`. */
  async listCalls(query: CallListQuery): Promise<CallPage> {
    return listCalls(this.#state, query);
  }

  /** See `memory-calls.ts`. */
  async updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return updateCall(this.#state, update);
  }

  /** See `memory-events.ts`. */
  async listEvents(query: EventListQuery): Promise<EventPage> {
    return listEvents(this.#state, query);
  }

  /** See `memory-events.ts`. */
  async eventLogHead(): Promise<EventCursor | null> {
    return eventLogHead(this.#state);
  }

  /** See `memory-claims.ts`. */
  async claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimDueCalls(this.#state, options);
  }

  /** See `memory-claims.ts`. */
  async claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimExpiredLeases(this.#state, options);
  }

  /** See `memory-claims.ts`. */
  async countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return countAttempts(this.#state, query);
  }

  /** See `memory-figures.ts`. */
  async countByStatus(): Promise<CallStatusCounts> {
    return countByStatus(this.#state);
  }

  /** See `memory-figures.ts`. */
  async dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return dueSummary(this.#state, query);
  }

  /** See `memory-figures.ts`. */
  async nextWakeUpAt(): Promise<number | null> {
    return nextWakeUpAt(this.#state);
  }

  /** See `memory-retention.ts`. */
  async purgeCalls(options: PurgeOptions): Promise<number> {
    return purgeCalls(this.#state, options);
  }
}

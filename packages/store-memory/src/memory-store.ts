// Owns: MemoryStore, the in-memory CallStore users construct, and its driver: the state, handed to the operations of each concept.
import type { CallStoreFeatures } from '@call-scheduler/core';
import { FullCallStore, noOptionsSchema, parseOptions, withOperations, type StoreOperations } from '@call-scheduler/core/internal';
import * as calls from './memory-calls.js';
import * as claims from './memory-claims.js';
import * as events from './memory-events.js';
import * as figures from './memory-figures.js';
import * as retention from './memory-retention.js';
import { withMemorySeries } from './memory-series.js';
import { MemoryState } from './memory-state.js';

const FEATURES: CallStoreFeatures = Object.freeze({ durable: false, shared: false });

/** Every operation of the store, each a function of its state. */
const OPERATIONS: StoreOperations<MemoryState> = { ...calls, ...claims, ...events, ...figures, ...retention };

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
 * Retention (`purgeCalls`) walks a min-heap of ended calls: O(k log n) for k calls, amortized
 * (purged ids and events are compacted once they are half of a list); idempotency keys and
 * provider ids of the deleted calls are forgotten. `countByStatus` reads counts kept as calls
 * change; `dueSummary` takes the earliest from the due heap and counts by walking the scheduled
 * calls (O(n): a store for tests and development). The series methods are in `memory-series.ts`.
 *
 * Every record it returns is a deep copy, and it keeps deep copies of what it is given, so no
 * caller can change its state except through its methods. It is a `GuardedCallStore`: it
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
export class MemoryStore extends FullCallStore {
  /**
   * An empty store. It takes no options yet; an options object with any key is refused, so that
   * options meant for another store (a `filename`) are not silently ignored.
   * @throws CallSchedulerError `INVALID_INPUT` naming each unknown option.
   */
  constructor(options: MemoryStoreOptions = {}) {
    parseOptions(noOptionsSchema, options, 'MemoryStore options');
    const driver = new MemoryStoreDriver();
    super(withMemorySeries(withOperations(driver, () => driver.state, OPERATIONS)));
  }
}

/** Options of {@link MemoryStore}: none yet (an empty object, or nothing). */
export type MemoryStoreOptions = Readonly<Record<string, never>>;

/** The storage of {@link MemoryStore}: its state; the guard checks arguments, open state and errors. */
class MemoryStoreDriver {
  readonly name = 'MemoryStore';

  /** Not durable, not shared. */
  readonly features: CallStoreFeatures = FEATURES;

  #state = new MemoryState();

  /** Everything the store holds. */
  get state(): MemoryState {
    return this.#state;
  }

  /** Drops everything the store holds. */
  async close(): Promise<void> {
    this.#state = new MemoryState();
  }
}

import {
  GuardedCallStore,
  isLiveStatus,
  isTerminalStatus,
  type AttemptRecord,
  type CallDetailsRecord,
  type CallEventRecord,
  type CallInsert,
  type CallListQuery,
  type CallPage,
  type CallPatch,
  type CallRecord,
  type CallStatus,
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
  type NewCallEvent,
  type PurgeOptions,
  type SeriesStore,
  type UpdateResult,
} from '@call-scheduler/core';
import {
  MinHeap,
  checkDueSummaryQuery,
  decodeListCursor,
  decodeSequenceCursor,
  encodeListCursor,
  encodeSequenceCursor,
  invalidInput as invalidInputOf,
  noOptionsSchema,
  parseOptions,
} from '@call-scheduler/core/internal';
import { withMemorySeries } from './memory-series.js';

/** An entry of the store's heaps: a time and the call it is about. */
interface TimeHeapEntry {
  /** The time (epoch ms) the heap orders by. */
  readonly at: number;
  /** The call's id: entries with the same time come out in id order. */
  readonly id: string;
}

/** Earliest time first, then smallest id. */
const byTimeThenId = (a: TimeHeapEntry, b: TimeHeapEntry): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);

/** A min-heap of (time, id) entries with lazy deletion (core's heap). */
class TimeHeap extends MinHeap<TimeHeapEntry> {
  constructor() {
    super(byTimeThenId);
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Everything the store keeps about one call. Never handed out: callers get copies. */
interface StoredCall {
  record: Mutable<CallRecord>;
  readonly attempts: Mutable<AttemptRecord>[];
  /** This call's events, by id (the same objects as in the store-wide list). */
  readonly events: CallEventRecord[];
  /** The due-heap entry that is current for this call, or `null` when it is not due-able. */
  dueEntry: TimeHeapEntry | null;
  /** The lease-heap entry that is current for this call, or `null` when it holds no lease. */
  leaseEntry: TimeHeapEntry | null;
  /** The ended-heap entry that is current for this call, or `null` when it has not ended. */
  endedEntry: TimeHeapEntry | null;
}

/** The fields of {@link CallPatch} that are copied onto the record as they are. */
const PATCH_FIELDS = [
  'status',
  'dueAt',
  'at',
  'timeZone',
  'window',
  'expiresAt',
  'retry',
  'metadata',
  'providerCallId',
  'providerStatus',
  'error',
  'endedAt',
] as const satisfies readonly (keyof CallPatch & keyof CallRecord)[];

/** The fields of an attempt an update may change. */
const ATTEMPT_PATCH_FIELDS = ['status', 'providerCallId', 'providerStatus', 'endedAt', 'durationSeconds', 'error'] as const;

/** Heaps are compacted when stale entries outnumber live ones by this much. */
const HEAP_SLACK = 1024;

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

  #calls = new Map<string, StoredCall>();
  /**
   * Every call id, sorted (ids are time-ordered, so this is creation order). Ids of purged calls
   * stay until {@link MemoryStore.purgeCalls} compacts the list (readers skip them).
   */
  #order: string[] = [];
  /** How many ids in `#order` are of purged calls. */
  #purgedIds = 0;
  /**
   * Every event, in id order. Events of purged calls stay (in `#purgedEvents`, skipped by readers)
   * until {@link MemoryStore.purgeCalls} compacts the list.
   */
  #events: CallEventRecord[] = [];
  /** The events in `#events` whose call was purged. */
  #purgedEvents = new WeakSet<CallEventRecord>();
  #purgedEventCount = 0;
  /** The last event id handed out: ids are never reused, not even after a purge. */
  #lastEventId = 0;
  #byIdempotencyKey = new Map<string, string>();
  #byProviderCallId = new Map<string, string>();
  /** Scheduled calls by (dueAt, id). */
  #due = new TimeHeap();
  /** Leases by (expiresAt, id). */
  #leases = new TimeHeap();
  /** Ended (terminal) calls by (endedAt, id), for {@link MemoryStore.purgeCalls}. */
  #ended = new TimeHeap();
  /** Per number: how many of its calls are `dispatching` or live. */
  #activeByNumber = new Map<string, number>();
  /** Per number: the start times of every attempt to it. */
  #attemptStartsByNumber = new Map<string, number[]>();
  /** How many calls are in each status (for `countByStatus`). */
  #statusCounts = new Map<CallStatus, number>();

  #countStatus(status: CallStatus, delta: number): void {
    this.#statusCounts.set(status, (this.#statusCounts.get(status) ?? 0) + delta);
  }

  /** Drops everything the store holds. */
  async close(): Promise<void> {
    this.#calls = new Map();
    this.#statusCounts = new Map();
    this.#order = [];
    this.#purgedIds = 0;
    this.#events = [];
    this.#purgedEvents = new WeakSet();
    this.#purgedEventCount = 0;
    this.#byIdempotencyKey = new Map();
    this.#byProviderCallId = new Map();
    this.#due = new TimeHeap();
    this.#leases = new TimeHeap();
    this.#ended = new TimeHeap();
    this.#activeByNumber = new Map();
    this.#attemptStartsByNumber = new Map();
  }

  /** Inserts calls in one transaction, de-duplicating by idempotency key; see {@link CallStore.insertCalls}. */
  async insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    // First decide and copy everything (this may throw); then write (this cannot).
    type Plan = { readonly kind: 'existing'; readonly id: string } | { readonly kind: 'new'; readonly stored: StoredCall; readonly events: readonly NewCallEvent[] };
    const plans: Plan[] = [];
    const batchIds = new Set<string>();
    const batchKeys = new Map<string, string>();
    items.forEach(({ call, events }, index) => {
      const key = call.idempotencyKey;
      const earlier = key === null ? undefined : (this.#byIdempotencyKey.get(key) ?? batchKeys.get(key));
      if (earlier !== undefined) {
        plans.push({ kind: 'existing', id: earlier });
        return;
      }
      if (this.#calls.has(call.id) || batchIds.has(call.id)) {
        throw invalidInput(`items.${index}.call.id`, `a call with id ${call.id} is already stored`);
      }
      batchIds.add(call.id);
      if (key !== null) batchKeys.set(key, call.id);
      const record: Mutable<CallRecord> = {
        id: call.id,
        to: call.to,
        status: call.status,
        at: call.at,
        dueAt: call.dueAt,
        timeZone: call.timeZone,
        window: cloneJson(call.window),
        expiresAt: call.expiresAt,
        retry: cloneJson(call.retry),
        idempotencyKey: call.idempotencyKey,
        metadata: cloneJson(call.metadata),
        attemptCount: 0,
        providerCallId: null,
        providerStatus: null,
        lease: null,
        fencingToken: 0,
        version: 1,
        error: cloneJson(call.error),
        createdAt: call.createdAt,
        updatedAt: call.createdAt,
        endedAt: call.endedAt,
      };
      const stored: StoredCall = { record, attempts: [], events: [], dueEntry: null, leaseEntry: null, endedEntry: null };
      plans.push({ kind: 'new', stored, events: events.map(copyNewEvent) });
    });

    return plans.map((plan) => {
      if (plan.kind === 'existing') {
        const existing = this.#calls.get(plan.id) as StoredCall;
        return { call: copyCall(existing.record), created: false, events: [] };
      }
      const { stored } = plan;
      const { record } = stored;
      this.#calls.set(record.id, stored);
      this.#countStatus(record.status, +1);
      this.#insertOrdered(record.id);
      if (record.idempotencyKey !== null) this.#byIdempotencyKey.set(record.idempotencyKey, record.id);
      this.#countActive(record.to, record.status, +1);
      this.#syncDueEntry(stored);
      this.#syncEndedEntry(stored);
      const appended = plan.events.map((event) => this.#appendEvent(stored, event));
      return { call: copyCall(record), created: true, events: appended.map(copyEvent) };
    });
  }

  /** One call, or `undefined`; see {@link CallStore.getCall}. */
  async getCall(id: string): Promise<CallRecord | undefined> {
    const stored = this.#calls.get(id);
    return stored === undefined ? undefined : copyCall(stored.record);
  }

  /** One call with its attempts and events, or `undefined`; see {@link CallStore.getCallDetails}. */
  async getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    const stored = this.#calls.get(id);
    if (stored === undefined) return undefined;
    return {
      call: copyCall(stored.record),
      attempts: stored.attempts.map(copyAttempt),
      events: stored.events.map(copyEvent),
    };
  }

  /**
   * The call that has (or last had) this provider id, on the call or on any of its attempts, or
   * `undefined`. When two calls were given the same provider id, the one that got it last wins.
   */
  async findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    const id = this.#byProviderCallId.get(providerCallId);
    const stored = id === undefined ? undefined : this.#calls.get(id);
    return stored === undefined ? undefined : copyCall(stored.record);
  }

  /**
   * A page of calls in id order; see {@link CallStore.listCalls}.
   *
   * Walks ids in order from the cursor and filters on the way: O(log n) to find the start, then one
   * step per call visited, so a filter that matches few calls may visit many. The cursor is the
   * base64url of the last id returned.
   */
  async listCalls(query: CallListQuery): Promise<CallPage> {
    const { limit, order } = query;
    const after = query.cursor === null ? null : decodeListCursor(query.cursor);
    const statuses = query.statuses === undefined ? null : new Set<CallStatus>(query.statuses);
    const matches = (record: CallRecord): boolean =>
      (statuses === null || statuses.has(record.status)) &&
      (query.to === undefined || record.to === query.to) &&
      (query.atFrom === undefined || record.at >= query.atFrom) &&
      (query.atUntil === undefined || record.at < query.atUntil);

    const ids = this.#order;
    const items: CallRecord[] = [];
    let more = false;
    const step = order === 'asc' ? 1 : -1;
    let index: number;
    if (order === 'asc') index = after === null ? 0 : upperBound(ids, after);
    else index = (after === null ? ids.length : lowerBound(ids, after)) - 1;
    for (; index >= 0 && index < ids.length; index += step) {
      const record = this.#calls.get(ids[index] as string)?.record;
      if (record === undefined || !matches(record)) continue; // undefined: a purged call's id

      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(copyCall(record));
    }
    const last = items[items.length - 1];
    return { items, nextCursor: more && last !== undefined ? encodeListCursor(last.id) : null };
  }

  /**
   * Events committed after the cursor, in log order, optionally of one call; see
   * {@link CallStore.listEvents}. The cursor is the decimal event id: writes are serialized, so
   * id order is commit order.
   */
  async listEvents(query: EventListQuery): Promise<EventPage> {
    const { limit } = query;
    const afterId = decodeSequenceCursor(query.after) ?? 0;
    let items: CallEventRecord[];
    if (query.callId !== undefined) {
      const events = this.#calls.get(query.callId)?.events ?? [];
      const start = firstAfter(events, afterId);
      items = events.slice(start, start + limit).map(copyEvent);
    } else {
      const events = this.#events;
      items = [];
      for (let i = firstAfter(events, afterId); i < events.length && items.length < limit; i++) {
        const event = events[i] as CallEventRecord;
        if (!this.#purgedEvents.has(event)) items.push(copyEvent(event));
      }
    }
    return { items, nextCursor: items[items.length - 1]?.cursor ?? query.after };
  }

  /** The cursor of the last event ever appended, or `null`; see {@link CallStore.eventLogHead}. */
  async eventLogHead(): Promise<EventCursor | null> {
    return this.#lastEventId === 0 ? null : encodeSequenceCursor(this.#lastEventId);
  }

  /** Atomically claims due calls, earliest `dueAt` first; see {@link CallStore.claimDueCalls}. */
  async claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    const { now, limit, owner, leaseExpiresAt } = options;
    const onePerNumber = options.onePerNumber ?? false;
    const results: UpdateResult[] = [];
    const skipped: TimeHeapEntry[] = [];
    while (results.length < limit) {
      const top = this.#due.peek();
      if (top === undefined) break;
      const stored = this.#calls.get(top.id);
      if (stored === undefined || stored.dueEntry !== top) {
        this.#due.pop(); // stale: the call was claimed, rescheduled or ended since
        continue;
      }
      if (top.at > now) break;
      this.#due.pop();
      const { record } = stored;
      if (onePerNumber && (this.#activeByNumber.get(record.to) ?? 0) > 0) {
        skipped.push(top);
        continue;
      }
      // Claim: the call is no longer due; a new attempt under a new lease begins.
      stored.dueEntry = null;
      const attemptNumber = record.attemptCount + 1;
      const token = record.fencingToken + 1;
      const next: Mutable<CallRecord> = {
        ...record,
        status: 'dispatching',
        dueAt: null,
        attemptCount: attemptNumber,
        fencingToken: token,
        lease: { owner, token, expiresAt: leaseExpiresAt },
        version: record.version + 1,
        updatedAt: now,
      };
      this.#replaceRecord(stored, next);
      stored.attempts.push({
        callId: record.id,
        number: attemptNumber,
        status: 'dispatching',
        providerCallId: null,
        providerStatus: null,
        startedAt: now,
        endedAt: null,
        durationSeconds: null,
        error: null,
        schedulerId: owner,
      });
      this.#recordAttemptStart(record.to, now);
      const event = this.#appendEvent(stored, {
        type: 'dispatching',
        at: now,
        attempt: attemptNumber,
        status: 'dispatching',
        providerStatus: null,
        // Who claimed it and when it was due: the history names the host that dialed.
        data: { owner, dueAt: record.dueAt ?? now },
      });
      results.push({ call: copyCall(next), events: [copyEvent(event)] });
    }
    for (const entry of skipped) this.#due.push(entry);
    return results;
  }

  /** Atomically takes over expired leases, earliest first; see {@link CallStore.claimExpiredLeases}. */
  async claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    const { now, limit, owner, leaseExpiresAt } = options;
    const results: UpdateResult[] = [];
    // New leases enter the heap after the loop, so that a lease handed out already expired
    // (leaseExpiresAt <= now) is not taken over again by this same claim.
    const renewed: TimeHeapEntry[] = [];
    while (results.length < limit) {
      const top = this.#leases.peek();
      if (top === undefined) break;
      const stored = this.#calls.get(top.id);
      if (stored === undefined || stored.leaseEntry !== top) {
        this.#leases.pop(); // stale: the lease was renewed, released or taken over since
        continue;
      }
      if (top.at > now) break;
      this.#leases.pop();
      const { record } = stored;
      const previous = record.lease as NonNullable<CallRecord['lease']>;
      const token = record.fencingToken + 1;
      const next: Mutable<CallRecord> = {
        ...record,
        fencingToken: token,
        lease: { owner, token, expiresAt: leaseExpiresAt },
        version: record.version + 1,
        updatedAt: now,
      };
      this.#replaceRecord(stored, next, renewed);
      const event = this.#appendEvent(stored, {
        type: 'recovered',
        at: now,
        attempt: record.attemptCount > 0 ? record.attemptCount : null,
        status: record.status,
        providerStatus: null,
        data: { previousOwner: previous.owner, owner, previousToken: previous.token, previousExpiresAt: previous.expiresAt },
      });
      results.push({ call: copyCall(next), events: [copyEvent(event)] });
    }
    for (const entry of renewed) this.#leases.push(entry);
    return results;
  }

  /**
   * Applies a conditional write; see {@link CallStore.updateCall}.
   *
   * An `attempt` patch for an attempt that does not exist is a caller's mistake: it rejects with
   * `INVALID_INPUT` (naming `attempt.number`) and writes nothing. So does `unclaim` on a call with
   * no attempt, or together with an `attempt` patch (naming `unclaim`).
   */
  async updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    const stored = this.#calls.get(update.id);
    if (stored === undefined) return undefined;
    const { record } = stored;
    const { token, statuses, version } = update.expect;
    if (token !== undefined && (record.lease === null || record.lease.token !== token)) return undefined;
    if (statuses !== undefined && !statuses.includes(record.status)) return undefined;
    if (version !== undefined && record.version !== version) return undefined;

    // Copy everything first (this may throw); then write (this cannot).
    let attempt: Mutable<AttemptRecord> | undefined;
    let attemptNext: Mutable<AttemptRecord> | undefined;
    if (update.attempt !== undefined) {
      const { number } = update.attempt;
      attempt = stored.attempts[number - 1];
      if (attempt === undefined || attempt.number !== number) {
        throw invalidInput('attempt.number', `call ${record.id} has no attempt ${String(number)}`);
      }
      attemptNext = { ...attempt };
      const patch = update.attempt.set as Partial<Record<(typeof ATTEMPT_PATCH_FIELDS)[number], unknown>>;
      for (const field of ATTEMPT_PATCH_FIELDS) {
        const value = patch[field];
        if (value !== undefined) (attemptNext as Record<string, unknown>)[field] = cloneJson(value);
      }
    }
    let unclaimed: AttemptRecord | undefined;
    if (update.unclaim === true) {
      unclaimed = stored.attempts[stored.attempts.length - 1];
      if (record.attemptCount < 1 || unclaimed === undefined || unclaimed.number !== record.attemptCount) {
        throw invalidInput('unclaim', `call ${record.id} has no attempt to unclaim`);
      }
    }
    const next: Mutable<CallRecord> = { ...record, version: record.version + 1, updatedAt: update.now };
    if (unclaimed !== undefined) next.attemptCount = record.attemptCount - 1;
    const set = update.set as Partial<Record<(typeof PATCH_FIELDS)[number], unknown>>;
    for (const field of PATCH_FIELDS) {
      const value = set[field];
      if (value !== undefined) (next as Record<string, unknown>)[field] = cloneJson(value);
    }
    const leaseExpiresAt = update.set.leaseExpiresAt;
    if (leaseExpiresAt === null) next.lease = null;
    else if (leaseExpiresAt !== undefined && record.lease !== null) next.lease = { ...record.lease, expiresAt: leaseExpiresAt };
    const events = (update.events ?? []).map(copyNewEvent);

    this.#replaceRecord(stored, next);
    if (attempt !== undefined && attemptNext !== undefined) {
      stored.attempts[attempt.number - 1] = attemptNext;
      if (attemptNext.providerCallId !== null) this.#byProviderCallId.set(attemptNext.providerCallId, record.id);
    }
    if (unclaimed !== undefined) {
      stored.attempts.pop();
      this.#forgetAttemptStart(record.to, unclaimed.startedAt);
    }
    const appended = events.map((event) => this.#appendEvent(stored, event));
    return { call: copyCall(next), events: appended.map(copyEvent) };
  }

  /** Calls per status (see {@link MemoryStore.countByStatus}). */
  async countByStatus(): Promise<CallStatusCounts> {
    const counts: Partial<Record<CallStatus, number>> = {};
    for (const [status, count] of this.#statusCounts) if (count > 0) counts[status] = count;
    return counts;
  }

  /** See {@link MemoryStore.dueSummary}. */
  async dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    const top = this.#validTop(this.#due, (stored) => stored.dueEntry);
    const bound = query.now + query.horizonMs;
    let dueWithin = 0;
    if (top !== undefined && top.at <= bound) {
      for (const { record } of this.#calls.values()) {
        if (record.status === 'scheduled' && record.dueAt !== null && record.dueAt <= bound) dueWithin++;
      }
    }
    return { earliestDueAt: top?.at ?? null, dueWithin };
  }

  /** The earliest due time or lease expiry, or `null`; see {@link CallStore.nextWakeUpAt}. */
  async nextWakeUpAt(): Promise<number | null> {
    const due = this.#validTop(this.#due, (stored) => stored.dueEntry);
    const lease = this.#validTop(this.#leases, (stored) => stored.leaseEntry);
    if (due === undefined) return lease?.at ?? null;
    if (lease === undefined) return due.at;
    return Math.min(due.at, lease.at);
  }

  /** Attempts to a number started at or after `since`; see {@link CallStore.countAttempts}. */
  async countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    const starts = this.#attemptStartsByNumber.get(query.to);
    if (starts === undefined) return 0;
    let count = 0;
    for (const start of starts) if (start >= query.since) count++;
    return count;
  }

  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first, with their attempts and events; see
   * {@link CallStore.purgeCalls}. Idempotency keys and provider ids of the deleted calls are
   * forgotten; event ids are never reused.
   *
   * Finding the calls walks a min-heap of ended calls by (endedAt, id), O(k log n) for k calls
   * (plus the ones that a `statuses` filter skips). Their ids and events are marked and skipped by
   * readers, and the lists are compacted once purged entries are half of them, so a purge costs
   * O(k log n + events of the k calls), amortized.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  async purgeCalls(options: PurgeOptions): Promise<number> {
    const { endedBefore, limit } = options;
    const statuses = options.statuses === undefined ? null : new Set<CallStatus>(options.statuses);
    const victims: StoredCall[] = [];
    const skipped: TimeHeapEntry[] = [];
    while (victims.length < limit) {
      const top = this.#ended.peek();
      if (top === undefined) break;
      const stored = this.#calls.get(top.id);
      if (stored === undefined || stored.endedEntry !== top) {
        this.#ended.pop(); // stale: the call was purged, or its end time changed
        continue;
      }
      if (top.at >= endedBefore) break;
      this.#ended.pop();
      if (statuses !== null && !statuses.has(stored.record.status)) skipped.push(top);
      else victims.push(stored);
    }
    for (const entry of skipped) this.#ended.push(entry);
    if (victims.length === 0) return 0;

    for (const stored of victims) {
      const { record } = stored;
      this.#calls.delete(record.id);
      this.#countStatus(record.status, -1);
      this.#purgedIds += 1;
      for (const event of stored.events) this.#purgedEvents.add(event);
      this.#purgedEventCount += stored.events.length;
      stored.endedEntry = null;
      if (record.idempotencyKey !== null && this.#byIdempotencyKey.get(record.idempotencyKey) === record.id) {
        this.#byIdempotencyKey.delete(record.idempotencyKey);
      }
      for (const providerCallId of [record.providerCallId, ...stored.attempts.map((a) => a.providerCallId)]) {
        if (providerCallId !== null && this.#byProviderCallId.get(providerCallId) === record.id) this.#byProviderCallId.delete(providerCallId);
      }
      for (const attempt of stored.attempts) this.#forgetAttemptStart(record.to, attempt.startedAt);
      // A terminal call is neither due nor counted as active; a lease it still held goes stale in its heap.
    }
    // Compact once purged entries are half of a list: one pass per as many deletions (amortized O(1)).
    if (this.#purgedIds > HEAP_SLACK && 2 * this.#purgedIds > this.#order.length) {
      this.#order = this.#order.filter((id) => this.#calls.has(id));
      this.#purgedIds = 0;
    }
    if (this.#purgedEventCount > HEAP_SLACK && 2 * this.#purgedEventCount > this.#events.length) {
      this.#events = this.#events.filter((event) => !this.#purgedEvents.has(event));
      this.#purgedEventCount = 0;
    }
    return victims.length;
  }

  // ------------------------------------------------------------------ internals

  /**
   * Installs `next` as the call's record and keeps every index in step with it. A new lease entry
   * goes to `deferLeases` instead of the heap when given.
   */
  #replaceRecord(stored: StoredCall, next: Mutable<CallRecord>, deferLeases?: TimeHeapEntry[]): void {
    const previous = stored.record;
    stored.record = next;
    if (previous.status !== next.status) {
      this.#countStatus(previous.status, -1);
      this.#countStatus(next.status, +1);
      this.#countActive(previous.to, previous.status, -1);
      this.#countActive(next.to, next.status, +1);
    }
    if (previous.status !== next.status || previous.dueAt !== next.dueAt) this.#syncDueEntry(stored);
    if (previous.lease !== next.lease) this.#syncLeaseEntry(stored, deferLeases);
    if (previous.status !== next.status || previous.endedAt !== next.endedAt) this.#syncEndedEntry(stored);
    if (next.providerCallId !== null && next.providerCallId !== previous.providerCallId) {
      this.#byProviderCallId.set(next.providerCallId, next.id);
    }
  }

  /** Points the call's due entry at its current (status, dueAt), pushing a new entry if needed. */
  #syncDueEntry(stored: StoredCall): void {
    const { record } = stored;
    if (record.status !== 'scheduled' || record.dueAt === null) {
      stored.dueEntry = null;
      return;
    }
    if (stored.dueEntry !== null && stored.dueEntry.at === record.dueAt) return;
    const entry = { at: record.dueAt, id: record.id };
    stored.dueEntry = entry;
    this.#due.push(entry);
    if (this.#due.size > 2 * this.#calls.size + HEAP_SLACK) {
      this.#due.retain((e) => this.#calls.get(e.id)?.dueEntry === e);
    }
  }

  /** Points the call's lease entry at its current lease, pushing a new entry (or deferring it). */
  #syncLeaseEntry(stored: StoredCall, defer?: TimeHeapEntry[]): void {
    const { lease } = stored.record;
    if (lease === null) {
      stored.leaseEntry = null;
      return;
    }
    const entry = { at: lease.expiresAt, id: stored.record.id };
    stored.leaseEntry = entry;
    if (defer !== undefined) {
      defer.push(entry);
      return;
    }
    this.#leases.push(entry);
    if (this.#leases.size > 2 * this.#calls.size + HEAP_SLACK) {
      this.#leases.retain((e) => this.#calls.get(e.id)?.leaseEntry === e);
    }
  }

  /** Points the call's ended entry at its current `endedAt` when it is terminal, pushing a new entry if needed. */
  #syncEndedEntry(stored: StoredCall): void {
    const { record } = stored;
    if (!isTerminalStatus(record.status) || record.endedAt === null) {
      stored.endedEntry = null;
      return;
    }
    if (stored.endedEntry !== null && stored.endedEntry.at === record.endedAt) return;
    const entry = { at: record.endedAt, id: record.id };
    stored.endedEntry = entry;
    this.#ended.push(entry);
    if (this.#ended.size > 2 * this.#calls.size + HEAP_SLACK) {
      this.#ended.retain((e) => this.#calls.get(e.id)?.endedEntry === e);
    }
  }

  /** The earliest entry of `heap` that is still current, dropping stale ones on the way. */
  #validTop(heap: TimeHeap, current: (stored: StoredCall) => TimeHeapEntry | null): TimeHeapEntry | undefined {
    for (;;) {
      const top = heap.peek();
      if (top === undefined) return undefined;
      const stored = this.#calls.get(top.id);
      if (stored !== undefined && current(stored) === top) return top;
      heap.pop();
    }
  }

  #countActive(to: string, status: CallStatus, delta: 1 | -1): void {
    if (status !== 'dispatching' && !isLiveStatus(status)) return;
    const count = (this.#activeByNumber.get(to) ?? 0) + delta;
    if (count <= 0) this.#activeByNumber.delete(to);
    else this.#activeByNumber.set(to, count);
  }

  #recordAttemptStart(to: string, startedAt: number): void {
    const starts = this.#attemptStartsByNumber.get(to);
    if (starts === undefined) this.#attemptStartsByNumber.set(to, [startedAt]);
    else starts.push(startedAt);
  }

  /** Removes one recorded start at `startedAt` (an attempt undone by `unclaim`). */
  #forgetAttemptStart(to: string, startedAt: number): void {
    const starts = this.#attemptStartsByNumber.get(to);
    if (starts === undefined) return;
    const index = starts.lastIndexOf(startedAt);
    if (index >= 0) starts.splice(index, 1);
    if (starts.length === 0) this.#attemptStartsByNumber.delete(to);
  }

  #appendEvent(stored: StoredCall, event: NewCallEvent): CallEventRecord {
    this.#lastEventId += 1;
    const id = this.#lastEventId;
    const record: CallEventRecord = { ...event, id, cursor: encodeSequenceCursor(id), callId: stored.record.id };
    this.#events.push(record);
    stored.events.push(record);
    return record;
  }

  /** Adds `id` to the sorted id list: appended in O(1) when it is the newest, as usual. */
  #insertOrdered(id: string): void {
    const ids = this.#order;
    const last = ids[ids.length - 1];
    if (last === undefined || last < id) {
      ids.push(id);
      return;
    }
    const index = lowerBound(ids, id);
    if (ids[index] === id) this.#purgedIds -= 1; // the id of a purged call, stored again: it is live once more
    else ids.splice(index, 0, id);
  }
}

/** A deep copy of a JSON-like value (`null` stays `null`). */
function cloneJson<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

function copyCall(record: CallRecord): CallRecord {
  return {
    ...record,
    window: cloneJson(record.window),
    retry: cloneJson(record.retry),
    metadata: cloneJson(record.metadata),
    error: cloneJson(record.error),
    lease: record.lease === null ? null : { ...record.lease },
  };
}

function copyAttempt(attempt: AttemptRecord): AttemptRecord {
  return { ...attempt, error: cloneJson(attempt.error) };
}

function copyEvent(event: CallEventRecord): CallEventRecord {
  return { ...event, data: cloneJson(event.data) };
}

/** Copies the known fields of an event to append (and nothing else). */
function copyNewEvent(event: NewCallEvent): NewCallEvent {
  return {
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    providerStatus: event.providerStatus,
    data: cloneJson(event.data),
  };
}

/** The index of the first event with an id greater than `afterId` in `events` (in id order). */
function firstAfter(events: readonly CallEventRecord[], afterId: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((events[mid] as CallEventRecord).id <= afterId) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose id is greater than `id`. */
function upperBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ids[mid] as string) <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose id is not less than `id`. */
function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ids[mid] as string) < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

function invalidInput(path: string, message: string): ReturnType<typeof invalidInputOf> {
  return invalidInputOf([{ path, message, rule: 'custom' }], 'call write');
}

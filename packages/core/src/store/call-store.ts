import type { CallStatus } from '../call/call-status.js';
import type { CallError } from '../call/call.js';
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import type {
  AttemptRecord,
  CallEventRecord,
  CallRecord,
  EventCursor,
  NewCallEvent,
  NewCallRecord,
} from './call-record.js';

/** What a store tells the scheduler about itself. Every flag defaults to `false`. */
export interface CallStoreFeatures {
  /** Calls survive a restart of the process. @default false */
  readonly durable?: boolean;
  /**
   * Other processes may write the same store, so the scheduler re-reads it on a slow interval
   * (`storeRereadIntervalMs`) to see their calls. @default false
   */
  readonly shared?: boolean;
  /**
   * The store is a server reached over a network (PostgreSQL): every operation is a round trip, and
   * the server plans and runs each statement whatever its size, so a claim of many calls costs
   * little more than a claim of a few. The scheduler then lets one claim take a whole
   * `claimBatchSize` even when that is more than twice `maxConcurrentRequests` (in a burst: fewer,
   * larger claims and merged writes). Leave it out for a store in the process (memory, SQLite):
   * there a larger claim is more work on the event loop, or in the messages of a store thread, at
   * once. @default false
   */
  readonly networked?: boolean;
}

/** One call to insert, with the events that go with it (usually one `scheduled` event). */
export interface CallInsert {
  /** The call. */
  readonly call: NewCallRecord;
  /** History to append in the same transaction. */
  readonly events: readonly NewCallEvent[];
}

/** The answer to one {@link CallInsert}. */
export interface InsertResult {
  /** The stored call: the new one, or the earlier one with the same idempotency key. */
  readonly call: CallRecord;
  /** False when an earlier call with the same `idempotencyKey` was returned instead. */
  readonly created: boolean;
  /** The events appended (empty when `created` is false). */
  readonly events: readonly CallEventRecord[];
}

/** Filters and page of {@link CallStore.listCalls}. */
export interface CallListQuery {
  /** Only calls in one of these statuses. */
  readonly statuses?: readonly CallStatus[];
  /** Only calls to this E.164 number. */
  readonly to?: string;
  /** Only calls with `at >= atFrom`. */
  readonly atFrom?: number;
  /** Only calls with `at < atUntil`. */
  readonly atUntil?: number;
  /**
   * Only the occurrence calls of this series (a store that supports series; see `SeriesStore`).
   * A store without series answers an empty page for it.
   */
  readonly seriesId?: string;
  /** Page size, 1 to 1000. */
  readonly limit: number;
  /** The `nextCursor` of the previous page, or `null` for the first. */
  readonly cursor: string | null;
  /** By id (which is creation order): `desc` is newest first. */
  readonly order: 'asc' | 'desc';
}

/** A page of calls. */
export interface CallPage {
  /** The calls of this page. */
  readonly items: readonly CallRecord[];
  /** Pass to the next query to get the next page; `null` when this is the last. */
  readonly nextCursor: string | null;
}

/** A call with its whole history. */
export interface CallDetailsRecord {
  /** The call. */
  readonly call: CallRecord;
  /** Attempts by number. */
  readonly attempts: readonly AttemptRecord[];
  /** Events by id. */
  readonly events: readonly CallEventRecord[];
}

/** Arguments of {@link CallStore.listEvents}. */
export interface EventListQuery {
  /**
   * Read the events committed after this position: an event's {@link CallEventRecord.cursor}, a
   * page's {@link EventPage.nextCursor}, or {@link CallStore.eventLogHead}'s answer. `null` reads
   * from the beginning of the log.
   */
  readonly after: EventCursor | null;
  /** At most this many events, 1 to 1000. */
  readonly limit: number;
  /** Only the events of this call. */
  readonly callId?: string;
}

/** A page of the event log. */
export interface EventPage {
  /** Events in log (commit) order. */
  readonly items: readonly CallEventRecord[];
  /**
   * Where to continue: the last item's cursor, or the query's `after` when no event followed it
   * (`null` only when the log was read from the beginning and is empty).
   */
  readonly nextCursor: EventCursor | null;
}

/** What {@link CallStore.watch} reports. Both fields are hints; a listener re-reads the store. */
export interface CallStoreChange {
  /**
   * Set when some handle of the store (another process or host included) made a call due earlier
   * than anything announced before: the instant it is due. A scheduler re-arms its timer to it.
   */
  readonly dueAt?: number;
  /** Set when some handle committed events: followers of the event log read after their cursor. */
  readonly events?: boolean;
}

/** A running {@link CallStore.watch}. */
export interface CallStoreWatch {
  /** Stops watching; once it resolves, the listener is not called again. Runs once. */
  close(): Promise<void>;
}

/** What a store says of itself in a health check (see {@link CallStore.health}). */
export interface CallStoreHealth {
  /** The store answered. */
  readonly ok: boolean;
  /**
   * For a store that can {@link CallStore.watch}: `true` while change notifications arrive,
   * `false` while the store has degraded to the scheduler's slow re-read (a lost listener that is
   * reconnecting). Absent for stores without `watch`.
   */
  readonly watching?: boolean;
  /** Store-specific facts (schema version, pool size, file size...), JSON-serialisable. */
  readonly details?: JsonObject;
}

/** Calls per status, from {@link CallStore.countByStatus}. */
export type CallStatusCounts = Readonly<Partial<Record<CallStatus, number>>>;

/** The query of {@link CallStore.dueSummary}. */
export interface DueSummaryQuery {
  /** The scheduler's notion of now (the store never reads a clock). */
  readonly now: number;
  /** Count the calls due up to `now + horizonMs` (ms, at least 0). */
  readonly horizonMs: number;
}

/** What {@link CallStore.dueSummary} answers. */
export interface DueSummary {
  /** The smallest `dueAt` of a `scheduled` call, or `null` when none is scheduled. */
  readonly earliestDueAt: number | null;
  /** How many `scheduled` calls have `dueAt <= now + horizonMs` (overdue ones included). */
  readonly dueWithin: number;
}

/** Arguments of the two claim operations. */
export interface ClaimOptions {
  /** The scheduler's notion of now; the store never reads a clock. */
  readonly now: number;
  /** At most this many calls. */
  readonly limit: number;
  /** The claiming scheduler's id. */
  readonly owner: string;
  /** The new lease's expiry. */
  readonly leaseExpiresAt: number;
  /**
   * For {@link CallStore.claimDueCalls}: claim calls due up to this instant (at least `now`), so
   * that a scheduler can hold calls a little before their time and dial each at its time. The
   * claim's writes are still stamped `now`. Other operations ignore it.
   * @default now
   */
  readonly dueBy?: number;
  /**
   * For {@link CallStore.claimDueCalls}: skip a due call when another call to the same number is
   * `dispatching` or live, and claim at most one call per number in one claim.
   * @default false
   */
  readonly onePerNumber?: boolean;
}

/** The fields of a call an update may change. */
export interface CallPatch {
  /** New status. */
  readonly status?: CallStatus;
  /** New due time (set with `status: 'scheduled'`), or `null`. */
  readonly dueAt?: number | null;
  /** New requested time. */
  readonly at?: number;
  /** New time zone. */
  readonly timeZone?: string | null;
  /** New window. */
  readonly window?: CallingWindow | null;
  /** New expiry. */
  readonly expiresAt?: number | null;
  /** New retry policy. */
  readonly retry?: RetryPolicy | null;
  /** New metadata. */
  readonly metadata?: JsonObject | null;
  /** The current attempt's provider id. */
  readonly providerCallId?: string | null;
  /** The current attempt's provider status word. */
  readonly providerStatus?: string | null;
  /** Error, or `null` to clear. */
  readonly error?: CallError | null;
  /** End time. */
  readonly endedAt?: number | null;
  /**
   * Lease change: a number renews the current lease until then (owner and token unchanged);
   * `null` releases it. Only meaningful with `expect.token`.
   */
  readonly leaseExpiresAt?: number | null;
}

/** The fields of an attempt an update may change. */
export type AttemptPatch = Partial<Omit<AttemptRecord, 'callId' | 'number' | 'startedAt'>>;

/**
 * One conditional write: it happens only if every condition in `expect` holds, and then all of it
 * (call, attempt and events) happens in one transaction.
 */
export interface CallUpdate {
  /** The call. */
  readonly id: string;
  /** Conditions; at least one should be given. */
  readonly expect: {
    /** The call's current lease must carry this fencing token (and not be released). */
    readonly token?: number;
    /** The call's status must be one of these. */
    readonly statuses?: readonly CallStatus[];
    /** The call's `version` must be this. */
    readonly version?: number;
  };
  /** Changes to the call. */
  readonly set: CallPatch;
  /** Changes to one of the call's attempts (which must exist). */
  readonly attempt?: {
    /** The attempt's number (1 for the first dial). */
    readonly number: number;
    /** The changes. */
    readonly set: AttemptPatch;
  };
  /** Events to append. */
  readonly events?: readonly NewCallEvent[];
  /**
   * Undoes the claim that created the current attempt, for a claimed call that will not be dialed
   * now (outside its calling window, its number over a cap): deletes attempt number
   * `attemptCount` and decrements `attemptCount`, so the attempt is not counted. Combine with
   * `set: { status: 'scheduled', dueAt, leaseExpiresAt: null }` and `expect.token`; `attempt`
   * must not be given with it. @default false
   */
  readonly unclaim?: boolean;
  /** The write's time: becomes `updatedAt`. */
  readonly now: number;
}

/** The result of a successful write. */
export interface UpdateResult {
  /** The call after the write. */
  readonly call: CallRecord;
  /** The events appended, with their ids. */
  readonly events: readonly CallEventRecord[];
}

/** What {@link CallStore.nextWakeUpTimes} answers. */
export interface WakeUpTimes {
  /** The smallest `dueAt` of a `scheduled` call, or `null`. */
  readonly due: number | null;
  /** The smallest `expiresAt` of a lease, or `null`. */
  readonly leaseExpiry: number | null;
}

/** What {@link CallStore.claimDueCallsWithWakeUp} answers. */
export interface ClaimWithWakeUp {
  /** The claimed calls, as {@link CallStore.claimDueCalls} answers them. */
  readonly claimed: UpdateResult[];
  /**
   * The next wake-up times as they stand after the claim, as {@link CallStore.nextWakeUpTimes}
   * would answer right after it: the calls just claimed no longer count as due, and their leases
   * count. A call another handle is claiming at the same moment may still count as due.
   */
  readonly wakeUp: WakeUpTimes;
}

/**
 * Where calls, attempts and events live. The scheduler is the only clock: every operation that
 * depends on time takes `now` as an argument, and a store never reads the time itself.
 *
 * Every write is atomic. Every implementation must pass `testCallStore()` from
 * `@call-scheduler/core/testing`; `docs/writing-a-store.md` walks through one.
 */
export interface CallStore {
  /** Optional abilities; see {@link CallStoreFeatures}. */
  readonly features?: CallStoreFeatures;

  /**
   * Prepares the store (open files, run migrations). Called by the scheduler before anything else.
   * Runs once even if called twice; after a failure the next call tries again.
   */
  init?(): Promise<void>;

  /** Releases resources. Every later call throws a `STORE_CLOSED` error. Runs once. */
  close?(): Promise<void>;

  /**
   * Inserts calls in one transaction. A call whose `idempotencyKey` is already stored (or appears
   * earlier in the same batch) is not inserted: the earlier call is returned with `created: false`.
   * Results are in input order.
   */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]>;

  /** One call, or `undefined`. */
  getCall(id: string): Promise<CallRecord | undefined>;

  /** One call with its attempts and events, or `undefined`. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined>;

  /** The call whose current or last attempt has this provider id, or `undefined`. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined>;

  /**
   * A page of calls by id order with keyset pagination: calls inserted while a client pages
   * through never cause a duplicate or a gap.
   */
  listCalls(query: CallListQuery): Promise<CallPage>;

  /**
   * The events committed after `query.after`, in log order, at most `limit`; optionally of one
   * call. A reader that resumes from the returned cursors sees every event exactly once, also when
   * writers on other connections commit out of id order.
   */
  listEvents(query: EventListQuery): Promise<EventPage>;

  /**
   * The cursor of the log's current end: `listEvents({ after: head })` returns only events
   * committed after this call. `null` when the log is empty.
   */
  eventLogHead(): Promise<EventCursor | null>;

  /**
   * Atomically claims up to `limit` calls that are `scheduled` with `dueAt <= now`, earliest
   * `dueAt` first (then id). For each: status becomes `dispatching`, `dueAt` null,
   * `attemptCount` +1, `fencingToken` +1, a lease with that token to `owner` until
   * `leaseExpiresAt`, a new attempt record (`dispatching`, started `now`) and a `dispatching`
   * event. Two concurrent claimers never receive the same call.
   */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]>;

  /**
   * Atomically takes over up to `limit` calls whose lease has `expiresAt <= now`, earliest first:
   * `fencingToken` +1, a new lease to `owner`, a `recovered` event. The status is unchanged; the
   * scheduler then decides (poll a live call, settle an unknown dial).
   */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]>;

  /**
   * Applies `update` if its conditions hold, in one transaction. Returns `undefined` when the call
   * does not exist or a condition fails (a stale fencing token, another status, another version).
   */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined>;

  /**
   * The earliest instant at which something stored needs a scheduler: the smallest `dueAt` of a
   * `scheduled` call or `expiresAt` of a lease. `null` when there is none.
   */
  nextWakeUpAt(): Promise<number | null>;

  /**
   * Optional: the two instants of {@link CallStore.nextWakeUpAt} apart, read together (one
   * snapshot). A scheduler that has them skips the recovery of expired leases while the earliest
   * lease is still running, one store call (a round trip on a network store) saved per claim.
   * Stores without it work as before: recovery is tried on every claim.
   */
  nextWakeUpTimes?(): Promise<WakeUpTimes>;

  /**
   * Optional: {@link CallStore.claimDueCalls}, then {@link CallStore.nextWakeUpTimes}, in one store
   * call (on PostgreSQL one statement, so one round trip instead of two). The scheduler reads the
   * next wake-up after every claim; a store with this method (and `nextWakeUpTimes`) saves that
   * read. Stores without it get the two calls.
   */
  claimDueCallsWithWakeUp?(options: ClaimOptions): Promise<ClaimWithWakeUp>;

  /**
   * How many attempts to `to` started at or after `since` (for per-number caps).
   */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number>;

  /**
   * Optional: calls `onChange` when any handle of the store (other processes and hosts included)
   * makes a call due earlier or commits events, so schedulers wake at once instead of at their next
   * slow re-read, and event followers read at once. A store without it is only re-read on the
   * scheduler's interval. Notifications are hints and may be coalesced or lost while reconnecting:
   * a watcher always re-reads the store, and the slow re-read stays as the safety net.
   */
  watch?(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch>;

  /** Optional: the store's own health facts for `CallScheduler.health()`. @default `{ ok: true }` when absent */
  health?(): Promise<CallStoreHealth>;

  /**
   * Optional: how many calls are stored in each status (statuses with none may be left out). Read
   * by the `call_scheduler.calls` gauge and `CallScheduler.countInFlight()`; a store answers it
   * from an index, not by reading every call when it can.
   */
  countByStatus?(): Promise<CallStatusCounts>;

  /**
   * Optional: the due calls at `now`: the earliest `dueAt` of a `scheduled` call (overdue
   * included), and how many `scheduled` calls have `dueAt <= now + horizonMs`. For
   * `CallScheduler.health()` (`oldestOverdueMs`, `dueNextMinute`); answered from the due index.
   */
  dueSummary?(query: DueSummaryQuery): Promise<DueSummary>;

  /**
   * Retention: deletes up to `limit` ended calls, together with their attempts and events, in one
   * transaction. A call is deleted only when its status is terminal (one of
   * `TERMINAL_CALL_STATUSES`) and its `endedAt` is set and before `endedBefore`; with `statuses`,
   * only calls in one of those. The oldest `endedAt` go first (then id). A call that is
   * `scheduled`, `dispatching` or live is never touched, whatever its fields say. Returns how many
   * calls were deleted: fewer than `limit` means nothing more matches.
   *
   * After a purge the call is gone everywhere: `getCall` and `getCallDetails` answer `undefined`,
   * `listCalls` and `listEvents` no longer show it or its events, its attempts no longer count in
   * `countAttempts`, and its idempotency key is free again (scheduling with that key creates a new
   * call). Keyset pagination stays correct (a cursor may name a deleted call), and the ids of
   * deleted events are never handed out again.
   *
   * Optional: a store without it keeps everything for ever, and `CallScheduler.purge` throws a
   * `CallSchedulerError` with code `NOT_SUPPORTED`. Like every method, it never reads the clock:
   * the scheduler passes the bound.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses` (a
   * status that is not terminal) for options it cannot answer; nothing is deleted.
   */
  purgeCalls?(options: {
    /** Only calls with `endedAt < endedBefore` (epoch ms). */
    readonly endedBefore: number;
    /** At most this many calls (a whole number of at least 1). */
    readonly limit: number;
    /** Only calls in one of these terminal statuses. @default every terminal status */
    readonly statuses?: readonly CallStatus[];
  }): Promise<number>;
}

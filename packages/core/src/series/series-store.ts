import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import type { Disambiguation } from '../policy/zoned-time.js';
import type { CallEventRecord, CallRecord, NewCallEvent, NewCallRecord } from '../store/call-record.js';
import type { CatchUpPolicy } from './series-input.js';

/** The life of a series: `active` creates occurrences, `paused` does not until resumed, `ended` never will again. */
export type CallSeriesStatus = 'active' | 'paused' | 'ended';

/** The values of {@link CallSeriesStatus}. */
export const CALL_SERIES_STATUSES: readonly CallSeriesStatus[] = ['active', 'paused', 'ended'];

/** Why a series ended. */
export type SeriesEndReason = 'count' | 'endAt' | 'exhausted' | 'canceled';

/**
 * The fields a series has both as a store keeps it ({@link CallSeriesRecord}) and as the public
 * `CallSeries` that `CallScheduler.scheduleSeries` returns, with every instant as `Instant`:
 * integer epoch ms (UTC) in the record, a `Date` in `CallSeries`.
 *
 * @typeParam Instant - How an instant is written: `number` (epoch ms) or `Date`.
 */
export interface CallSeriesFields<Instant> {
  /** Stable id, chosen by the scheduler (a time-ordered UUID v7). */
  readonly id: string;
  /** The number every occurrence dials, in E.164. */
  readonly to: string;
  /** Five-field cron pattern, read on the wall clocks of `timeZone`. */
  readonly cron: string;
  /** The recipient's IANA time zone. */
  readonly timeZone: string;
  /** How a matched time in a DST gap or overlap becomes an instant. */
  readonly disambiguation: Disambiguation;
  /** No occurrence before this instant, or `null`. */
  readonly startAt: Instant | null;
  /** No occurrence after this instant, or `null`. */
  readonly endAt: Instant | null;
  /** The series ends after this many occurrence calls, or `null` for no limit. */
  readonly count: number | null;
  /** Local dates `YYYY-MM-DD` without an occurrence, sorted. */
  readonly skipDates: readonly string[];
  /**
   * Single occurrences canceled before their call was created, sorted; the planner leaves them
   * out and drops them from the list once the cursor has passed them.
   */
  readonly excludedOccurrences: readonly Instant[];
  /** What happens to occurrences missed while no scheduler ran. */
  readonly catchUp: CatchUpPolicy;
  /** Calling window of each occurrence, or `null` for the scheduler's. */
  readonly window: CallingWindow | null;
  /** Retry policy of each occurrence, or `null` for the scheduler's. */
  readonly retry: RetryPolicy | null;
  /** Copied onto every occurrence call. */
  readonly metadata: JsonObject | null;
  /** The key that de-duplicates scheduling the series (unique among all series of a store), or `null`. */
  readonly idempotencyKey: string | null;
  /** `active`, `paused` or `ended`: see {@link CallSeriesStatus}. */
  readonly status: CallSeriesStatus;
  /** The earliest occurrence without a call yet; `null` once the series has no more (then `status` is `ended`). */
  readonly nextOccurrenceAt: Instant | null;
  /** The latest occurrence with a call, or `null` before the first. */
  readonly lastOccurrenceAt: Instant | null;
  /** How many occurrence calls the series has created (for `count`). */
  readonly occurrencesCreated: number;
  /** Why the series ended, or `null`. */
  readonly endReason: SeriesEndReason | null;
  /** When the series was scheduled (inserted). */
  readonly createdAt: Instant;
  /** When the series was last changed (written). */
  readonly updatedAt: Instant;
  /** When the series ended, or `null`. */
  readonly endedAt: Instant | null;
}

/** A series as a store keeps it. All times are integer epoch ms (UTC). */
export interface CallSeriesRecord extends CallSeriesFields<number> {
  /** Each occurrence's `expiresAt` is its time plus this, or `null` for no expiry. */
  readonly expiresAfterMs: number | null;
  /** While `active`: when a scheduler must plan the series again. `null` otherwise. */
  readonly planAt: number | null;
  /** Incremented by every write; the compare-and-set of every change. */
  readonly version: number;
}

/** What the scheduler inserts: a series before its first step (`version` 1 is set by the store). */
export type NewCallSeriesRecord = Omit<CallSeriesRecord, 'version' | 'updatedAt'>;

/** The two fields an occurrence call has on top of an ordinary call; unique together. */
export interface SeriesOccurrenceFields {
  /** The series that created the call. */
  readonly seriesId: string;
  /** The occurrence's time (before window snapping): the call's `at`. */
  readonly occurrenceAt: number;
}

/** A call that belongs to a series, as a store returns it. */
export type OccurrenceCallRecord = CallRecord & SeriesOccurrenceFields;

/** One occurrence call to insert, with its events (usually one `scheduled` event). */
export interface OccurrenceInsert {
  /** The call, with its series key. */
  readonly call: NewCallRecord & SeriesOccurrenceFields;
  /** History appended in the same transaction. */
  readonly events: readonly NewCallEvent[];
}

/** The fields of the series cursor one step moves. */
export interface SeriesCursorPatch {
  /** New {@link CallSeriesRecord.nextOccurrenceAt}. */
  readonly nextOccurrenceAt: number | null;
  /** New {@link CallSeriesRecord.lastOccurrenceAt}. */
  readonly lastOccurrenceAt: number | null;
  /** New {@link CallSeriesRecord.occurrencesCreated}. */
  readonly occurrencesCreated: number;
  /** New {@link CallSeriesRecord.planAt}. */
  readonly planAt: number | null;
  /** New status: `active`, or `ended` when this step created the last occurrence. */
  readonly status: CallSeriesStatus;
  /** New {@link CallSeriesRecord.endReason}. */
  readonly endReason: SeriesEndReason | null;
  /** New {@link CallSeriesRecord.endedAt}. */
  readonly endedAt: number | null;
}

/** The argument of {@link SeriesStore.materializeOccurrences}. */
export interface MaterializeOccurrences {
  /** The series. */
  readonly seriesId: string;
  /** The version the plan was made from: nothing is written unless the series still has it. */
  readonly expectVersion: number;
  /** Occurrence calls to insert, earliest first; each one only if its (seriesId, occurrenceAt) is absent. */
  readonly occurrences: readonly OccurrenceInsert[];
  /** The cursor after this step. */
  readonly patch: SeriesCursorPatch;
  /** The write's time: becomes `updatedAt`. */
  readonly now: number;
}

/** The answer of {@link SeriesStore.materializeOccurrences}. */
export type MaterializeResult =
  | {
      /** The step was written. */
      readonly ok: true;
      /** The series after the step (`version` + 1). */
      readonly series: CallSeriesRecord;
      /**
       * One entry per occurrence, in input order: the stored call, and `created: false` when a call
       * with the same (seriesId, occurrenceAt) already existed (it is returned instead).
       */
      readonly occurrences: readonly {
        /** The stored occurrence call. */
        readonly call: OccurrenceCallRecord;
        /** False when the call already existed. */
        readonly created: boolean;
        /** The events appended with it (empty when `created` is false). */
        readonly events: readonly CallEventRecord[];
      }[];
    }
  | {
      /** Nothing was written: the series has another version, or is gone (`series` undefined). */
      readonly ok: false;
      /** The series as it is now, to plan again from. */
      readonly series: CallSeriesRecord | undefined;
    };

/** The answer to inserting a series. */
export interface InsertSeriesResult {
  /** The stored series: the new one, or the earlier one with the same idempotency key. */
  readonly series: CallSeriesRecord;
  /** False when an earlier series with the same `idempotencyKey` was returned instead. */
  readonly created: boolean;
}

/** Filters and page of {@link SeriesStore.listSeries}. */
export interface SeriesListQuery {
  /** Only series in one of these statuses. */
  readonly statuses?: readonly CallSeriesStatus[];
  /** Only series to this E.164 number. */
  readonly to?: string;
  /** Page size, 1 to 1000. */
  readonly limit: number;
  /** The `nextCursor` of the previous page, or `null` for the first. */
  readonly cursor: string | null;
  /** By id (creation order): `desc` is newest first. */
  readonly order: 'asc' | 'desc';
}

/** A page of series. */
export interface SeriesPage {
  /** The series of this page. */
  readonly items: readonly CallSeriesRecord[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** A change to a series' rule, policies or state; `null` clears a nullable field. */
export type SeriesPatch = Partial<Omit<CallSeriesRecord, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'idempotencyKey'>>;

/** The argument of {@link SeriesStore.updateSeries}. */
export interface SeriesUpdate {
  /** The series. */
  readonly seriesId: string;
  /** Nothing is written unless the series still has this version. */
  readonly expectVersion: number;
  /** The fields to change. */
  readonly patch: SeriesPatch;
  /**
   * Occurrence calls of this series to cancel in the same transaction (pause, end, a rule change).
   * Each is canceled only while it is still `scheduled` (as `CallScheduler.cancel` would), with
   * its `canceled` event; others are left alone and reported.
   */
  readonly cancelCalls?: readonly {
    /** The occurrence call. */
    readonly callId: string;
    /** Its `canceled` event(s), appended when it is canceled. */
    readonly events: readonly NewCallEvent[];
  }[];
  /** The write's time: becomes `updatedAt` (and `endedAt` of canceled calls). */
  readonly now: number;
}

/** The answer of {@link SeriesStore.updateSeries}. */
export type SeriesUpdateResult =
  | {
      /** The change was written. */
      readonly ok: true;
      /** The series after it. */
      readonly series: CallSeriesRecord;
      /** The ids of the calls that were canceled (those no longer `scheduled` are missing). */
      readonly canceledCallIds: readonly string[];
    }
  | {
      /** Nothing was written: another version, or no such series (`series` undefined). */
      readonly ok: false;
      /** The series as it is now. */
      readonly series: CallSeriesRecord | undefined;
    };

/**
 * The optional methods a `CallStore` implements to support recurring calls
 * (`CallScheduler.scheduleSeries`). They are optional as a group: a store supports series when it
 * has every one of them ({@link supportsSeries}); `scheduleSeries` on another store throws
 * `NOT_SUPPORTED`.
 *
 * ## Design
 *
 * A series is a stored rule plus a cursor. It never stores its future: only the occurrences due
 * within `leadMs` exist as calls before their time (normally one), plus those a catch-up creates.
 *
 * - **Cursor.** {@link CallSeriesRecord.nextOccurrenceAt} is the earliest occurrence not yet
 *   created; {@link CallSeriesRecord.planAt} is when a scheduler must look at the series again:
 *   `leadMs` (a scheduler option, one minute by default) before that occurrence, so that its call
 *   exists, with its own window, expiry and retries, before it is due. `planSeriesStep` is
 *   a pure function that says what to write.
 * - **Missed occurrences.** An occurrence more than `graceMs` before `now` when the series is
 *   planned was missed (no scheduler ran): the series' `catchUp` policy decides which of them
 *   become calls (`skip`: none, `latest`: the most recent, `all`: each, at most `maxCatchUp`).
 *   A created call that can no longer be dialed in its window or before its expiry ends `expired`
 *   like any call.
 * - **One atomic write per step.** {@link SeriesStore.materializeOccurrences} inserts the
 *   occurrence calls and moves the cursor in one transaction, and only if the series still has
 *   the `version` the plan was made from (compare-and-set). Two schedulers that plan the same step
 *   race on the version: one commits, the other gets `ok: false` and plans again from the series it is given. A crash before the
 *   commit leaves nothing; a crash after it leaves the whole step.
 * - **Unique (seriesId, occurrenceAt).** Every occurrence call carries
 *   {@link SeriesOccurrenceFields.seriesId} and {@link SeriesOccurrenceFields.occurrenceAt}, unique
 *   together across the store (a unique index on SQL stores). An insert that meets an existing
 *   pair inserts nothing and reports the existing call: replaying a step, or re-deriving a cursor
 *   after a change, can never create an occurrence twice. Occurrence calls carry no idempotency key
 *   of their own.
 * - **No lease.** Planning a series takes milliseconds and writes with compare-and-set, so series
 *   are not claimed: {@link SeriesStore.listDueSeries} is a plain read, and the version check
 *   decides who wins.
 * - **Changes** (pause, resume, edit, end) are {@link SeriesStore.updateSeries} with the expected
 *   version, together with the cancellation of pending occurrence calls that no longer belong to
 *   the series, in one transaction. Pausing stops the planner (`planAt` null) and cancels a
 *   created occurrence that is still `scheduled` (at most `leadMs` ahead, or waiting for its
 *   window or a retry); resuming starts the cursor again from `now` (what was due while paused is
 *   not caught up, and a canceled occurrence is not created again). Editing the rule keeps a
 *   pending occurrence that the new rule still has and cancels the others. Canceling one
 *   occurrence is an ordinary call cancel when its call exists (the cursor is past it, so it is
 *   never created again), and otherwise adds it to
 *   {@link CallSeriesRecord.excludedOccurrences}.
 * - **Wake-ups.** {@link SeriesStore.nextSeriesPlanAt} gives the smallest `planAt` of active
 *   series; the scheduler arms its one timer to the earlier of it and `nextWakeUpAt()` (kept
 *   apart so that a scheduler that does not plan series never wakes for them). `watch()` reports
 *   a series whose `planAt` moves earlier like a call whose `dueAt` does.
 */
export interface SeriesStore {
  /**
   * Inserts a series (`version` 1, `updatedAt = createdAt`). A series whose `idempotencyKey` is
   * already stored is not inserted: the earlier one is returned with `created: false`.
   */
  insertSeries(series: NewCallSeriesRecord): Promise<InsertSeriesResult>;

  /** One series, or `undefined`. */
  getSeries(id: string): Promise<CallSeriesRecord | undefined>;

  /** A page of series by id order with keyset pagination. */
  listSeries(query: SeriesListQuery): Promise<SeriesPage>;

  /**
   * Up to `limit` `active` series with `planAt <= now`, earliest `planAt` first (then id). A
   * plain read: two schedulers may both get a series, and the version check of
   * `materializeOccurrences` lets one of them win.
   */
  listDueSeries(options: { readonly now: number; readonly limit: number }): Promise<CallSeriesRecord[]>;

  /** The smallest `planAt` of `active` series, or `null` when there is none. */
  nextSeriesPlanAt(): Promise<number | null>;

  /**
   * One step of a series, atomically: if the series has `expectVersion`, inserts each occurrence
   * call whose (seriesId, occurrenceAt) is absent (with its events), applies `patch`, increments
   * `version`; otherwise writes nothing and answers `ok: false` with the current series.
   */
  materializeOccurrences(step: MaterializeOccurrences): Promise<MaterializeResult>;

  /**
   * Changes a series with compare-and-set on `expectVersion`, and cancels `cancelCalls` that are
   * still `scheduled`, in one transaction. Writes nothing when the version differs.
   */
  updateSeries(update: SeriesUpdate): Promise<SeriesUpdateResult>;

  /**
   * The occurrence calls of a series, by `occurrenceAt` (`desc`: latest first), keyset
   * paginated (the cursor is opaque to callers). With `statuses`, only calls in one of them.
   */
  listSeriesOccurrences(query: {
    /** The series. */
    readonly seriesId: string;
    /** Only calls in one of these statuses. */
    readonly statuses?: readonly CallRecord['status'][];
    /** Page size, 1 to 1000. */
    readonly limit: number;
    /** The `nextCursor` of the previous page, or `null`. */
    readonly cursor: string | null;
    /** By `occurrenceAt`. */
    readonly order: 'asc' | 'desc';
  }): Promise<{
    /** The calls of this page. */
    readonly items: readonly OccurrenceCallRecord[];
    /** Pass as `cursor` for the next page; `null` on the last page. */
    readonly nextCursor: string | null;
  }>;
}

/** The names of every {@link SeriesStore} method. @internal */
export const SERIES_METHODS = [
  'insertSeries',
  'getSeries',
  'listSeries',
  'listDueSeries',
  'nextSeriesPlanAt',
  'materializeOccurrences',
  'updateSeries',
  'listSeriesOccurrences',
] as const satisfies readonly (keyof SeriesStore)[];

/** Whether `store` implements every {@link SeriesStore} method, and so supports series. */
export function supportsSeries<S extends object>(store: S): store is S & SeriesStore {
  const record = store as Record<string, unknown>;
  return SERIES_METHODS.every((name) => typeof record[name] === 'function');
}

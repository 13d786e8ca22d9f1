import type { Call } from '../call/call.js';
import type { CallSeriesFields, CallSeriesRecord, SeriesEndReason } from './series-store.js';

/**
 * A recurring call as `CallScheduler.scheduleSeries` returns it: the rule, its policies and where
 * it stands. Each occurrence is an ordinary {@link Call} with its own id.
 */
export interface CallSeries extends CallSeriesFields<Date> {
  /** Each occurrence expires this many ms after its time, or `null` for never. */
  readonly expiresAfter: number | null;
}

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** A stored series as the public {@link CallSeries}. */
export function toCallSeries(record: CallSeriesRecord): CallSeries {
  return {
    id: record.id,
    to: record.to,
    cron: record.cron,
    timeZone: record.timeZone,
    disambiguation: record.disambiguation,
    startAt: dateOrNull(record.startAt),
    endAt: dateOrNull(record.endAt),
    count: record.count,
    skipDates: [...record.skipDates],
    excludedOccurrences: record.excludedOccurrences.map((ms) => new Date(ms)),
    catchUp: record.catchUp,
    window: record.window,
    expiresAfter: record.expiresAfterMs,
    retry: record.retry,
    metadata: record.metadata,
    idempotencyKey: record.idempotencyKey,
    status: record.status,
    nextOccurrenceAt: dateOrNull(record.nextOccurrenceAt),
    lastOccurrenceAt: dateOrNull(record.lastOccurrenceAt),
    occurrencesCreated: record.occurrencesCreated,
    endReason: record.endReason,
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    endedAt: dateOrNull(record.endedAt),
  };
}

/**
 * The payloads of the `series:*` events the scheduler is to emit (one object each, like the
 * `call:*` events), by name.
 */
export interface CallSeriesEvents {
  /** A series was stored. */
  'series:scheduled': {
    /** The new series. */
    readonly series: CallSeries;
  };
  /** An occurrence call was created (it also emits `call:scheduled`, and `call:expired` when it could no longer be dialed). */
  'series:occurrence': {
    /** The series after the step. */
    readonly series: CallSeries;
    /** The occurrence call. */
    readonly call: Call;
    /** The occurrence time (`call.at`). */
    readonly occurrenceAt: Date;
    /** True when a catch-up created it after a downtime. */
    readonly missed: boolean;
  };
  /** Missed occurrences were left out by the catch-up policy. */
  'series:skipped': {
    /** The series. */
    readonly series: CallSeries;
    /** The earliest occurrence left out. */
    readonly first: Date;
    /** The latest occurrence left out. */
    readonly last: Date;
  };
  /** A series was paused. */
  'series:paused': {
    /** The series after the pause. */
    readonly series: CallSeries;
    /** Its waiting occurrence calls, canceled with the pause. */
    readonly canceledCallIds: readonly string[];
  };
  /** A series was resumed. */
  'series:resumed': {
    /** The series after the resume. */
    readonly series: CallSeries;
  };
  /** A series' rule or policies changed. */
  'series:changed': {
    /** The series after the change. */
    readonly series: CallSeries;
    /** Waiting occurrence calls the new rule no longer has, canceled with the change. */
    readonly canceledCallIds: readonly string[];
  };
  /** A series ended: its count was reached, its `endAt` or pattern ran out, or it was ended. */
  'series:ended': {
    /** The series, now `ended`. */
    readonly series: CallSeries;
    /** Why it ended. */
    readonly reason: SeriesEndReason;
    /** Waiting occurrence calls canceled with it (when it was ended by hand). */
    readonly canceledCallIds: readonly string[];
  };
}

/** The names of the `series:*` events. */
export type CallSeriesEventName = keyof CallSeriesEvents;

/** Every `series:*` event name (checked complete at compile time). */
export const CALL_SERIES_EVENT_NAMES = Object.freeze([
  'series:scheduled',
  'series:occurrence',
  'series:skipped',
  'series:paused',
  'series:resumed',
  'series:changed',
  'series:ended',
] as const satisfies readonly CallSeriesEventName[]);

// Fails to compile when an event is added to CallSeriesEvents but not to CALL_SERIES_EVENT_NAMES.
type MissingSeriesEventNames = Exclude<CallSeriesEventName, (typeof CALL_SERIES_EVENT_NAMES)[number]>;
const everySeriesEventNamed: [MissingSeriesEventNames] extends [never] ? true : MissingSeriesEventNames = true;
void everySeriesEventNamed;

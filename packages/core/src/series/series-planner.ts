import type { ParsedScheduleCallInput } from '../schema/schedule-input.js';
import { OccurrenceSchedule, type SkipDatePredicate } from './occurrences.js';
import type { ParsedScheduleSeriesInput } from './series-input.js';
import type { CallSeriesRecord, NewCallSeriesRecord, SeriesCursorPatch, SeriesEndReason, SeriesPatch } from './series-store.js';

/** Options of the series planner; the scheduler passes the same ones to every function here. */
export interface SeriesPlannerOptions {
  /** An occurrence's call is created this long before the occurrence. @default 60_000 */
  readonly leadMs?: number;
  /** An occurrence less than this late when planned is created as usual, not treated as missed. @default 60_000 */
  readonly graceMs?: number;
  /** With `catchUp: 'all'`, at most this many missed occurrences (the most recent) become calls. @default 100 */
  readonly maxCatchUp?: number;
  /** A holiday calendar (see {@link SkipDatePredicate}). @default none */
  readonly skip?: SkipDatePredicate | undefined;
}

/** Default of {@link SeriesPlannerOptions.leadMs}. */
export const DEFAULT_SERIES_LEAD_MS = 60_000;
/** Default of {@link SeriesPlannerOptions.graceMs}. */
export const DEFAULT_SERIES_GRACE_MS = 60_000;
/** Default of {@link SeriesPlannerOptions.maxCatchUp}. */
export const DEFAULT_MAX_CATCH_UP = 100;

/** The most single occurrences a series keeps canceled ahead of its cursor (see {@link planExcludeOccurrence}). */
export const MAX_EXCLUDED_OCCURRENCES = 1000;

/** The most occurrences one step creates besides catch-up (a guard for a large `leadMs` on a dense pattern). */
const MAX_AHEAD_PER_STEP = 100;

/** One occurrence call a step creates. */
export interface PlannedOccurrence {
  /** The occurrence's time: the call's `at` and its (seriesId, occurrenceAt) key. */
  readonly occurrenceAt: number;
  /** True when the occurrence was missed and is created by the catch-up policy. */
  readonly missed: boolean;
  /**
   * The call, as `CallScheduler.schedule` would have parsed it: the scheduler snaps it into its
   * window and stores it `expired` at once when its expiry has passed, as for any call.
   */
  readonly call: ParsedScheduleCallInput;
}

/** Missed occurrences a step leaves out by the catch-up policy. */
export interface SkippedOccurrences {
  /** The earliest of them. */
  readonly first: number;
  /** The latest of them. */
  readonly last: number;
}

/** What {@link planSeriesStep} says to do. */
export interface SeriesStep {
  /** Occurrence calls to create, earliest first. */
  readonly occurrences: readonly PlannedOccurrence[];
  /** Missed occurrences left out by `catchUp`, or `null`. */
  readonly skipped: SkippedOccurrences | null;
  /** The cursor to write with the occurrences (compare-and-set on the plan's version), or `null` when there is nothing to write. */
  readonly patch: SeriesCursorPatch | null;
  /** When to plan this series again: the new `planAt`, or `null` when the series needs no more planning. */
  readonly wakeAt: number | null;
}

/** What a change of a series writes: the patch, and the occurrence calls to cancel with it. */
export interface SeriesChange {
  /** The fields to write (compare-and-set on the version the change was planned from). */
  readonly patch: SeriesPatch;
  /** Occurrence calls to cancel in the same transaction (those still `scheduled`). */
  readonly cancelCallIds: readonly string[];
}

/** A created occurrence call that is still waiting (`scheduled`), as the scheduler lists it for a change. */
export interface PendingOccurrence {
  /** The call. */
  readonly callId: string;
  /** Its occurrence time. */
  readonly occurrenceAt: number;
}

function resolved(options: SeriesPlannerOptions): Required<Omit<SeriesPlannerOptions, 'skip'>> & Pick<SeriesPlannerOptions, 'skip'> {
  const leadMs = options.leadMs ?? DEFAULT_SERIES_LEAD_MS;
  const graceMs = options.graceMs ?? DEFAULT_SERIES_GRACE_MS;
  const maxCatchUp = options.maxCatchUp ?? DEFAULT_MAX_CATCH_UP;
  if (!Number.isInteger(leadMs) || leadMs < 0) throw new RangeError('leadMs must be a whole number of ms, at least 0');
  if (!Number.isInteger(graceMs) || graceMs < 0) throw new RangeError('graceMs must be a whole number of ms, at least 0');
  if (!Number.isInteger(maxCatchUp) || maxCatchUp < 1) throw new RangeError('maxCatchUp must be a whole number of at least 1');
  return { leadMs, graceMs, maxCatchUp, skip: options.skip };
}

/** The occurrences of a series' rule, leaving out its excluded occurrences. */
class SeriesOccurrences {
  readonly #schedule: OccurrenceSchedule;
  readonly #excluded: ReadonlySet<number>;

  constructor(series: Pick<CallSeriesRecord, 'cron' | 'timeZone' | 'disambiguation' | 'startAt' | 'endAt' | 'skipDates' | 'excludedOccurrences'>, skip: SkipDatePredicate | undefined) {
    this.#schedule = new OccurrenceSchedule(
      {
        cron: series.cron,
        timeZone: series.timeZone,
        disambiguation: series.disambiguation,
        startAt: series.startAt,
        endAt: series.endAt,
        skipDates: series.skipDates,
      },
      { skip },
    );
    this.#excluded = new Set(series.excludedOccurrences);
  }

  next(afterMs: number): number | null {
    let next = this.#schedule.nextAfter(afterMs);
    while (next !== null && this.#excluded.has(next)) next = this.#schedule.nextAfter(next);
    return next;
  }

  previous(beforeMs: number): number | null {
    let previous = this.#schedule.previousBefore(beforeMs);
    while (previous !== null && this.#excluded.has(previous)) previous = this.#schedule.previousBefore(previous);
    return previous;
  }

  has(ms: number): boolean {
    return !this.#excluded.has(ms) && this.#schedule.isOccurrence(ms);
  }
}

function occurrenceCall(series: CallSeriesRecord, occurrenceAt: number): ParsedScheduleCallInput {
  return {
    to: series.to,
    at: occurrenceAt,
    timeZone: series.timeZone,
    window: series.window ?? undefined,
    expiresAt: series.expiresAfterMs === null ? undefined : occurrenceAt + series.expiresAfterMs,
    retry: series.retry ?? undefined,
    idempotencyKey: undefined,
    metadata: series.metadata ?? undefined,
  };
}

function endReasonOf(series: Pick<CallSeriesRecord, 'count' | 'endAt'>, created: number): SeriesEndReason {
  if (series.count !== null && created >= series.count) return 'count';
  return series.endAt !== null ? 'endAt' : 'exhausted';
}

/** The cursor fields for "next occurrence is `next`", ending the series when there is none or `count` is reached. */
function cursorFor(
  series: Pick<CallSeriesRecord, 'count' | 'endAt'>,
  next: number | null,
  lastOccurrenceAt: number | null,
  occurrencesCreated: number,
  now: number,
  leadMs: number,
): SeriesCursorPatch {
  const full = series.count !== null && occurrencesCreated >= series.count;
  if (next === null || full) {
    return {
      nextOccurrenceAt: null,
      lastOccurrenceAt,
      occurrencesCreated,
      planAt: null,
      status: 'ended',
      endReason: endReasonOf(series, occurrencesCreated),
      endedAt: now,
    };
  }
  return { nextOccurrenceAt: next, lastOccurrenceAt, occurrencesCreated, planAt: next - leadMs, status: 'active', endReason: null, endedAt: null };
}

/**
 * The record of a new series: its cursor is the first occurrence at or after `max(startAt, now)`
 * (a series never catches up on its own past), planned at once when that is within `leadMs`.
 * A rule with no occurrence gives a series that is `ended` from the start
 * ({@link parseScheduleSeriesInput} refuses such input first).
 */
export function newSeriesRecord(input: ParsedScheduleSeriesInput, id: string, now: number, options: SeriesPlannerOptions = {}): NewCallSeriesRecord {
  const { leadMs, skip } = resolved(options);
  const base = {
    id,
    to: input.to,
    cron: input.cron,
    timeZone: input.timeZone,
    disambiguation: input.disambiguation,
    startAt: input.startAt ?? null,
    endAt: input.endAt ?? null,
    count: input.count ?? null,
    skipDates: [...input.skipDates],
    excludedOccurrences: [],
    catchUp: input.catchUp,
    window: input.window ?? null,
    expiresAfterMs: input.expiresAfter ?? null,
    retry: input.retry ?? null,
    metadata: input.metadata ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    createdAt: now,
  } satisfies Partial<NewCallSeriesRecord>;
  const occurrences = new SeriesOccurrences(base, skip);
  const first = occurrences.next(Math.max(base.startAt ?? now, now) - 1);
  return { ...base, ...cursorFor(base, first, null, 0, now, leadMs) };
}

/**
 * One planning step of a series at `now`, as a pure function: which occurrence calls to create
 * and where the cursor moves. Nothing to do (`patch: null`) unless the series is `active` and its
 * `planAt` has come.
 *
 * - The cursor's occurrence, and any other within `leadMs` of `now`, become calls.
 * - When the cursor is more than `graceMs` before `now`, the occurrences from it to `now - graceMs`
 *   were missed: `catchUp: 'skip'` creates none of them, `'latest'` the most recent one, and
 *   `'all'` each of them up to `maxCatchUp` (the most recent ones). Either way the next
 *   occurrence after them is created as usual. Missed occurrences are found from the end
 *   (`previousBefore`), so a long downtime costs no more than a short one.
 * - `count` counts the calls created; the step that creates the last one ends the series, as
 *   does running out of occurrences (`endAt`, or a pattern that matches no more).
 *
 * The caller writes `occurrences` and `patch` with {@link SeriesStore.materializeOccurrences}
 * (compare-and-set on `series.version`) and plans again at `wakeAt`.
 */
export function planSeriesStep(series: CallSeriesRecord, now: number, options: SeriesPlannerOptions = {}): SeriesStep {
  const { leadMs, graceMs, maxCatchUp, skip } = resolved(options);
  if (series.status !== 'active' || series.planAt === null) return { occurrences: [], skipped: null, patch: null, wakeAt: null };
  if (now < series.planAt) return { occurrences: [], skipped: null, patch: null, wakeAt: series.planAt };
  const remaining = series.count === null ? Infinity : Math.max(0, series.count - series.occurrencesCreated);
  const occurrences = new SeriesOccurrences(series, skip);
  const planned: PlannedOccurrence[] = [];
  let skipped: SkippedOccurrences | null = null;
  // A cursor on an excluded occurrence (excluded by a write that did not move it) moves past it.
  let next = series.nextOccurrenceAt !== null && series.excludedOccurrences.includes(series.nextOccurrenceAt) ? occurrences.next(series.nextOccurrenceAt) : series.nextOccurrenceAt;
  const missedBefore = now - graceMs;
  if (next !== null && next < missedBefore && remaining > 0) {
    const first = next;
    const limit = series.catchUp === 'all' ? Math.min(maxCatchUp, remaining) : series.catchUp === 'latest' ? 1 : 0;
    // The most recent missed ones, latest first; stop at the cursor.
    const recent: number[] = [];
    let previous = occurrences.previous(missedBefore);
    while (previous !== null && previous >= first && recent.length < limit) {
      recent.push(previous);
      previous = occurrences.previous(previous);
    }
    const left = previous !== null && previous >= first ? previous : null;
    if (series.catchUp === 'skip') {
      const last = occurrences.previous(missedBefore);
      skipped = last !== null && last >= first ? { first, last } : null;
    } else if (left !== null) {
      skipped = { first, last: left };
    }
    for (const at of recent.reverse()) planned.push({ occurrenceAt: at, missed: true, call: occurrenceCall(series, at) });
    next = occurrences.next(missedBefore - 1);
  }
  while (next !== null && next <= now + leadMs && planned.length < remaining && planned.length < MAX_AHEAD_PER_STEP + maxCatchUp) {
    planned.push({ occurrenceAt: next, missed: false, call: occurrenceCall(series, next) });
    next = occurrences.next(next);
  }
  const created = series.occurrencesCreated + planned.length;
  const last = planned.length > 0 ? (planned[planned.length - 1] as PlannedOccurrence).occurrenceAt : series.lastOccurrenceAt;
  const patch = cursorFor(series, next, last, created, now, leadMs);
  return { occurrences: planned, skipped, patch, wakeAt: patch.planAt };
}

/**
 * Pausing: no more occurrences until resumed. The created occurrence calls still `scheduled`
 * (`pending`) are canceled in the same write. Throws a `RangeError` for a series that is not
 * `active`.
 */
export function planPause(series: CallSeriesRecord, pending: readonly PendingOccurrence[]): SeriesChange {
  if (series.status !== 'active') throw new RangeError(`series ${series.id} is ${series.status}, not active`);
  return { patch: { status: 'paused', planAt: null }, cancelCallIds: pending.map((p) => p.callId) };
}

/**
 * Resuming: the cursor starts again at the first occurrence at or after `now` that comes after
 * every occurrence already created (what fell due while paused is not caught up). Throws a
 * `RangeError` for a series that is not `paused`.
 */
export function planResume(series: CallSeriesRecord, now: number, options: SeriesPlannerOptions = {}): SeriesChange {
  if (series.status !== 'paused') throw new RangeError(`series ${series.id} is ${series.status}, not paused`);
  const { leadMs, skip } = resolved(options);
  const after = Math.max(now - 1, series.lastOccurrenceAt ?? -Infinity);
  const next = new SeriesOccurrences(series, skip).next(after);
  const cursor = cursorFor(series, next, series.lastOccurrenceAt, series.occurrencesCreated, now, leadMs);
  return { patch: { ...cursor, excludedOccurrences: series.excludedOccurrences.filter((at) => next !== null && at > next) }, cancelCallIds: [] };
}

/** Ending a series for good: no more occurrences, and the pending ones are canceled. */
export function planEnd(series: CallSeriesRecord, pending: readonly PendingOccurrence[], now: number): SeriesChange {
  if (series.status === 'ended') throw new RangeError(`series ${series.id} has already ended`);
  return {
    patch: { status: 'ended', endReason: 'canceled', endedAt: now, planAt: null, nextOccurrenceAt: null },
    cancelCallIds: pending.map((p) => p.callId),
  };
}

/** The fields of a series a change may set (the rule, bounds and per-occurrence policies). */
export type SeriesRuleChange = Partial<
  Pick<
    CallSeriesRecord,
    'cron' | 'timeZone' | 'disambiguation' | 'startAt' | 'endAt' | 'count' | 'skipDates' | 'catchUp' | 'window' | 'expiresAfterMs' | 'retry' | 'metadata' | 'to'
  >
>;

/**
 * Changing an `active` or `paused` series. A pending occurrence call (created, still `scheduled`)
 * that the new rule still has is kept; the others are canceled. The cursor moves to the first
 * occurrence of the new rule at or after `now` and after every kept call. Policies (`window`,
 * `retry`, `expiresAfterMs`, `metadata`, `to`) apply to occurrences created after the change. A
 * `count` at or below the calls already created, or an `endAt` that leaves no occurrence, ends
 * the series.
 */
export function planChange(
  series: CallSeriesRecord,
  change: SeriesRuleChange,
  pending: readonly PendingOccurrence[],
  now: number,
  options: SeriesPlannerOptions = {},
): SeriesChange {
  if (series.status === 'ended') throw new RangeError(`series ${series.id} has ended`);
  const { leadMs, skip } = resolved(options);
  const merged: CallSeriesRecord = { ...series, ...change };
  const occurrences = new SeriesOccurrences(merged, skip);
  const ruleChanged = (['cron', 'timeZone', 'disambiguation', 'startAt', 'endAt', 'skipDates'] as const).some(
    (key) => change[key] !== undefined && JSON.stringify(change[key]) !== JSON.stringify(series[key]),
  );
  const keep = ruleChanged ? pending.filter((p) => occurrences.has(p.occurrenceAt)) : [...pending];
  const cancelCallIds = pending.filter((p) => !keep.includes(p)).map((p) => p.callId);
  const lastKept = keep.reduce<number | null>((max, p) => (max === null || p.occurrenceAt > max ? p.occurrenceAt : max), null);
  const after = Math.max(now - 1, lastKept ?? -Infinity);
  const next = occurrences.next(after);
  if (series.status === 'paused') {
    return { patch: { ...change, nextOccurrenceAt: next, ...(next === null ? { status: 'ended' as const, endReason: endReasonOf(merged, series.occurrencesCreated), endedAt: now } : {}) }, cancelCallIds };
  }
  const cursor = cursorFor(merged, next, series.lastOccurrenceAt, series.occurrencesCreated, now, leadMs);
  return { patch: { ...change, ...cursor }, cancelCallIds };
}

/**
 * Canceling one occurrence that has no call yet (for one that has, cancel its call): adds it to
 * `excludedOccurrences` and, when it is the cursor, moves the cursor past it. Throws a
 * `RangeError` when `occurrenceAt` is not an occurrence of the series still to come.
 */
export function planExcludeOccurrence(series: CallSeriesRecord, occurrenceAt: number, now: number, options: SeriesPlannerOptions = {}): SeriesChange {
  if (series.status === 'ended') throw new RangeError(`series ${series.id} has ended`);
  const { leadMs, skip } = resolved(options);
  const occurrences = new SeriesOccurrences(series, skip);
  if (!occurrences.has(occurrenceAt) || (series.lastOccurrenceAt !== null && occurrenceAt <= series.lastOccurrenceAt)) {
    throw new RangeError(`${new Date(occurrenceAt).toISOString()} is not an occurrence of series ${series.id} still to come`);
  }
  if (series.excludedOccurrences.length >= MAX_EXCLUDED_OCCURRENCES) {
    throw new RangeError(`series ${series.id} already has ${MAX_EXCLUDED_OCCURRENCES} canceled occurrences still to come; use skipDates or change the series`);
  }
  const excludedOccurrences = [...series.excludedOccurrences.filter((at) => series.nextOccurrenceAt === null || at >= series.nextOccurrenceAt), occurrenceAt].sort((a, b) => a - b);
  if (series.nextOccurrenceAt !== occurrenceAt) return { patch: { excludedOccurrences }, cancelCallIds: [] };
  const next = new SeriesOccurrences({ ...series, excludedOccurrences }, skip).next(occurrenceAt);
  if (series.status === 'paused') return { patch: { excludedOccurrences, nextOccurrenceAt: next }, cancelCallIds: [] };
  return { patch: { excludedOccurrences, ...cursorFor(series, next, series.lastOccurrenceAt, series.occurrencesCreated, now, leadMs) }, cancelCallIds: [] };
}

// Owns: the series commands as the scheduler will run them, handed a store and functions (never a
// clock or a timer): create a series, plan the due ones, pause, resume, change, end, cancel one
// occurrence. What each step writes comes from the pure planner; this module reads, writes with
// compare-and-set, and plans again from the fresh series when it lost a race.
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { invalidInput, parseInput, type ParsedScheduleCallInput } from '../schema/schedule-input.js';
import type { CallEventRecord, NewCallEvent } from '../store/call-record.js';
import type { CallInsert, CallStore } from '../store/call-store.js';
import { OccurrenceSchedule } from './occurrences.js';
import { changeSeriesInputSchema, parseScheduleSeriesInput } from './series-input.js';
import {
  newSeriesRecord,
  planChange,
  planEnd,
  planExcludeOccurrence,
  planPause,
  planResume,
  planSeriesStep,
  type PendingOccurrence,
  type SeriesChange,
  type SeriesPlannerOptions,
  type SeriesRuleChange,
  type SkippedOccurrences,
} from './series-planner.js';
import type { CallSeriesRecord, OccurrenceCallRecord, SeriesStore } from './series-store.js';

/** Options of {@link SeriesService}: the planner's, and how often a write that lost a race is tried again. */
export interface SeriesServiceOptions extends SeriesPlannerOptions {
  /** Tries of one step or change that keeps losing version races. @default 5 */
  readonly maxTries?: number;
}

/** What {@link SeriesService} is handed. */
export interface SeriesServiceDeps {
  /** A store that supports series. */
  readonly store: CallStore & SeriesStore;
  /** Makes a new id (series and calls). */
  readonly newId: () => string;
  /**
   * Builds the insert of an occurrence call exactly as `schedule()` builds a call's: window
   * snapping, `expired` at once when it cannot be dialed before its expiry, its `scheduled` event.
   */
  readonly toCallInsert: (id: string, input: ParsedScheduleCallInput, now: number) => CallInsert;
  /** Planner and retry options. */
  readonly options?: SeriesServiceOptions;
}

/** One occurrence call a step wrote (or found already written). */
export interface WrittenOccurrence {
  /** The stored call. */
  readonly call: OccurrenceCallRecord;
  /** False when the (seriesId, occurrenceAt) call already existed. */
  readonly created: boolean;
  /** True when a catch-up created it. */
  readonly missed: boolean;
  /** The events appended with it, for `call:scheduled` (and `call:expired`). */
  readonly events: readonly CallEventRecord[];
}

/** What one written step of a series did. */
export interface SeriesStepOutcome {
  /** The series after the step. */
  readonly series: CallSeriesRecord;
  /** The occurrence calls of the step, earliest first. */
  readonly occurrences: readonly WrittenOccurrence[];
  /** Missed occurrences the catch-up policy left out, or `null`. */
  readonly skipped: SkippedOccurrences | null;
}

/** What a change of a series did. */
export interface SeriesChangeOutcome {
  /** The series after the change. */
  readonly series: CallSeriesRecord;
  /** The occurrence calls the change canceled. */
  readonly canceledCallIds: readonly string[];
}

/** What canceling one occurrence did: its call is to be canceled, or it was excluded before being created. */
export type CancelOccurrenceOutcome =
  | {
      /** The occurrence has a call: cancel it as any call (`CallScheduler.cancel`). */
      readonly kind: 'call';
      /** That call. */
      readonly callId: string;
    }
  | {
      /** The occurrence had no call yet: it is excluded and will never be created. */
      readonly kind: 'excluded';
      /** The series after the change. */
      readonly series: CallSeriesRecord;
    };

const PAGE = 1000;

function invalidState(series: CallSeriesRecord, action: string): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.INVALID_STATE, `Series ${series.id} is ${series.status} and cannot be ${action}`, { currentStatus: series.status });
}

/**
 * The series commands, as pure of time as the planner: every method takes `now`. The scheduler
 * calls {@link SeriesService.runDue} when its timer reaches the store's `nextSeriesPlanAt()`,
 * and the public `scheduleSeries` / `pauseSeries` / ... methods call the others; it emits events
 * from the outcomes. Methods answer `undefined` for an unknown series id.
 */
export class SeriesService {
  readonly #store: CallStore & SeriesStore;
  readonly #newId: () => string;
  readonly #toCallInsert: SeriesServiceDeps['toCallInsert'];
  readonly #options: SeriesServiceOptions;
  readonly #maxTries: number;

  /** Keeps the dependencies; nothing is read or written until a method is called. */
  constructor(deps: SeriesServiceDeps) {
    this.#store = deps.store;
    this.#newId = deps.newId;
    this.#toCallInsert = deps.toCallInsert;
    this.#options = Object.freeze({ ...deps.options });
    this.#maxTries = deps.options?.maxTries ?? 5;
  }

  /**
   * Validates `input` (throws `INVALID_INPUT` naming the field), stores the series (or returns
   * the earlier one with the same idempotency key, `created: false`) and runs its first step when
   * its first occurrence is within `leadMs`.
   */
  async schedule(input: unknown, now: number): Promise<{ readonly series: CallSeriesRecord; readonly created: boolean; readonly step: SeriesStepOutcome | null }> {
    const parsed = parseScheduleSeriesInput(input, now);
    const { series, created } = await this.#store.insertSeries(newSeriesRecord(parsed, this.#newId(), now, this.#options));
    if (!created) return { series, created, step: null };
    const step = await this.#step(series, now);
    return { series: step?.series ?? series, created, step };
  }

  /** Plans and writes every series due at `now` (at most `limit`), each with its own compare-and-set. */
  async runDue(now: number, limit = 100): Promise<SeriesStepOutcome[]> {
    const due = await this.#store.listDueSeries({ now, limit });
    const outcomes: SeriesStepOutcome[] = [];
    for (const series of due) {
      const outcome = await this.#step(series, now);
      if (outcome !== null) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** One step of `series` at `now`, planned again from the fresh series after a lost race; `null` when there was nothing to write. */
  async #step(initial: CallSeriesRecord, now: number): Promise<SeriesStepOutcome | null> {
    let series: CallSeriesRecord | undefined = initial;
    for (let tries = 0; series !== undefined && tries < this.#maxTries; tries++) {
      const current: CallSeriesRecord = series;
      const plan = planSeriesStep(current, now, this.#options);
      if (plan.patch === null) return null;
      const inserts = plan.occurrences.map((o) => {
        const insert = this.#toCallInsert(this.#newId(), o.call, now);
        return { call: { ...insert.call, seriesId: current.id, occurrenceAt: o.occurrenceAt }, events: insert.events };
      });
      const result = await this.#store.materializeOccurrences({ seriesId: current.id, expectVersion: current.version, occurrences: inserts, patch: plan.patch, now });
      if (result.ok) {
        return {
          series: result.series,
          occurrences: result.occurrences.map((o, i) => ({ ...o, missed: plan.occurrences[i]?.missed ?? false })),
          skipped: plan.skipped,
        };
      }
      series = result.series;
    }
    return null;
  }

  /** The occurrence calls of a series still `scheduled`. */
  async #pending(seriesId: string): Promise<PendingOccurrence[]> {
    const pending: PendingOccurrence[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.#store.listSeriesOccurrences({ seriesId, statuses: ['scheduled'], limit: PAGE, cursor, order: 'asc' });
      pending.push(...page.items.map((c) => ({ callId: c.id, occurrenceAt: c.occurrenceAt })));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return pending;
  }

  /** Reads the series, plans a change, writes it with compare-and-set; again from the fresh series after a lost race. */
  async #change(
    id: string,
    now: number,
    reason: string,
    plan: (series: CallSeriesRecord, pending: readonly PendingOccurrence[]) => SeriesChange,
  ): Promise<SeriesChangeOutcome | undefined> {
    for (let tries = 0; tries < this.#maxTries; tries++) {
      const series = await this.#store.getSeries(id);
      if (series === undefined) return undefined;
      const pending = await this.#pending(id);
      const change = plan(series, pending);
      const event: NewCallEvent = { type: 'canceled', at: now, attempt: null, status: 'canceled', providerStatus: null, data: { reason, seriesId: id } };
      const result = await this.#store.updateSeries({
        seriesId: id,
        expectVersion: series.version,
        patch: change.patch,
        cancelCalls: change.cancelCallIds.map((callId) => ({ callId, events: [event] })),
        now,
      });
      if (result.ok) return { series: result.series, canceledCallIds: result.canceledCallIds };
      if (result.series === undefined) return undefined;
    }
    throw new CallSchedulerError(ErrorCode.STORE_ERROR, `Series ${id} kept changing under ${this.#maxTries} tries; try again`);
  }

  /** Pauses an `active` series (its waiting occurrence calls are canceled); `INVALID_STATE` otherwise. */
  async pause(id: string, now: number): Promise<SeriesChangeOutcome | undefined> {
    return this.#change(id, now, 'series-paused', (series, pending) => {
      if (series.status !== 'active') throw invalidState(series, 'paused');
      return planPause(series, pending);
    });
  }

  /** Resumes a `paused` series from `now` (nothing missed while paused is caught up); `INVALID_STATE` otherwise. */
  async resume(id: string, now: number): Promise<SeriesChangeOutcome | undefined> {
    return this.#change(id, now, 'series-resumed', (series) => {
      if (series.status !== 'paused') throw invalidState(series, 'resumed');
      return planResume(series, now, this.#options);
    });
  }

  /** Ends a series for good (its waiting occurrence calls are canceled); `INVALID_STATE` when it has ended. */
  async end(id: string, now: number): Promise<SeriesChangeOutcome | undefined> {
    return this.#change(id, now, 'series-ended', (series, pending) => {
      if (series.status === 'ended') throw invalidState(series, 'ended');
      return planEnd(series, pending, now);
    });
  }

  /**
   * Changes the rule or policies of a series that has not ended. Validates `input` first
   * (`INVALID_INPUT` naming the field); a change that leaves no occurrence from `now` on is refused
   * on `cron` (or `endAt`) rather than silently ending the series.
   */
  async change(id: string, input: unknown, now: number): Promise<SeriesChangeOutcome | undefined> {
    const data = parseInput(changeSeriesInputSchema, input, 'series change');
    const change: SeriesRuleChange = {
      ...(data.cron === undefined ? {} : { cron: data.cron }),
      ...(data.timeZone === undefined ? {} : { timeZone: data.timeZone }),
      ...(data.disambiguation === undefined ? {} : { disambiguation: data.disambiguation }),
      ...(data.startAt === undefined ? {} : { startAt: data.startAt }),
      ...(data.endAt === undefined ? {} : { endAt: data.endAt }),
      ...(data.count === undefined ? {} : { count: data.count }),
      ...(data.window === undefined ? {} : { window: data.window }),
      ...(data.expiresAfter === undefined ? {} : { expiresAfterMs: data.expiresAfter }),
      ...(data.retry === undefined ? {} : { retry: data.retry }),
      ...(data.skipDates === undefined ? {} : { skipDates: data.skipDates }),
      ...(data.catchUp === undefined ? {} : { catchUp: data.catchUp }),
      ...(data.metadata === undefined ? {} : { metadata: data.metadata }),
    };
    return this.#change(id, now, 'series-changed', (series, pending) => {
      if (series.status === 'ended') throw invalidState(series, 'changed');
      const merged = { ...series, ...change };
      if (merged.startAt !== null && merged.endAt !== null && merged.endAt < merged.startAt) {
        throw invalidInput([{ path: 'endAt', message: 'must not be before startAt', rule: 'custom' }], 'series change');
      }
      const rule = new OccurrenceSchedule(merged, { skip: this.#options.skip });
      if (rule.nextAfter(now - 1) === null && pending.every((p) => !rule.isOccurrence(p.occurrenceAt))) {
        const field = change.endAt !== undefined ? 'endAt' : 'cron';
        throw invalidInput([{ path: field, message: `leaves the series no occurrence after ${new Date(now).toISOString()}`, rule: 'custom' }], 'series change');
      }
      return planChange(series, change, pending, now, this.#options);
    });
  }

  /**
   * Cancels one occurrence without ending the series: one that has a call answers `kind: 'call'`
   * (cancel that call as any call); one still to come is excluded so that it is never created.
   * Throws `INVALID_INPUT` on `occurrenceAt` when it is not an occurrence of the series.
   */
  async cancelOccurrence(id: string, occurrenceAt: number, now: number): Promise<CancelOccurrenceOutcome | undefined> {
    for (let tries = 0; tries < this.#maxTries; tries++) {
      const series = await this.#store.getSeries(id);
      if (series === undefined) return undefined;
      const existing = await this.#findOccurrenceCall(id, occurrenceAt);
      if (existing !== undefined) return { kind: 'call', callId: existing };
      let change: SeriesChange;
      try {
        change = planExcludeOccurrence(series, occurrenceAt, now, this.#options);
      } catch (error) {
        throw invalidInput([{ path: 'occurrenceAt', message: error instanceof Error ? error.message : String(error), rule: 'custom' }], 'occurrence');
      }
      const result = await this.#store.updateSeries({ seriesId: id, expectVersion: series.version, patch: change.patch, now });
      if (result.ok) return { kind: 'excluded', series: result.series };
      if (result.series === undefined) return undefined;
    }
    throw new CallSchedulerError(ErrorCode.STORE_ERROR, `Series ${id} kept changing under ${this.#maxTries} tries; try again`);
  }

  /** The id of the call of one occurrence, or `undefined`. */
  async #findOccurrenceCall(seriesId: string, occurrenceAt: number): Promise<string | undefined> {
    let cursor: string | null = null;
    do {
      const page = await this.#store.listSeriesOccurrences({ seriesId, limit: PAGE, cursor, order: 'desc' });
      for (const call of page.items) {
        if (call.occurrenceAt === occurrenceAt) return call.id;
        if (call.occurrenceAt < occurrenceAt) return undefined;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return undefined;
  }
}

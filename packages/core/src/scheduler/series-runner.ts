// Owns: recurring calls inside the scheduler. It builds a SeriesService when the store supports
// series, plans due series on the scheduler's one timer (a local task of the claim loop, armed to
// the store's nextSeriesPlanAt), pokes the loop for the occurrence calls it created, emits the
// call:* and series:* events of each step and change, and runs the public series commands.
import { z } from 'zod';
import type { Call } from '../call/call.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { parseInput } from '../schema/schedule-input.js';
import { timeInputSchema, type TimeInput } from '../schema/time.js';
import { toCallSeries, type CallSeries } from '../series/call-series.js';
import { OccurrenceSchedule, type SkipDatePredicate } from '../series/occurrences.js';
import { parseScheduleSeriesInput, type ChangeSeriesInput, type ScheduleSeriesInput } from '../series/series-input.js';
import { SeriesService, type SeriesChangeOutcome, type SeriesStepOutcome } from '../series/series-service.js';
import { CALL_SERIES_STATUSES, supportsSeries, type CallSeriesRecord, type CallSeriesStatus, type SeriesStore } from '../series/series-store.js';
import type { CallStore } from '../store/call-store.js';
import { toCall, toEvent } from './call-mapping.js';
import { newCallInsert } from './call-transitions.js';
import type { SchedulerContext } from './scheduler-context.js';
import type { WakeTask } from './wake-timer.js';

/** Options of recurring calls (`CallSchedulerOptions.series`). */
export interface SeriesSchedulerOptions {
  /** An occurrence's call is created this long before the occurrence. @default 60_000 */
  readonly leadMs?: number;
  /** An occurrence less than this late when planned is still created as usual (not "missed"). @default 60_000 */
  readonly graceMs?: number;
  /** With `catchUp: 'all'`, at most this many missed occurrences (the most recent) become calls. @default 100 */
  readonly maxCatchUp?: number;
  /** A holiday calendar: return true for a local date `YYYY-MM-DD` (in the series' zone) without an occurrence. */
  readonly skip?: SkipDatePredicate;
}

/** A page of series, as `CallScheduler.listSeries` returns it. */
export interface CallSeriesPage {
  /** The series of this page, newest first unless `order: 'asc'`. */
  readonly items: readonly CallSeries[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** The query of `CallScheduler.listSeries`. */
export interface ListSeriesQuery {
  /** Only series in this status (or one of these). */
  readonly status?: CallSeriesStatus | readonly CallSeriesStatus[];
  /** Only series to this number. */
  readonly to?: string;
  /** Page size, 1 to 1000. @default 50 */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | null;
  /** By creation: `desc` (newest first) or `asc`. @default 'desc' */
  readonly order?: 'asc' | 'desc';
}

const nonNegativeMs = z.number({ message: 'must be a whole number of ms' }).int({ message: 'must be a whole number of ms' }).min(0, { message: 'must be at least 0' });
const seriesOptionsSchema = z
  .object({
    leadMs: nonNegativeMs.max(7 * 86_400_000, { message: 'must be at most 7 days' }).optional(),
    graceMs: nonNegativeMs.optional(),
    maxCatchUp: z.number({ message: 'must be a whole number from 1 to 1000' }).int({ message: 'must be a whole number from 1 to 1000' }).min(1, { message: 'must be a whole number from 1 to 1000' }).max(1000, { message: 'must be a whole number from 1 to 1000' }).optional(),
    skip: z.custom<SkipDatePredicate>((v) => typeof v === 'function', { message: 'must be a function (localDate: string, timeZone: string) => boolean' }).optional(),
  })
  .strict();

const seriesStatusSchema = z.enum(CALL_SERIES_STATUSES as [CallSeriesStatus, ...CallSeriesStatus[]]);
const listSeriesQuerySchema = z
  .object({
    status: z.union([seriesStatusSchema, z.array(seriesStatusSchema).min(1)]).optional(),
    to: z.string().min(1).optional(),
    limit: z.number({ message: 'must be a whole number from 1 to 1000' }).int({ message: 'must be a whole number from 1 to 1000' }).min(1).max(1000).default(50),
    cursor: z.string().min(1).nullable().optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();
const idSchema = z.string({ message: 'must be a non-empty string' }).min(1, { message: 'must be a non-empty string' });
const previewCountSchema = z.number({ message: 'must be a whole number from 1 to 100' }).int({ message: 'must be a whole number from 1 to 100' }).min(1, { message: 'must be a whole number from 1 to 100' }).max(100, { message: 'must be a whole number from 1 to 100' });

/** How many due series one pass plans before it looks again. */
const DUE_BATCH = 100;
/** After a store error, the next try. */
const ERROR_BACKOFF_MS = 1000;

/** What the runner needs from the scheduler. */
export interface SeriesRunnerDeps {
  /** The scheduler's shared context (store, clock, loop, emit). */
  readonly ctx: SchedulerContext;
  /** Makes ids (series and calls). */
  readonly newId: () => string;
  /** `CallSchedulerOptions.series`, unchecked. */
  readonly options: unknown;
  /** Cancels one call as `CallScheduler.cancel` does (events included). */
  cancelCall(id: string): Promise<Call>;
}

function notFound(id: string): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.SERIES_NOT_FOUND, `No series with id ${JSON.stringify(id.slice(0, 128))}`, { issues: [{ path: 'id', message: 'no series has this id', rule: 'not_found' }] });
}

/** Recurring calls of one scheduler; see the file comment. */
export class SeriesRunner {
  readonly #ctx: SchedulerContext;
  readonly #service: SeriesService | null;
  readonly #store: (CallStore & SeriesStore) | null;
  readonly #options: SeriesSchedulerOptions;
  readonly #cancelCall: (id: string) => Promise<Call>;
  #task: WakeTask | null = null;
  #running = false;
  #again = false;

  /** Checks the options (`INVALID_INPUT` naming `series.<field>`); plans nothing before {@link SeriesRunner.start}. */
  constructor(deps: SeriesRunnerDeps) {
    this.#ctx = deps.ctx;
    this.#cancelCall = deps.cancelCall;
    this.#options = deps.options === undefined ? {} : (parseInput(seriesOptionsSchema, deps.options, 'scheduler options', ['series']) as SeriesSchedulerOptions);
    const store = deps.ctx.store;
    this.#store = supportsSeries(store) ? store : null;
    this.#service =
      this.#store === null
        ? null
        : new SeriesService({
            store: this.#store,
            newId: deps.newId,
            toCallInsert: (id, input, now) => newCallInsert(id, input, deps.ctx.windowPolicy({ timeZone: input.timeZone ?? null, window: input.window ?? null }), now),
            options: this.#options,
          });
  }

  /** The scheduler started: plan what is due now, then keep the timer on the next `planAt`. */
  start(): void {
    if (this.#service === null) return;
    this.#wake(this.#ctx.clock.now());
  }

  /** Another process made a series due at `at` (the store's `watch`): plan no later than then. */
  wakeAt(at: number): void {
    if (this.#service !== null) this.#wake(at);
  }

  /** The scheduler stops: no more planning (the claim loop cancels the task itself). */
  stop(): void {
    if (this.#task !== null) this.#task.canceled = true;
    this.#task = null;
  }

  #require(): SeriesService {
    if (this.#service === null) {
      throw new CallSchedulerError(ErrorCode.NOT_SUPPORTED, 'This store does not support recurring calls (series); use MemoryStore, SqliteStore or PostgresStore');
    }
    return this.#service;
  }

  /** Plans the store's due series at `at` on the one timer, unless a pass is armed earlier. */
  #wake(at: number): void {
    if (!this.#ctx.isRunning()) return;
    if (this.#task !== null && !this.#task.canceled && this.#task.at <= at) return;
    if (this.#task !== null) this.#task.canceled = true;
    const task = this.#ctx.loop.at(at, () => {
      if (this.#task === task) this.#task = null;
      this.#ctx.track(this.#pass());
    });
    this.#task = task;
  }

  /** Plans every due series (in batches), then arms the timer to the next `planAt` (or the re-read interval). */
  async #pass(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    const service = this.#service as SeriesService;
    const store = this.#store as CallStore & SeriesStore;
    try {
      do {
        this.#again = false;
        if (!this.#ctx.isRunning()) return;
        const outcomes = await service.runDue(this.#ctx.clock.now(), DUE_BATCH);
        for (const outcome of outcomes) this.#emitStep(outcome);
        if (outcomes.length === DUE_BATCH) this.#again = true;
      } while (this.#again);
      const now = this.#ctx.clock.now();
      const next = await store.nextSeriesPlanAt();
      const reread = this.#ctx.options.storeRereadIntervalMs;
      // Series other processes add are seen at the slow re-read, like their calls.
      this.#wake(Math.min(next ?? Number.POSITIVE_INFINITY, reread === null ? Number.POSITIVE_INFINITY : now + reread));
    } catch (error) {
      this.#ctx.reportError(error, 'series');
      this.#wake(this.#ctx.clock.now() + ERROR_BACKOFF_MS);
    } finally {
      this.#running = false;
    }
  }

  /** Emits one written step: `call:scheduled` (and `call:expired`) and `series:occurrence` per created call, `series:skipped`, `series:ended`; pokes the loop. */
  #emitStep(outcome: SeriesStepOutcome): void {
    const ctx = this.#ctx;
    const series = toCallSeries(outcome.series);
    let earliest = Number.POSITIVE_INFINITY;
    for (const o of outcome.occurrences) {
      if (!o.created) continue;
      const call = toCall(o.call);
      const [scheduled, expired] = o.events;
      if (scheduled !== undefined) ctx.emit('call:scheduled', { call, event: toEvent(scheduled) });
      if (expired !== undefined && o.call.status === 'expired') ctx.emit('call:expired', { call, event: toEvent(expired) });
      ctx.emit('series:occurrence', { series, call, occurrenceAt: new Date(o.call.occurrenceAt), missed: o.missed });
      if (o.call.dueAt !== null) earliest = Math.min(earliest, o.call.dueAt);
    }
    if (outcome.skipped !== null) ctx.emit('series:skipped', { series, first: new Date(outcome.skipped.first), last: new Date(outcome.skipped.last) });
    if (outcome.series.status === 'ended') ctx.emit('series:ended', { series, reason: outcome.series.endReason ?? 'exhausted', canceledCallIds: [] });
    if (earliest !== Number.POSITIVE_INFINITY) ctx.loop.poke(earliest);
  }

  /** Emits `call:canceled` for the calls a change canceled (read back with their event). */
  async #emitCanceled(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const details = await this.#ctx.store.getCallDetails(id);
      const event = details?.events.findLast((e) => e.type === 'canceled');
      if (details !== undefined && event !== undefined) this.#ctx.emit('call:canceled', { call: toCall(details.call), event: toEvent(event) });
    }
  }

  /** See `CallScheduler.scheduleSeries`. */
  async schedule(input: ScheduleSeriesInput): Promise<CallSeries> {
    const service = this.#require();
    const { series, created, step } = await service.schedule(input, this.#ctx.clock.now());
    if (created) {
      this.#ctx.emit('series:scheduled', { series: toCallSeries(step?.series ?? series) });
      if (step !== null) this.#emitStep(step);
      this.#wakeFor(step?.series ?? series);
    }
    return toCallSeries(series);
  }

  #wakeFor(series: CallSeriesRecord): void {
    if (series.status === 'active' && series.planAt !== null) this.#wake(series.planAt);
  }

  /** See `CallScheduler.getSeries`. */
  async get(id: string): Promise<CallSeries | undefined> {
    parseInput(idSchema, id, 'id', ['id']);
    this.#require();
    const series = await (this.#store as SeriesStore).getSeries(id);
    return series === undefined ? undefined : toCallSeries(series);
  }

  /** See `CallScheduler.listSeries`. */
  async list(query: ListSeriesQuery): Promise<CallSeriesPage> {
    const q = parseInput(listSeriesQuerySchema, query, 'series query');
    this.#require();
    const statuses = q.status === undefined ? undefined : typeof q.status === 'string' ? [q.status] : q.status;
    const page = await (this.#store as SeriesStore).listSeries({
      ...(statuses === undefined ? {} : { statuses }),
      ...(q.to === undefined ? {} : { to: q.to }),
      limit: q.limit,
      cursor: q.cursor ?? null,
      order: q.order,
    });
    return { items: page.items.map(toCallSeries), nextCursor: page.nextCursor };
  }

  async #changed(id: string, outcome: SeriesChangeOutcome | undefined): Promise<SeriesChangeOutcome> {
    if (outcome === undefined) throw notFound(id);
    await this.#emitCanceled(outcome.canceledCallIds);
    return outcome;
  }

  /** See `CallScheduler.pauseSeries`. */
  async pause(id: string): Promise<CallSeries> {
    parseInput(idSchema, id, 'id', ['id']);
    const outcome = await this.#changed(id, await this.#require().pause(id, this.#ctx.clock.now()));
    const series = toCallSeries(outcome.series);
    this.#ctx.emit('series:paused', { series, canceledCallIds: outcome.canceledCallIds });
    return series;
  }

  /** See `CallScheduler.resumeSeries`. */
  async resume(id: string): Promise<CallSeries> {
    parseInput(idSchema, id, 'id', ['id']);
    const outcome = await this.#changed(id, await this.#require().resume(id, this.#ctx.clock.now()));
    const series = toCallSeries(outcome.series);
    this.#ctx.emit('series:resumed', { series });
    this.#wakeFor(outcome.series);
    return series;
  }

  /** See `CallScheduler.changeSeries`. */
  async change(id: string, change: ChangeSeriesInput): Promise<CallSeries> {
    parseInput(idSchema, id, 'id', ['id']);
    const outcome = await this.#changed(id, await this.#require().change(id, change, this.#ctx.clock.now()));
    const series = toCallSeries(outcome.series);
    this.#ctx.emit('series:changed', { series, canceledCallIds: outcome.canceledCallIds });
    if (outcome.series.status === 'ended') this.#ctx.emit('series:ended', { series, reason: outcome.series.endReason ?? 'exhausted', canceledCallIds: outcome.canceledCallIds });
    this.#wakeFor(outcome.series);
    return series;
  }

  /** See `CallScheduler.endSeries`. */
  async end(id: string): Promise<CallSeries> {
    parseInput(idSchema, id, 'id', ['id']);
    const outcome = await this.#changed(id, await this.#require().end(id, this.#ctx.clock.now()));
    const series = toCallSeries(outcome.series);
    this.#ctx.emit('series:ended', { series, reason: outcome.series.endReason ?? 'canceled', canceledCallIds: outcome.canceledCallIds });
    return series;
  }

  /** See `CallScheduler.cancelOccurrence`. */
  async cancelOccurrence(id: string, occurrenceAt: TimeInput): Promise<CallSeries> {
    parseInput(idSchema, id, 'id', ['id']);
    const at = parseInput(timeInputSchema, occurrenceAt, 'occurrence', ['occurrenceAt']);
    const service = this.#require();
    const outcome = await service.cancelOccurrence(id, at, this.#ctx.clock.now());
    if (outcome === undefined) throw notFound(id);
    if (outcome.kind === 'call') {
      await this.#cancelCall(outcome.callId); // INVALID_STATE once it is being dialed or has ended
      const series = await (this.#store as SeriesStore).getSeries(id);
      if (series === undefined) throw notFound(id);
      return toCallSeries(series);
    }
    return toCallSeries(outcome.series);
  }

  /** See `CallScheduler.previewSeries`: pure, needs no store. */
  preview(input: ScheduleSeriesInput, count: number): Date[] {
    const n = parseInput(previewCountSchema, count, 'preview', ['count']);
    const now = this.#ctx.clock.now();
    const parsed = parseScheduleSeriesInput(input, now);
    const schedule = new OccurrenceSchedule(
      { cron: parsed.cron, timeZone: parsed.timeZone, disambiguation: parsed.disambiguation, startAt: parsed.startAt ?? null, endAt: parsed.endAt ?? null, skipDates: parsed.skipDates },
      { skip: this.#options.skip },
    );
    const limit = Math.min(n, parsed.count ?? n);
    return schedule.upcoming(Math.max(parsed.startAt ?? now, now) - 1, limit).map((o) => new Date(o.at));
  }
}

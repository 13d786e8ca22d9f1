// Owns: the public face of the scheduler: the public API (lifecycle, commands, events), wiring the
// parts (each in its own file) once. It holds no call state of its own. See docs/architecture.md.
import { randomUUID } from 'node:crypto';
import type { Call, CallEvent, CallWithHistory } from '../call/call.js';
import type { CallStatus } from '../call/call-status.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CallTimeInput } from '../policy/local-time-schema.js';
import type { CallProvider } from '../provider/call-provider.js';
import { parseInput, parseScheduleCallInput, type ScheduleCallInput } from '../schema/schedule-input.js';
import type { TimeInput } from '../schema/time.js';
import { listCallsQuerySchema, type ListCallsQuery, type RescheduleInput } from '../schema/query-schemas.js';
import type { CallStore } from '../store/call-store.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { PendingWork, initOnce } from './pending-work.js';
import { IsolatingEmitter } from './safe-emit.js';
import type { SchedulerContext } from './scheduler-context.js';
import type { SchedulerCommands } from './scheduler-commands.js';
import { buildSchedulerParts } from './scheduler-parts.js';
import { SeriesRunner, type CallSeriesPage, type ListSeriesQuery } from './series-runner.js';
import { StoreWatcher } from './store-watcher.js';
import { countInFlight, readHealth } from './scheduler-health.js';
import type { CallSeries } from '../series/call-series.js';
import type { ChangeSeriesInput, ScheduleSeriesInput } from '../series/series-input.js';
import { createIdGenerator } from '../util/ids.js';
import type { CallSchedulerEvents, SchedulerErrorPayload } from './scheduler-events.js';
import { readOnlyView, type CallStoreView } from './store-view.js';
import { resolveOptions, type CallSchedulerOptions, type ResolvedSchedulerOptions } from './scheduler-options.js';
import type { CallListPage, ProviderStatusUpdate, SchedulerHealth, SchedulerState, StopOptions } from './scheduler-types.js';

export type { CallListPage, ProviderStatusUpdate, SchedulerHealth, SchedulerState, StopOptions } from './scheduler-types.js';
export type { CallStoreView } from './store-view.js';
export type { CallSeriesPage, ListSeriesQuery, SeriesSchedulerOptions } from './series-runner.js';

/**
 * Schedules outbound calls and sees each one through: it stores the call, wakes at the right
 * moment, claims it with a lease, dials through the {@link CallProvider}, follows the call's
 * status to its end, retries by policy and keeps the whole history in the {@link CallStore}.
 *
 * One timer is armed to the earliest thing the scheduler must do next (a due call, a poll, a
 * lease expiry); every wait goes through the injected {@link Clock}.
 *
 * Policies: a call is dialed only inside its calling window (read in its `timeZone`; the
 * scheduler's `window` and `defaultTimeZone` are the defaults) and never at or after its
 * `expiresAt`; retries follow its `retry` policy (or the scheduler's), snapped into the window;
 * dials are paced by `callsPerSecond` / `burst`, bounded by `maxLiveCalls`, one live call per
 * number, and `perNumberCap`. A provider's 429 pauses every new dial for its `Retry-After`
 * without spending an attempt. All of it lives in the store, so a restart keeps every decision.
 *
 * @example
 * ```ts
 * const scheduler = new CallScheduler({ store: new MemoryStore(), provider });
 * scheduler.on('call:completed', ({ call }) => console.log(`${call.to} done`));
 * await scheduler.start();
 * await scheduler.schedule({ to: '+14155550123', at: '2026-11-22T10:00:00Z' });
 * ```
 */
export class CallScheduler extends IsolatingEmitter<CallSchedulerEvents> {
  /** This scheduler's id (the lease owner it writes). */
  readonly id: string;
  /** The clock everything runs on. */
  readonly clock: Clock;
  /**
   * A view of the store without its writes: reads, `watch`, `health`, and `close` for shutdown
   * after `stop()`. Every write of a call goes through the scheduler (after a claim it must carry
   * the lease's fencing token).
   */
  readonly store: CallStoreView;
  /** The provider. */
  readonly provider: CallProvider;
  /** The resolved options (frozen). */
  readonly options: ResolvedSchedulerOptions;

  readonly #store: CallStore;
  #state: SchedulerState = 'idle';
  readonly #init: () => Promise<void>;
  #stopPromise: Promise<void> | null = null;
  readonly #pending: PendingWork;
  readonly #ctx: SchedulerContext;
  readonly #leases: LeaseKeeper;
  readonly #flushEnds: () => void;
  readonly #commands: SchedulerCommands;
  readonly #release: (id: string) => Promise<number | null>;
  readonly #series: SeriesRunner;
  readonly #watcher: StoreWatcher;

  constructor(options: CallSchedulerOptions) {
    super();
    this.options = resolveOptions(options); // throws INVALID_INPUT naming each bad option
    this.#store = options.store;
    this.#init = initOnce(() => options.store.init?.());
    this.store = readOnlyView(options.store);
    this.provider = options.provider;
    this.clock = options.clock ?? systemClock;
    this.id = options.id ?? `scheduler-${randomUUID()}`;
    this.#pending = new PendingWork(this.clock, (error) => this.#reportError(error, 'background'));
    ({ ctx: this.#ctx, leases: this.#leases, flushEnds: this.#flushEnds, commands: this.#commands, release: this.#release } = buildSchedulerParts({
      ...{ id: this.id, clock: this.clock, store: this.#store, provider: this.provider, options: this.options },
      random: options.random ?? Math.random,
      telemetry: options.telemetry,
      isRunning: () => this.#state === 'running',
      emit: (name, payload) => this.emitIsolated(name, payload, (error, operation, callId) => this.#reportError(error, operation, callId)),
      listens: (name) => this.listenerCount(name) > 0,
      reportError: (error, operation, callId) => this.#reportError(error, operation, callId),
      track: (promise) => this.#pending.track(promise),
      watching: () => this.#watcher.watching,
    }));
    this.#series = new SeriesRunner({ ctx: this.#ctx, newId: createIdGenerator(this.clock), options: options.series, cancelCall: (id) => this.#releasedFor(id, () => this.#commands.cancel(id)) });
    const onDue = (at: number): void => (this.#ctx.loop.poke(at), this.#series.wakeAt(at));
    this.#watcher = new StoreWatcher({ store: options.store, onDue, reportError: (error, operation) => this.#reportError(error, operation) });
  }

  /** The lifecycle state. */
  get state(): SchedulerState {
    return this.#state;
  }

  /**
   * Initializes the store, recovers what earlier schedulers left in flight (expired leases) and
   * starts timing. Calls can be scheduled before `start()`; they are dialed once it runs.
   */
  async start(): Promise<void> {
    if (this.#state === 'running') return;
    if (this.#state !== 'idle') throw new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'This scheduler was stopped; create a new one');
    await this.#init();
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#ctx.loop.start(this.clock.now());
    this.#series.start();
    await this.#watcher.start();
  }

  /**
   * Stops timing and claiming, lets in-flight dials finish for up to `timeoutMs`, then aborts what
   * is left (left to lease recovery) and hands the leases of live calls back to the store so that
   * another scheduler, or this one after a restart, follows them at once. Does not close the store.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopPromise !== null) return this.#stopPromise;
    if (this.#state === 'idle' || this.#state === 'stopped') {
      this.#state = 'stopped';
      this.#ctx.telemetry?.close();
      return;
    }
    this.#stopPromise = this.#stop(options.timeoutMs ?? 10_000);
    return this.#stopPromise;
  }

  /** Same as `stop()`, for `await using scheduler = new CallScheduler(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #stop(timeoutMs: number): Promise<void> {
    this.#state = 'stopping';
    this.#series.stop();
    await this.#watcher.stop();
    this.#ctx.loop.stop();
    // Stopping: the writes that end calls no longer wait for company.
    this.#flushEnds();
    this.#ctx.gate.endWaits();
    const waited = timeoutMs > 0 && (await this.#pending.settle(timeoutMs));
    if (!waited) this.#ctx.gate.abortRequests(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
    await this.#pending.settle(Math.max(1000, timeoutMs));
    await this.#leases.handBackAll();
    this.#ctx.loop.stop();
    this.#state = 'stopped';
    // A stopped scheduler's gauges no longer answer (its instruments stay, recording nothing more).
    this.#ctx.telemetry?.close();
  }

  /** Refuses once stopping (`SCHEDULER_STOPPED`); then, unless `init` is false, initializes the store (once). */
  async #ready(init = true): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'This scheduler was stopped; create a new one');
    if (init) await this.#init();
  }

  /**
   * Validates and stores a call. Without `at` it is due now. Throws a {@link CallSchedulerError}
   * with code `INVALID_INPUT` naming each bad field, and then stores nothing.
   *
   * A call with a calling window (its own, or the scheduler's `window` for a call with a zone) is
   * due at the first allowed minute at or after `at` (`nextAttemptAt`). A call that cannot be
   * dialed before its `expiresAt` is stored `expired` at once (code `CALL_EXPIRED`, a
   * `call:expired` event) and never dialed.
   *
   * With an `idempotencyKey` that was used before, the earlier call is returned and nothing new is
   * stored; if that call is to another number, `IDEMPOTENCY_CONFLICT` is thrown instead.
   */
  async schedule(input: ScheduleCallInput): Promise<Call> {
    const parsed = parseScheduleCallInput(input);
    await this.#ready();
    return this.#commands.scheduleOne(parsed);
  }

  /**
   * Validates every input first (paths such as `3.to` name the bad one), then stores them all in
   * one batch. Results are in input order.
   */
  async scheduleMany(inputs: readonly ScheduleCallInput[]): Promise<Call[]> {
    if (!Array.isArray(inputs)) throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid calls: expected an array of calls');
    const parsed = inputs.map((input, index) => parseScheduleCallInput(input, [index]));
    await this.#ready();
    return this.#commands.schedule(parsed);
  }

  /** One call with its attempts and events, or `undefined`. */
  async get(id: string): Promise<CallWithHistory | undefined> {
    if (typeof id !== 'string' || id.length === 0) throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid id: must be a non-empty string', { issues: [{ path: 'id', message: 'must be a non-empty string', rule: 'invalid_type' }] });
    await this.#init();
    return this.#commands.get(id);
  }

  /**
   * A page of calls, newest first by default. Filters: `status` (one or several), `to`, `from` /
   * `until` (on `at`), `seriesId` (the occurrence calls of a series). Follow `nextCursor` for the next page; calls added meanwhile never cause
   * duplicates or gaps.
   */
  async list(query: ListCallsQuery = {}): Promise<CallListPage> {
    const q = parseInput(listCallsQuerySchema, query, 'query');
    await this.#init();
    return this.#commands.list(q);
  }

  /**
   * Stored history events committed after the cursor `after` (an event's `cursor`; absent or
   * `null`: from the start), in log order (e.g. to resume a live feed). Continue from the last
   * event's `cursor`; an empty answer means nothing followed yet.
   */
  async listEvents(query: { readonly after?: string | null; readonly limit?: number; readonly callId?: string } = {}): Promise<CallEvent[]> {
    await this.#init();
    return this.#commands.listEvents(query);
  }

  /**
   * Cancels a call that is still `scheduled`. Throws `CALL_NOT_FOUND`, or `INVALID_STATE` (with
   * `currentStatus`) when it is already being dialed or has ended.
   */
  async cancel(id: string): Promise<Call> {
    await this.#ready();
    return this.#releasedFor(id, () => this.#commands.cancel(id));
  }

  /** Runs a change of call `id` after releasing it if this scheduler holds it ahead of its time (`claimAheadMs`). */
  async #releasedFor<T>(id: string, change: () => Promise<T>): Promise<T> {
    const heldDueAt = await this.#release(id);
    return change().finally(() => heldDueAt !== null && this.#ctx.loop.poke(heldDueAt));
  }

  /**
   * Changes a call that is still `scheduled`: its time (pass a time directly, an instant or a local
   * `{ local, timeZone }`), or any of `at`, `timeZone`, `window`, `expiresAt`, `retry`, `metadata`.
   * A change of time, zone, window or expiry snaps the call into its window again; if it can then
   * no longer be dialed before `expiresAt`, it ends `expired` (code `CALL_EXPIRED`, a
   * `call:expired` event) and is returned so. Throws `CALL_NOT_FOUND`, `INVALID_STATE` or
   * `INVALID_INPUT`.
   */
  async reschedule(id: string, change: CallTimeInput | RescheduleInput): Promise<Call> {
    await this.#ready(false);
    return this.#releasedFor(id, () => this.#commands.reschedule(id, change, () => this.#init()));
  }

  /**
   * Feeds a provider's status report (e.g. a webhook) into the same status machine as polling.
   * Unknown or out-of-order statuses are recorded and move nothing. Returns the call after the
   * report, or `undefined` when no call has this provider id.
   */
  async handleProviderStatus(update: ProviderStatusUpdate): Promise<Call | undefined> {
    await this.#init();
    return this.#commands.providerStatus(update);
  }

  /**
   * Store reachability and what the scheduler is doing: its live calls and provider requests, how
   * late the oldest overdue call is and how many are due in the next minute (stores with
   * `dueSummary`), the provider's last error, and the store's own facts (stores with `health`).
   */
  async health(): Promise<SchedulerHealth> {
    return readHealth(this.#ctx, this.#state, this.#init);
  }

  /**
   * How many calls are in flight: being dialed (`dispatching`) or live (`initiated`, `ringing`,
   * `connected`), across every scheduler sharing the store. One `countByStatus` read; throws
   * `NOT_SUPPORTED` on a store without it.
   */
  async countInFlight(): Promise<number> {
    await this.#init();
    return countInFlight(this.#store);
  }

  /**
   * Retention: deletes the calls that ended before `endedBefore`, with their attempts and events,
   * and returns how many calls were deleted. Only ended calls (`completed`, `busy`, `no-answer`,
   * `failed`, `canceled`, `expired`) are deleted; a scheduled, dialing or live call never is.
   * `statuses` narrows it to some of those. Nothing is deleted unless you call this: the library
   * keeps every call until then.
   *
   * It deletes in batches of `batchSize` calls, oldest `endedAt` first, each batch one store
   * transaction, until a batch comes back short; between batches it lets the event loop run, so
   * that due calls are still dialed on time. A purged call is gone: `get()` answers `undefined`, and
   * its idempotency key can be used again (scheduling with it creates a new call). Its attempts no
   * longer count for `perNumberCap`, so keep `endedBefore` older than the cap's period.
   *
   * Throws `INVALID_INPUT` naming the field (`endedBefore` must not be after the clock's now;
   * `statuses` must be terminal), and `NOT_SUPPORTED` when the store has no `purgeCalls`.
   *
   * @example
   * ```ts
   * // Keep 30 days of history: run it once a day.
   * const deleted = await scheduler.purge({ endedBefore: scheduler.clock.now() - 30 * 24 * 3_600_000 });
   * ```
   */
  async purge(options: {
    /** Delete calls that ended before this instant (not after the clock's now). */
    readonly endedBefore: TimeInput;
    /** Only calls in these terminal statuses. @default every terminal status */
    readonly statuses?: readonly CallStatus[];
    /** Calls deleted per store transaction, 1 to 10,000. @default 1000 */
    readonly batchSize?: number;
  }): Promise<number> {
    await this.#ready(false);
    return this.#commands.purge(options, () => this.#init());
  }

  /**
   * Stores a recurring call: `cron` read on the wall clocks of `timeZone` (DST gaps and overlaps
   * follow `disambiguation`), from `startAt` to `endAt` or `count` calls. Each occurrence becomes
   * an ordinary call (own id, window, expiry, retries, history) `leadMs` before it is due, exactly
   * once across restarts and schedulers. Works before `start()` (a web tier that never starts).
   * With an `idempotencyKey` used before, the earlier series is returned.
   * Throws `INVALID_INPUT` naming the field, `NOT_SUPPORTED` on a store without series.
   */
  async scheduleSeries(input: ScheduleSeriesInput): Promise<CallSeries> {
    await this.#ready();
    return this.#series.schedule(input);
  }

  /** One series, or `undefined`. Throws `NOT_SUPPORTED` on a store without series. */
  async getSeries(id: string): Promise<CallSeries | undefined> {
    await this.#init();
    return this.#series.get(id);
  }

  /** A page of series, newest first by default; filters `status` and `to`. Follow `nextCursor`. */
  async listSeries(query: ListSeriesQuery = {}): Promise<CallSeriesPage> {
    await this.#init();
    return this.#series.list(query);
  }

  /** Pauses an `active` series (its waiting occurrence call is canceled). Throws `SERIES_NOT_FOUND` or `INVALID_STATE`. */
  async pauseSeries(id: string): Promise<CallSeries> {
    await this.#ready();
    return this.#series.pause(id);
  }

  /**
   * Resumes a `paused` series from now: what fell due while paused is not caught up, and an occurrence whose call the
   * pause canceled stays canceled. Throws `SERIES_NOT_FOUND` or `INVALID_STATE`.
   */
  async resumeSeries(id: string): Promise<CallSeries> {
    await this.#ready();
    return this.#series.resume(id);
  }

  /**
   * Changes a series that has not ended (cron, zone, count, window, expiry, retry, skip dates, catch-up, metadata); a
   * waiting occurrence the new rule no longer has is canceled. Throws `SERIES_NOT_FOUND`, `INVALID_STATE`, `INVALID_INPUT`.
   */
  async changeSeries(id: string, change: ChangeSeriesInput): Promise<CallSeries> {
    await this.#ready();
    return this.#series.change(id, change);
  }

  /** Ends a series for good and cancels its waiting occurrence call. Throws `SERIES_NOT_FOUND` or `INVALID_STATE` (already ended). */
  async endSeries(id: string): Promise<CallSeries> {
    await this.#ready();
    return this.#series.end(id);
  }

  /**
   * Cancels one occurrence, not the series: its call (as `cancel`), or the occurrence before it is created. Throws
   * `SERIES_NOT_FOUND`, `INVALID_INPUT` (no such occurrence) or `INVALID_STATE` (its call is being dialed or ended).
   */
  async cancelOccurrence(seriesId: string, occurrenceAt: TimeInput): Promise<CallSeries> {
    await this.#ready();
    return this.#series.cancelOccurrence(seriesId, occurrenceAt);
  }

  /** The first `count` (1 to 100) occurrence times a series with this input would have, from now; pure (stores nothing). */
  previewSeries(input: ScheduleSeriesInput, count = 5): Date[] {
    return this.#series.preview(input, count);
  }

  #reportError(error: unknown, operation: string, callId?: string): void {
    this.emitIsolated('scheduler:error', (callId === undefined ? { error, operation } : { error, operation, callId }) satisfies SchedulerErrorPayload, () => {});
  }
}

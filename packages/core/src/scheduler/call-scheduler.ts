import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import type { Call, CallError, CallEvent, CallWithHistory } from '../call/call.js';
import { CALL_STATUSES, isLiveStatus, isTerminalStatus, type CallStatus } from '../call/call-status.js';
import { MAX_TIMER_DELAY_MS, systemClock, timeoutSignal, type Clock, type TimerHandle } from '../clock/clock.js';
import { CallSchedulerError, isCallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { ProviderError, isProviderError } from '../errors/provider-error.js';
import { effectiveWindowPolicy, planDialTime, type CallWindowPolicy, type ExpireReason } from '../policy/dial-timing.js';
import { localTimeZoneOf, type CallTimeInput, type LocalTimeInput } from '../policy/local-time-schema.js';
import { NumberAttemptCap } from '../policy/number-attempt-cap.js';
import type { CallingWindow } from '../policy/calling-window.js';
import { decideRetry, type RetryEndReason } from '../policy/retry-decision.js';
import type { RetryOutcome } from '../policy/retry-policy.js';
import type { CallProvider, ProviderCallInfo } from '../provider/call-provider.js';
import { callStatusOf, callStatusRank, normalizeProviderStatus } from '../provider/provider-status.js';
import { invalidInput, parseInput, parseScheduleCallInput, type ScheduleCallInput } from '../schema/schedule-input.js';
import { timeInputSchema, type TimeInput } from '../schema/time.js';
import { rescheduleInputSchema, listCallsQuerySchema, type ListCallsQuery, type RescheduleInput } from '../schema/query-schemas.js';
import type { CallEventRecord, CallRecord, NewCallEvent, NewCallRecord } from '../store/call-record.js';
import type { CallPatch, CallStore, CallUpdate, UpdateResult } from '../store/call-store.js';
import { createIdGenerator } from '../util/ids.js';
import { MinHeap } from '../util/min-heap.js';
import { DwellEstimator, nextPollAt } from '../polling/dwell-estimator.js';
import { toCall, toCallWithHistory, toEvent } from './call-mapping.js';
import { DialPacer } from './dial-pacer.js';
import type { CallSchedulerEvents, SchedulerErrorPayload } from './scheduler-events.js';
import { resolveOptions, type CallSchedulerOptions, type ResolvedSchedulerOptions } from './scheduler-options.js';

/** The lifecycle state of a {@link CallScheduler}. */
export type SchedulerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Options of {@link CallScheduler.stop}. */
export interface StopOptions {
  /**
   * How long to let in-flight dials finish before aborting them; an aborted dial is left to lease
   * recovery. @default 10000
   */
  readonly timeoutMs?: number;
}

/** A provider's status report pushed to {@link CallScheduler.handleProviderStatus} (e.g. from a webhook). */
export interface ProviderStatusUpdate {
  /** The provider's call id. */
  readonly providerCallId: string;
  /** The provider's status word. */
  readonly status: string;
  /** Talk time in seconds, when the call has ended. */
  readonly durationSeconds?: number | null;
}

/** What {@link CallScheduler.health} reports. */
export interface SchedulerHealth {
  /** The scheduler's lifecycle state. */
  readonly state: SchedulerState;
  /** Whether the store answered. */
  readonly store: 'ok' | 'error';
  /** The store's error message, when it did not answer. */
  readonly error?: string;
  /** Calls this scheduler follows now. */
  readonly liveCalls: number;
  /** Provider requests in flight. */
  readonly inFlightRequests: number;
  /** When the store next needs a scheduler, or `null`. */
  readonly nextWakeUpAt: Date | null;
}

/** A page of calls from {@link CallScheduler.list}. */
export interface CallListPage {
  /** The calls. */
  readonly items: Call[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** A call this scheduler holds a lease on and follows. */
interface TrackedCall {
  readonly id: string;
  readonly to: string;
  token: number;
  attempt: number;
  status: CallStatus;
  providerCallId: string | null;
  providerStatus: string | null;
  /** When the attempt's dial was accepted (for the ring-time bound). */
  dialedAt: number;
  /** When the call was first seen `connected` (for the duration bound). */
  connectedAt: number | null;
  leaseExpiresAt: number;
  pollIntervalMs: number;
  /** Best estimate of when the call entered its current status, and how uncertain it is (± ms). */
  enteredAt: number;
  enteredUncertaintyMs: number;
  /** When the provider last answered a poll for this call (a change happened after it). */
  lastSeenAt: number;
  notFoundSince: number | null;
  transientErrors: number;
  ended: boolean;
  /** Claimed for a dial that has not yet taken its token from the dial pacer. */
  awaitingToken: boolean;
  /** Serializes work on this call (poll, webhook, end). */
  queue: Promise<void>;
  record: CallRecord;
}

interface LocalTask {
  readonly at: number;
  readonly run: () => void;
  canceled: boolean;
}

const STORE_ERROR_BACKOFF_MS = 1000;
/** How soon to look again for due calls that a claim had to skip (one live call per number). */
const BLOCKED_RECHECK_MS = 1000;
/** Resolution of the per-number cap's search for the earliest allowed time (never early). */
const NUMBER_CAP_RESOLUTION_MS = 1000;

/** The `error` of a call that ends `expired`. */
function expiredError(reason: ExpireReason | 'expires-at-passed' | 'number-cap', policy: CallWindowPolicy): CallError {
  const message =
    reason === 'window-never-opens'
      ? 'The calling window never opens'
      : reason === 'number-cap'
        ? 'The per-number attempt cap allows no attempt before expiresAt'
        : policy.window !== null
          ? 'The call cannot be dialed inside its calling window before expiresAt'
          : 'The call could not be placed before expiresAt';
  return { code: ErrorCode.CALL_EXPIRED, message };
}

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
export class CallScheduler extends EventEmitter<CallSchedulerEvents> {
  /** This scheduler's id (the lease owner it writes). */
  readonly id: string;
  /** The clock everything runs on. */
  readonly clock: Clock;
  /** The store. */
  readonly store: CallStore;
  /** The provider. */
  readonly provider: CallProvider;
  /** The resolved options (frozen). */
  readonly options: ResolvedSchedulerOptions;

  #state: SchedulerState = 'idle';
  #initPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;
  readonly #newId: () => string;
  readonly #tasks = new MinHeap<LocalTask>();
  readonly #tracked = new Map<string, TrackedCall>();
  /** How long the provider's calls stay in each live status, learned from what polling sees. */
  readonly #dwell: DwellEstimator;
  #dispatching = 0;
  #inFlight = 0;
  readonly #requestWaiters: (() => void)[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #stopController = new AbortController();
  /** Aborted when stopping begins: back-off waits end at once (in-flight requests get `timeoutMs`). */
  readonly #waitController = new AbortController();
  #timer: { readonly handle: TimerHandle } | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  /** The store's next wake-up as last read (plus local inserts); `null` for nothing stored. */
  #storeNextAt: number | null = null;
  #lastStoreReadAt = Number.NEGATIVE_INFINITY;
  #storeBackoffUntil = Number.NEGATIVE_INFINITY;
  #ticking = false;
  #tickAgain = false;
  /** The earliest time poked since the last store read began (+∞ for none). */
  #pokedAt = Number.POSITIVE_INFINITY;
  /** Calls per second and 429 pauses. */
  readonly #pacer: DialPacer;
  /** `perNumberCap`, or `null`. */
  readonly #numberCap: NumberAttemptCap | null;
  /** Claimed calls that have not yet taken their dial token (they hold back further claims). */
  #awaitingToken = 0;

  constructor(options: CallSchedulerOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('CallScheduler needs an options object');
    if (options.store === undefined || options.store === null) throw new TypeError('CallScheduler option store is required');
    if (options.provider === undefined || options.provider === null) throw new TypeError('CallScheduler option provider is required');
    this.store = options.store;
    this.provider = options.provider;
    this.clock = options.clock ?? systemClock;
    this.id = options.id ?? `scheduler-${randomUUID()}`;
    this.options = resolveOptions(options);
    this.#newId = createIdGenerator(this.clock);
    // Every provider request and back-off wait listens to these; their number is bounded by
    // maxConcurrentRequests and maxLiveCalls, not by Node's default of 10 listeners.
    setMaxListeners(0, this.#stopController.signal, this.#waitController.signal);
    this.#dwell = new DwellEstimator({ maxUncertaintyMs: 2 * this.options.polling.targetLagMs });
    this.#pacer = new DialPacer(this.options.callsPerSecond, this.options.burst, this.clock);
    this.#numberCap = this.options.perNumberCap === null ? null : new NumberAttemptCap(this.options.perNumberCap);
  }

  /** The lifecycle state. */
  get state(): SchedulerState {
    return this.#state;
  }

  // ---------------------------------------------------------------- lifecycle

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
    this.#storeNextAt = this.clock.now();
    this.#arm();
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
    this.#disarm();
    for (const task of this.#drainTasks()) task.canceled = true;
    this.#waitController.abort();
    const waited = timeoutMs > 0 && (await this.#waitPending(timeoutMs));
    if (!waited) this.#stopController.abort(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
    await this.#waitPending(Math.max(1000, timeoutMs));
    const now = this.clock.now();
    const releases = [...this.#tracked.values()].map(async (tracked) => {
      tracked.ended = true;
      try {
        await this.store.updateCall({ id: tracked.id, expect: { token: tracked.token }, set: { leaseExpiresAt: now }, now });
      } catch (error) {
        this.#reportError(error, 'stop', tracked.id);
      }
    });
    await Promise.all(releases);
    this.#tracked.clear();
    this.#disarm();
    this.#state = 'stopped';
  }

  async #waitPending(timeoutMs: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    let timer: { handle: TimerHandle } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = { handle: this.clock.setTimeout(() => resolve(false), Math.min(timeoutMs, MAX_TIMER_DELAY_MS)) };
    });
    const settled = (async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      return true as const;
    })();
    const result = await Promise.race([settled, timedOut]);
    if (timer !== undefined) this.clock.clearTimeout(timer.handle);
    return result;
  }

  #init(): Promise<void> {
    if (this.#initPromise === null) {
      this.#initPromise = (async () => {
        try {
          await this.store.init?.();
        } catch (error) {
          this.#initPromise = null;
          throw error;
        }
      })();
    }
    return this.#initPromise;
  }

  #assertUsable(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'This scheduler was stopped; create a new one');
    }
  }

  // ---------------------------------------------------------------- public operations

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
    const [call] = await this.#scheduleParsed([parsed]);
    if (parsed.idempotencyKey !== undefined && call!.to !== parsed.to) {
      // The key was used for another number: answering with that call would hide a mix-up.
      throw new CallSchedulerError(
        ErrorCode.IDEMPOTENCY_CONFLICT,
        `Idempotency key "${parsed.idempotencyKey}" was already used for a call to another number (call ${call!.id})`,
        { callId: call!.id, issues: [{ path: 'idempotencyKey', message: 'was already used for a call to another number', rule: 'idempotency_conflict' }] },
      );
    }
    return call!;
  }

  /**
   * Validates every input first (paths such as `3.to` name the bad one), then stores them all in
   * one batch. Results are in input order.
   */
  async scheduleMany(inputs: readonly ScheduleCallInput[]): Promise<Call[]> {
    if (!Array.isArray(inputs)) throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid calls: expected an array of calls');
    const parsed = inputs.map((input, index) => parseScheduleCallInput(input, [index]));
    return this.#scheduleParsed(parsed);
  }

  async #scheduleParsed(parsed: readonly ReturnType<typeof parseScheduleCallInput>[]): Promise<Call[]> {
    this.#assertUsable();
    await this.#init();
    const now = this.clock.now();
    const items = parsed.map((input, index) => {
      const at = input.at ?? now;
      if (input.expiresAt !== undefined && input.expiresAt <= at) {
        throw new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid call: expiresAt must be after at`, {
          issues: [{ path: parsed.length > 1 ? `${index}.expiresAt` : 'expiresAt', message: 'must be after at', rule: 'custom' }],
        });
      }
      const timeZone = input.timeZone ?? null;
      const window = input.window ?? null;
      const expiresAt = input.expiresAt ?? null;
      const policy = this.#windowPolicy({ timeZone, window });
      // A past `at` is wanted now: the window (and expiry) are judged at the time it can happen.
      const plan = planDialTime({ wantedAt: Math.max(at, now), ...policy, expiresAt });
      const expired = plan.action === 'expire' ? expiredError(plan.reason, policy) : null;
      const dueAt = plan.action === 'expire' ? null : plan.snapped ? plan.dueAt : at;
      const call: NewCallRecord = {
        id: this.#newId(),
        to: input.to,
        status: expired === null ? 'scheduled' : 'expired',
        at,
        dueAt,
        timeZone,
        window,
        expiresAt,
        retry: input.retry ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        metadata: input.metadata ?? null,
        error: expired,
        createdAt: now,
        endedAt: expired === null ? null : now,
      };
      const data = dueAt !== null && dueAt !== at ? { at, nextAttemptAt: dueAt } : { at };
      const events: NewCallEvent[] = [{ type: 'scheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data }];
      if (expired !== null && plan.action === 'expire') {
        events.push({ type: 'expired', at: now, attempt: null, status: 'expired', providerStatus: null, data: { code: expired.code, message: expired.message, reason: plan.reason } });
      }
      return { call, events };
    });
    const results = await this.store.insertCalls(items);
    let earliest = Number.POSITIVE_INFINITY;
    const calls = results.map((result) => {
      const call = toCall(result.call);
      if (result.created) {
        if (result.call.dueAt !== null) earliest = Math.min(earliest, result.call.dueAt);
        const [scheduled, expired] = result.events;
        if (scheduled !== undefined) this.#emit('call:scheduled', { call, event: toEvent(scheduled) });
        if (expired !== undefined && result.call.status === 'expired') this.#emit('call:expired', { call, event: toEvent(expired) });
      }
      return call;
    });
    if (earliest !== Number.POSITIVE_INFINITY) this.#poke(earliest);
    return calls;
  }

  /** One call with its attempts and events, or `undefined`. */
  async get(id: string): Promise<CallWithHistory | undefined> {
    if (typeof id !== 'string' || id.length === 0) throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid id: must be a non-empty string', { issues: [{ path: 'id', message: 'must be a non-empty string', rule: 'invalid_type' }] });
    await this.#init();
    const details = await this.store.getCallDetails(id);
    return details === undefined ? undefined : toCallWithHistory(details);
  }

  /**
   * A page of calls, newest first by default. Filters: `status` (one or several), `to`, `from` /
   * `until` (on `at`). Follow `nextCursor` for the next page; calls added meanwhile never cause
   * duplicates or gaps.
   */
  async list(query: ListCallsQuery = {}): Promise<CallListPage> {
    const q = parseInput(listCallsQuerySchema, query, 'query');
    await this.#init();
    const page = await this.store.listCalls({
      ...(q.status === undefined ? {} : { statuses: q.status }),
      ...(q.to === undefined ? {} : { to: q.to }),
      ...(q.from === undefined ? {} : { atFrom: q.from }),
      ...(q.until === undefined ? {} : { atUntil: q.until }),
      limit: q.limit,
      cursor: q.cursor ?? null,
      order: q.order,
    });
    return { items: page.items.map(toCall), nextCursor: page.nextCursor };
  }

  /**
   * Stored history events committed after the cursor `after` (an event's `cursor`; absent or
   * `null`: from the start), in log order (e.g. to resume a live feed). Continue from the last
   * event's `cursor`; an empty answer means nothing followed yet.
   */
  async listEvents(query: { readonly after?: string | null; readonly limit?: number; readonly callId?: string } = {}): Promise<CallEvent[]> {
    await this.#init();
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
    const page = await this.store.listEvents({
      after: query.after ?? null,
      limit,
      ...(query.callId === undefined ? {} : { callId: query.callId }),
    });
    return page.items.map(toEvent);
  }

  /**
   * Cancels a call that is still `scheduled`. Throws `CALL_NOT_FOUND`, or `INVALID_STATE` (with
   * `currentStatus`) when it is already being dialed or has ended.
   */
  async cancel(id: string): Promise<Call> {
    this.#assertUsable();
    await this.#init();
    const now = this.clock.now();
    const result = await this.store.updateCall({
      id,
      expect: { statuses: ['scheduled'] },
      set: { status: 'canceled', dueAt: null, endedAt: now },
      events: [{ type: 'canceled', at: now, attempt: null, status: 'canceled', providerStatus: null, data: null }],
      now,
    });
    if (result === undefined) throw await this.#notChangeable(id, 'canceled');
    const call = toCall(result.call);
    this.#emit('call:canceled', { call, event: toEvent(result.events[0]!) });
    return call;
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
    this.#assertUsable();
    const input: unknown =
      change instanceof Date || typeof change === 'number' || typeof change === 'string' || isLocalTimeInput(change) ? { at: change } : change;
    const parsed = parseInput(rescheduleInputSchema, input, 'reschedule');
    const zoneOfAt = localTimeZoneOf((input as { readonly at?: unknown } | null)?.at);
    await this.#init();
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.store.getCall(id);
      if (current === undefined) throw this.#notFound(id);
      if (current.status !== 'scheduled') throw this.#invalidState(id, current.status, 'rescheduled');
      const now = this.clock.now();
      const at = parsed.at ?? current.at;
      const timeZone = parsed.timeZone === undefined ? (current.timeZone ?? zoneOfAt ?? null) : parsed.timeZone;
      const window = parsed.window === undefined ? current.window : parsed.window;
      const expiresAt = parsed.expiresAt === undefined ? current.expiresAt : parsed.expiresAt;
      if (window !== null && timeZone === null) {
        throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid reschedule: timeZone is required when a window is given', {
          issues: [{ path: 'timeZone', message: 'is required when a window is given', rule: 'custom' }],
        });
      }
      if (expiresAt !== null && expiresAt <= at) {
        throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid reschedule: expiresAt must be after at', {
          issues: [{ path: 'expiresAt', message: 'must be after at', rule: 'custom' }],
        });
      }
      const timing = parsed.at !== undefined || timeZone !== current.timeZone || parsed.window !== undefined || expiresAt !== current.expiresAt;
      let dueAt = current.dueAt ?? at;
      let expired: { error: CallError; reason: ExpireReason } | null = null;
      if (timing) {
        // The time the call is wanted: the new `at`; else its `at` before any attempt, or the
        // time of the retry it waits for.
        const wanted = parsed.at !== undefined || current.attemptCount === 0 ? at : dueAt;
        const policy = this.#windowPolicy({ timeZone, window });
        const plan = planDialTime({ wantedAt: Math.max(wanted, now), ...policy, expiresAt });
        if (plan.action === 'expire') expired = { error: expiredError(plan.reason, policy), reason: plan.reason };
        else dueAt = plan.snapped ? plan.dueAt : wanted;
      }
      const set: CallPatch = {
        at,
        timeZone,
        window,
        expiresAt,
        ...(expired === null ? { dueAt } : { status: 'expired' as const, dueAt: null, endedAt: now, error: expired.error }),
        ...(parsed.retry === undefined ? {} : { retry: parsed.retry }),
        ...(parsed.metadata === undefined ? {} : { metadata: parsed.metadata }),
      };
      const event: NewCallEvent =
        expired === null
          ? { type: 'rescheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data: dueAt === at ? { at } : { at, nextAttemptAt: dueAt } }
          : { type: 'expired', at: now, attempt: null, status: 'expired', providerStatus: null, data: { at, code: expired.error.code, message: expired.error.message, reason: expired.reason } };
      const result = await this.store.updateCall({
        id,
        expect: { statuses: ['scheduled'], version: current.version },
        set,
        events: [event],
        now,
      });
      if (result === undefined) continue;
      const call = toCall(result.call);
      this.#emit(expired === null ? 'call:rescheduled' : 'call:expired', { call, event: toEvent(result.events[0]!) });
      if (result.call.dueAt !== null) this.#poke(result.call.dueAt);
      return call;
    }
    throw new CallSchedulerError(ErrorCode.INVALID_STATE, `Call ${id} kept changing while being rescheduled; try again`, { callId: id });
  }

  /**
   * Feeds a provider's status report (e.g. a webhook) into the same status machine as polling.
   * Unknown or out-of-order statuses are recorded and move nothing. Returns the call after the
   * report, or `undefined` when no call has this provider id.
   */
  async handleProviderStatus(update: ProviderStatusUpdate): Promise<Call | undefined> {
    await this.#init();
    if (typeof update?.providerCallId !== 'string' || typeof update.status !== 'string') {
      throw new CallSchedulerError(ErrorCode.INVALID_INPUT, 'Invalid status update: providerCallId and status must be strings', {
        issues: [{ path: typeof update?.providerCallId !== 'string' ? 'providerCallId' : 'status', message: 'must be a string', rule: 'invalid_type' }],
      });
    }
    const info: ProviderCallInfo = {
      providerCallId: update.providerCallId,
      status: normalizeProviderStatus(update.status),
      rawStatus: update.status,
      durationSeconds: update.durationSeconds ?? null,
    };
    for (let tries = 0; tries < 5; tries++) {
      const record = await this.store.findCallByProviderCallId(update.providerCallId);
      if (record === undefined) return undefined;
      const own = this.#tracked.get(record.id);
      if (own !== undefined && own.providerCallId === update.providerCallId) {
        await this.#serialize(own, () => this.#applyStatus(own, info, undefined, true));
        return toCall((await this.store.getCall(record.id)) ?? record);
      }
      if (record.lease === null || !isLiveStatus(record.status) || record.providerCallId !== update.providerCallId) {
        return toCall(record); // not live any more (or an older attempt): nothing to move
      }
      const foreign = this.#trackedFromRecord(record, record.lease.token);
      const ok = await this.#applyStatus(foreign, info, record.version, true);
      if (ok) return toCall((await this.store.getCall(record.id)) ?? record);
    }
    const latest = await this.store.findCallByProviderCallId(update.providerCallId);
    return latest === undefined ? undefined : toCall(latest);
  }

  /** Store reachability and what the scheduler is doing. */
  async health(): Promise<SchedulerHealth> {
    const base = { state: this.#state, liveCalls: this.#tracked.size, inFlightRequests: this.#inFlight };
    try {
      await this.#init();
      const next = await this.store.nextWakeUpAt();
      return { ...base, store: 'ok', nextWakeUpAt: next === null ? null : new Date(next) };
    } catch (error) {
      return { ...base, store: 'error', error: error instanceof Error ? error.message : String(error), nextWakeUpAt: null };
    }
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
    this.#assertUsable();
    const terminal = CALL_STATUSES.filter(isTerminalStatus);
    const schema = z
      .object({
        endedBefore: timeInputSchema,
        statuses: z
          .array(z.enum(terminal, { message: `must be a terminal status: one of ${terminal.join(', ')}` }))
          .min(1, { message: 'must list at least one status' })
          .optional(),
        batchSize: z
          .number({ message: 'must be a number' })
          .int({ message: 'must be a whole number' })
          .min(1, { message: 'must be at least 1' })
          .max(10_000, { message: 'must be at most 10000' })
          .optional(),
      })
      .strict();
    const parsed = parseInput(schema, options, 'purge options');
    const now = this.clock.now();
    if (parsed.endedBefore > now) {
      throw invalidInput(
        [{ path: 'endedBefore', message: `must not be after now (${new Date(parsed.endedBefore).toISOString()} is after ${new Date(now).toISOString()})`, rule: 'custom' }],
        'purge options',
      );
    }
    await this.#init();
    const store = this.store;
    if (store.purgeCalls === undefined) {
      throw new CallSchedulerError(ErrorCode.NOT_SUPPORTED, 'This store cannot delete calls (it has no purgeCalls); it keeps every call');
    }
    const limit = parsed.batchSize ?? 1000;
    const statuses = parsed.statuses === undefined ? {} : { statuses: [...new Set(parsed.statuses)] };
    let total = 0;
    for (;;) {
      const deleted = await store.purgeCalls({ endedBefore: parsed.endedBefore, limit, ...statuses });
      if (!Number.isInteger(deleted) || deleted < 0 || deleted > limit) {
        throw new CallSchedulerError(ErrorCode.STORE_ERROR, `The store's purgeCalls answered ${String(deleted)} for a limit of ${limit}`);
      }
      total += deleted;
      if (deleted < limit) return total;
      // A batch may have held the event loop (a synchronous driver): let timers and I/O run.
      await new Promise<void>((resolve) => setImmediate(resolve)); // clock-ok: yields to the event loop; no time is read or waited for
    }
  }

  async #notChangeable(id: string, verb: string): Promise<CallSchedulerError> {
    const current = await this.store.getCall(id);
    return current === undefined ? this.#notFound(id) : this.#invalidState(id, current.status, verb);
  }

  #notFound(id: string): CallSchedulerError {
    return new CallSchedulerError(ErrorCode.CALL_NOT_FOUND, `No call with id ${id}`, { callId: id });
  }

  #invalidState(id: string, status: CallStatus, verb: string): CallSchedulerError {
    return new CallSchedulerError(ErrorCode.INVALID_STATE, `Call ${id} is ${status} and can no longer be ${verb}`, {
      callId: id,
      currentStatus: status,
    });
  }

  /** The zone and window that govern a call: its own, else the scheduler's `defaultTimeZone` and `window`. */
  #windowPolicy(call: { readonly timeZone: string | null; readonly window: CallingWindow | null }): CallWindowPolicy {
    return effectiveWindowPolicy(call, { defaultWindow: this.options.window, defaultTimeZone: this.options.defaultTimeZone });
  }

  // ---------------------------------------------------------------- timing

  /** Something is due at `at` in the store (a local insert or reschedule). */
  #poke(at: number): void {
    // Kept until folded into #storeNextAt, so that a tick whose store read started before the
    // write cannot overwrite it with an older answer.
    this.#pokedAt = Math.min(this.#pokedAt, at);
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#arm();
  }

  /** How many calls a claim may take now, before dial pacing. */
  #baseCapacity(): number {
    const o = this.options;
    return Math.min(
      o.claimBatchSize,
      o.maxLiveCalls - this.#tracked.size - this.#dispatching,
      o.maxConcurrentRequests * 2 - this.#dispatching,
    );
  }

  /** How many calls a claim may take at `now`: also no more than the dial tokens not yet spoken for. */
  #capacity(now: number = this.clock.now()): number {
    return Math.min(this.#baseCapacity(), this.#pacer.available(now) - this.#awaitingToken);
  }

  #storeWorkAt(): number {
    let at = Number.POSITIVE_INFINITY;
    if (this.#storeNextAt !== null) {
      const now = this.clock.now();
      if (this.#capacity(now) > 0) at = this.#storeNextAt;
      else if (this.#awaitingToken === 0 && this.#baseCapacity() > 0) {
        // Only dial pacing (the rate, or a 429 pause) holds claims back: look again when the next
        // token is due. (While a claimed call still waits for its token, it re-arms when it takes it.)
        at = Math.max(this.#storeNextAt, now + Math.max(1, this.#pacer.msUntilAvailable(now)));
      }
    }
    const reread = this.options.storeRereadIntervalMs;
    if (reread !== null) at = Math.min(at, this.#lastStoreReadAt + reread);
    return Math.max(at, this.#storeBackoffUntil);
  }

  /** Arms the one timer to the earliest thing to do. */
  #arm(): void {
    if (this.#state !== 'running') return;
    if (!this.#ticking && this.#pokedAt !== Number.POSITIVE_INFINITY) {
      this.#storeNextAt = Math.min(this.#storeNextAt ?? Number.POSITIVE_INFINITY, this.#pokedAt);
      this.#pokedAt = Number.POSITIVE_INFINITY;
    }
    let at = this.#storeWorkAt();
    const task = this.#peekTask();
    if (task !== undefined) at = Math.min(at, task.at);
    if (at === Number.POSITIVE_INFINITY) {
      this.#disarm();
      return;
    }
    if (this.#timer !== null && this.#timerAt === at) return;
    this.#disarm();
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_DELAY_MS);
    this.#timerAt = at;
    const handle = this.clock.setTimeout(() => {
      if (this.#timer?.handle !== handle) return;
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#track(this.#tick());
    }, delay);
    this.#timer = { handle };
  }

  #disarm(): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer.handle);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #peekTask(): LocalTask | undefined {
    let task = this.#tasks.peek();
    while (task?.canceled === true) {
      this.#tasks.pop();
      task = this.#tasks.peek();
    }
    return task;
  }

  #drainTasks(): LocalTask[] {
    const out: LocalTask[] = [];
    for (let t = this.#tasks.pop(); t !== undefined; t = this.#tasks.pop()) out.push(t);
    return out;
  }

  /** Runs `run` at `at` on the scheduler's one timer. */
  #at(at: number, run: () => void): LocalTask {
    const task: LocalTask = { at, run, canceled: false };
    this.#tasks.push(task);
    if (!this.#ticking) this.#arm();
    return task;
  }

  /** A promise that resolves at `at` (on the one timer), or rejects when the scheduler stops. */
  #waitUntil(at: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = this.#waitController.signal;
      if (signal.aborted || this.#state !== 'running') {
        reject(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
        return;
      }
      const onAbort = (): void => {
        task.canceled = true;
        reject(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
      };
      const task = this.#at(at, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #tick(): Promise<void> {
    if (this.#state !== 'running') return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      do {
        const again = this.#tickAgain;
        this.#tickAgain = false;
        const now = this.clock.now();
        for (let task = this.#peekTask(); task !== undefined && task.at <= now; task = this.#peekTask()) {
          this.#tasks.pop();
          task.run();
        }
        if (this.#state !== 'running') break;
        if (this.#storeWorkAt() <= now || again || this.#pokedAt <= now) {
          try {
            await this.#storeWork(now);
          } catch (error) {
            this.#reportError(error, 'tick');
            this.#storeBackoffUntil = this.clock.now() + STORE_ERROR_BACKOFF_MS;
            break;
          }
        }
      } while (this.#tickAgain && this.#state === 'running');
    } finally {
      this.#ticking = false;
      this.#arm();
    }
  }

  async #storeWork(now: number): Promise<void> {
    // What was poked so far is in the store already: the reads below see it.
    this.#pokedAt = Number.POSITIVE_INFINITY;
    let capacity = this.#capacity(now);
    const leaseExpiresAt = now + this.options.leaseMs;
    if (capacity > 0) {
      const recovered = await this.store.claimExpiredLeases({ now, limit: capacity, owner: this.id, leaseExpiresAt });
      for (const result of recovered) this.#adopt(result);
      capacity -= recovered.length;
    }
    if (capacity > 0) {
      const claimed = await this.store.claimDueCalls({
        now,
        limit: capacity,
        owner: this.id,
        leaseExpiresAt,
        onePerNumber: this.options.onePerNumber,
      });
      for (const result of claimed) this.#startDispatch(result);
      if (claimed.length === capacity) this.#tickAgain = true;
    }
    let next = await this.store.nextWakeUpAt();
    if (next !== null && next <= now && !this.#tickAgain && this.#capacity(now) > 0) {
      // Due calls remain that the claim skipped (another call to the same number is live): look
      // again when one of ours ends (see #endAttempt) or after the re-read interval, not in a loop.
      next = now + (this.options.storeRereadIntervalMs ?? BLOCKED_RECHECK_MS);
    }
    this.#storeNextAt = next === null && this.#pokedAt === Number.POSITIVE_INFINITY ? null : Math.min(next ?? Number.POSITIVE_INFINITY, this.#pokedAt);
    this.#pokedAt = Number.POSITIVE_INFINITY;
    this.#lastStoreReadAt = now;
    this.#storeBackoffUntil = Number.NEGATIVE_INFINITY;
  }

  // ---------------------------------------------------------------- dispatch

  #startDispatch(result: UpdateResult): void {
    const record = result.call;
    const lease = record.lease;
    if (lease === null) return;
    const tracked = this.#trackedFromRecord(record, lease.token);
    tracked.status = 'dispatching';
    const dispatchEvent = result.events.find((e) => e.type === 'dispatching');
    if (dispatchEvent !== undefined) {
      this.#emit('call:dispatching', { call: toCall(record), event: toEvent(dispatchEvent), attempt: record.attemptCount });
    }
    this.#runDispatch(tracked, true);
  }

  /** Dials `tracked` in the background; it holds back claims until it has taken its dial token. */
  #runDispatch(tracked: TrackedCall, fresh: boolean): void {
    this.#dispatching += 1;
    tracked.awaitingToken = true;
    this.#awaitingToken += 1;
    this.#track(
      this.#dispatch(tracked, fresh).finally(() => {
        this.#dispatching -= 1;
        this.#tokenTaken(tracked);
        this.#arm();
      }),
    );
  }

  #tokenTaken(tracked: TrackedCall): void {
    if (!tracked.awaitingToken) return;
    tracked.awaitingToken = false;
    this.#awaitingToken -= 1;
  }

  /**
   * Dials a claimed call. `fresh` is false for a dial re-sent after lease recovery (the provider
   * de-duplicates), which may already have happened: such a dial is never put back or held back.
   */
  async #dispatch(tracked: TrackedCall, fresh: boolean): Promise<void> {
    const record = tracked.record;
    if (!fresh) {
      const now = this.clock.now();
      if (record.expiresAt !== null && record.expiresAt <= now) {
        await this.#finish(tracked, { error: expiredError('expires-at-passed', this.#windowPolicy(record)), unclaim: false });
        return;
      }
    }
    const idempotent = this.provider.capabilities?.idempotentPlaceCall === true;
    // True once a request of this attempt may have started a call: from then on only the same
    // dial is re-sent (same idempotency key), never put back, held back or expired.
    let mayHavePlaced = !fresh;
    let lastError: ProviderError | null = null;
    for (let failures = 0, rateLimited = 0, unknownRounds = 0; ; ) {
      if (!mayHavePlaced && !(await this.#mayDialNow(tracked, failures === 0 && rateLimited === 0))) return;
      try {
        await this.#acquireDialSlot(tracked);
      } catch {
        // Stopping while waiting for a dial token: nothing of this try was sent.
        if (mayHavePlaced) return; // the lease decides
        if (lastError === null) {
          await this.#putBack(tracked, this.clock.now(), { code: ErrorCode.SCHEDULER_STOPPED, message: 'Not dialed: the scheduler stopped while waiting for a dial token' });
        } else {
          await this.#requeueUnplaced(tracked, this.clock.now(), lastError);
        }
        return;
      }
      // Fence the dial: the lease must still be ours (waiting for a token or a slot may have
      // outlasted it), and must outlast the request.
      let fenced: boolean;
      try {
        fenced = await this.#keepLease(tracked, this.clock.now() + this.options.dispatchTimeoutMs);
      } catch (error) {
        this.#release();
        throw error;
      }
      if (!fenced) {
        this.#release();
        return;
      }
      let info: ProviderCallInfo;
      try {
        info = await this.#run(
          (signal) =>
            this.provider.placeCall(
              {
                to: tracked.to,
                callId: tracked.id,
                attempt: tracked.attempt,
                idempotencyKey: `${tracked.id}:${tracked.attempt}`,
                metadata: record.metadata,
              },
              { signal },
            ),
          this.options.dispatchTimeoutMs,
        );
      } catch (caught) {
        if (this.#stopController.signal.aborted) return; // stopping: the lease decides
        const error = toProviderError(caught);
        lastError = error;
        if (!error.retryable && error.ambiguous) {
          // E.g. a 2xx answer we could not read: the call may exist, and a retry would not help.
          await this.#endAttempt(tracked, 'failed', {
            code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN,
            message: `The provider's answer to the dial could not be used (${error.message}); not dialing again`,
          }, null, { permanent: true });
          return;
        }
        if (!error.retryable) {
          await this.#endAttempt(tracked, 'failed', {
            code: error.code === ErrorCode.PROVIDER_REJECTED ? ErrorCode.PROVIDER_REJECTED : error.code,
            message: error.providerMessage ?? error.message,
          }, null, { permanent: true });
          return;
        }
        if (error.ambiguous && !idempotent) {
          await this.#endAttempt(tracked, 'failed', {
            code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN,
            message: `The provider may or may not have placed the call (${error.message}); not dialing again`,
          }, null, { outcome: 'unknown' });
          return;
        }
        if (error.ambiguous) mayHavePlaced = true;
        const now = this.clock.now();
        let delay: number;
        if (error.code === ErrorCode.PROVIDER_RATE_LIMITED) {
          // The provider asked every dial to wait: pause them all; this is not the call's fault,
          // so it spends no attempt and does not count toward transientRetry.maxRetries.
          rateLimited += 1;
          delay = error.retryAfterMs ?? this.#backoff(rateLimited);
          this.#pacer.pauseUntil(now + delay, now);
        } else {
          failures += 1;
          if (failures > this.options.transientRetry.maxRetries) {
            if (!error.ambiguous) {
              await this.#endAttempt(tracked, 'failed', { code: ErrorCode.PROVIDER_UNAVAILABLE, message: `The provider kept failing: ${error.message}` }, null, {
                outcome: 'failed',
              });
              return;
            }
            // The dial may have happened (and the provider de-duplicates): the `unknown` retry
            // rule re-sends this same dial, with the same idempotency key, later. A new attempt
            // would carry a new key and could ring the person twice.
            unknownRounds += 1;
            const decision = decideRetry({
              policy: record.retry,
              defaultPolicy: this.options.retry,
              outcome: 'unknown',
              attemptNumber: unknownRounds,
              endedAt: now,
              timeZone: null,
              window: null,
              expiresAt: null,
              providerDeduplicates: true,
            });
            if (decision.action !== 'retry') {
              await this.#endAttempt(tracked, 'failed', {
                code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN,
                message: `The provider kept failing and may or may not have placed the call: ${error.message}`,
              }, null, { permanent: true });
              return;
            }
            failures = 0;
            delay = decision.retryAt - now;
          } else {
            delay = Math.max(this.#backoff(failures), error.retryAfterMs ?? 0);
          }
        }
        const wakeAt = now + delay;
        if (!(await this.#renewLease(tracked, wakeAt + this.options.leaseMs))) return;
        try {
          await this.#waitUntil(wakeAt);
        } catch {
          // Stopping during the back-off. A dial known not to have happened goes back to the queue
          // at once; a possibly-placed one (idempotent provider) is left to lease recovery, which
          // re-sends it with the same key.
          if (!mayHavePlaced) await this.#requeueUnplaced(tracked, wakeAt, error);
          return;
        }
        continue;
      }
      await this.#accepted(tracked, info);
      return;
    }
  }

  /**
   * Whether a claimed call that has surely not been dialed yet may be dialed now. If not, it is
   * put back to `scheduled` (outside its window, or its number over `perNumberCap`, checked when
   * `checkCap`), or ended `expired`; either way without a trace of an attempt.
   */
  async #mayDialNow(tracked: TrackedCall, checkCap: boolean): Promise<boolean> {
    const record = tracked.record;
    const policy = this.#windowPolicy(record);
    const now = this.clock.now();
    const plan = planDialTime({ wantedAt: now, ...policy, expiresAt: record.expiresAt });
    if (plan.action === 'expire') {
      await this.#finish(tracked, { error: expiredError(plan.reason, policy), unclaim: true });
      return false;
    }
    if (plan.dueAt > now) {
      await this.#putBack(tracked, plan.dueAt, {
        code: ErrorCode.OUTSIDE_CALLING_WINDOW,
        message: `Outside its calling window; the window opens at ${new Date(plan.dueAt).toISOString()}`,
      });
      return false;
    }
    const cap = this.#numberCap;
    if (!checkCap || cap === null) return true;
    // The claim's own attempt (started at the claim, `updatedAt`) is counted by the store: leave it out.
    const startedAt = record.updatedAt;
    const decision = await cap.check(
      now,
      async (since) => (await this.store.countAttempts({ to: tracked.to, since })) - (since <= startedAt ? 1 : 0),
      NUMBER_CAP_RESOLUTION_MS,
    );
    if (decision.allowed) return true;
    const later = planDialTime({ wantedAt: decision.retryAt, ...policy, expiresAt: record.expiresAt });
    if (later.action === 'expire') {
      await this.#finish(tracked, { error: expiredError('number-cap', policy), unclaim: true });
      return false;
    }
    await this.#putBack(tracked, later.dueAt, {
      code: ErrorCode.NUMBER_ATTEMPT_CAP,
      message: `${tracked.to} had ${cap.maxAttempts} attempts within ${cap.periodMs} ms; next allowed at ${new Date(later.dueAt).toISOString()}`,
    });
    return false;
  }

  /**
   * Waits until dial pacing allows a dial (outside the request bound, so that a pause holds no
   * request slot), then takes a request slot and the dial token together. Rejects when stopping.
   */
  async #acquireDialSlot(tracked: TrackedCall): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const wait = this.#pacer.msUntilAvailable(now);
      if (wait > 0) await this.#waitUntil(now + wait);
      await this.#acquire();
      if (this.#pacer.tryTake(this.clock.now())) {
        if (tracked.awaitingToken) {
          this.#tokenTaken(tracked);
          this.#arm();
        }
        return;
      }
      this.#release();
    }
  }

  /** The provider accepted the dial: record it under the lease and start following the call. */
  async #accepted(tracked: TrackedCall, info: ProviderCallInfo): Promise<void> {
    const now = this.clock.now();
    const initial = callStatusOf(info.status) ?? 'initiated';
    const status: CallStatus = callStatusRank(initial) >= 3 ? 'initiated' : initial;
    const leaseExpiresAt = now + this.options.leaseMs;
    const result = await this.store.updateCall({
      id: tracked.id,
      expect: { token: tracked.token },
      set: { status, providerCallId: info.providerCallId, providerStatus: info.rawStatus, leaseExpiresAt },
      attempt: { number: tracked.attempt, set: { status, providerCallId: info.providerCallId, providerStatus: info.rawStatus } },
      events: [{ type: 'status', at: now, attempt: tracked.attempt, status, providerStatus: info.rawStatus, data: { providerCallId: info.providerCallId } }],
      now,
    });
    if (result === undefined) {
      this.#leaseLost(tracked, 'dispatch');
      return;
    }
    const previous = tracked.status;
    tracked.status = status;
    tracked.providerCallId = info.providerCallId;
    tracked.providerStatus = info.rawStatus;
    tracked.dialedAt = now;
    tracked.leaseExpiresAt = leaseExpiresAt;
    tracked.record = result.call;
    tracked.pollIntervalMs = this.options.polling.minIntervalMs / this.options.polling.backoffFactor;
    tracked.enteredAt = now;
    tracked.enteredUncertaintyMs = 0;
    tracked.lastSeenAt = now;
    if (status === 'connected') tracked.connectedAt = now;
    this.#tracked.set(tracked.id, tracked);
    this.#emitStatus(tracked, result, previous, info.rawStatus);
    if (callStatusRank(initial) >= 3) {
      // The provider answered the dial with a final status already (e.g. busy at once).
      await this.#serialize(tracked, () => this.#applyStatus(tracked, info, undefined).then(() => undefined));
      return;
    }
    this.#schedulePoll(tracked, this.#nextPoll(tracked, now));
  }

  // ---------------------------------------------------------------- following live calls

  /** Takes over a call whose lease expired (another scheduler died, or this one restarted). */
  #adopt(result: UpdateResult): void {
    const record = result.call;
    if (record.lease === null) return;
    const tracked = this.#trackedFromRecord(record, record.lease.token);
    const event = result.events[0];
    if (event !== undefined) this.#emit('call:recovered', { call: toCall(record), event: toEvent(event) });
    if (record.status === 'dispatching') {
      if (this.provider.capabilities?.idempotentPlaceCall === true) {
        // The provider de-duplicates by key: re-send the same attempt with the same key.
        this.#runDispatch(tracked, false);
      } else {
        this.#track(
          this.#endAttempt(tracked, 'failed', {
            code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN,
            message: 'The scheduler that was dialing this call stopped before recording the answer; not dialing again',
          }, null, { outcome: 'unknown' }),
        );
      }
      return;
    }
    if (isLiveStatus(record.status) && record.providerCallId !== null) {
      this.#tracked.set(tracked.id, tracked);
      this.#schedulePoll(tracked, this.clock.now());
      return;
    }
    // Nothing to follow (should not happen): hand the lease back.
    this.#track(
      this.store
        .updateCall({ id: record.id, expect: { token: tracked.token }, set: { leaseExpiresAt: null }, now: this.clock.now() })
        .catch((error: unknown) => this.#reportError(error, 'recover', record.id)),
    );
  }

  #trackedFromRecord(record: CallRecord, token: number): TrackedCall {
    return {
      id: record.id,
      to: record.to,
      token,
      attempt: record.attemptCount,
      status: record.status,
      providerCallId: record.providerCallId,
      providerStatus: record.providerStatus,
      dialedAt: record.updatedAt,
      connectedAt: record.status === 'connected' ? record.updatedAt : null,
      leaseExpiresAt: record.lease?.expiresAt ?? 0,
      pollIntervalMs: this.options.polling.minIntervalMs / this.options.polling.backoffFactor,
      enteredAt: record.updatedAt,
      enteredUncertaintyMs: Number.POSITIVE_INFINITY,
      lastSeenAt: record.updatedAt,
      notFoundSince: null,
      transientErrors: 0,
      ended: false,
      awaitingToken: false,
      queue: Promise.resolve(),
      record,
    };
  }

  #schedulePoll(tracked: TrackedCall, at: number): void {
    if (tracked.ended || this.#state !== 'running') return;
    this.#at(at, () => {
      this.#track(this.#serialize(tracked, () => this.#poll(tracked)));
    });
  }

  #serialize(tracked: TrackedCall, work: () => Promise<unknown>): Promise<void> {
    const next = tracked.queue.then(async () => {
      if (tracked.ended) return;
      await work();
    });
    tracked.queue = next.catch((error: unknown) => this.#reportError(error, 'follow', tracked.id));
    return tracked.queue;
  }

  async #poll(tracked: TrackedCall): Promise<void> {
    const providerCallId = tracked.providerCallId;
    if (providerCallId === null) return;
    let info: ProviderCallInfo;
    try {
      info = await this.#request((signal) => this.provider.getCall(providerCallId, { signal }), this.options.requestTimeoutMs);
    } catch (caught) {
      if (this.#stopController.signal.aborted || tracked.ended) return;
      const error = toProviderError(caught);
      const now = this.clock.now();
      if (error.code === ErrorCode.PROVIDER_CALL_NOT_FOUND) {
        if (tracked.notFoundSince === null) {
          tracked.notFoundSince = now;
          this.#schedulePoll(tracked, now + this.options.polling.notFoundConfirmMs);
          return;
        }
        await this.#endAttempt(tracked, 'failed', {
          code: ErrorCode.PROVIDER_CALL_LOST,
          message: `The provider no longer knows call ${providerCallId} (404 twice, ${now - tracked.notFoundSince} ms apart)`,
        }, null, { outcome: 'failed' });
        return;
      }
      tracked.transientErrors += 1;
      const delay = Math.max(this.#backoff(tracked.transientErrors), error.retryAfterMs ?? 0, tracked.pollIntervalMs);
      // A 429 on a status request is the same account limit: new dials wait for it too.
      if (error.code === ErrorCode.PROVIDER_RATE_LIMITED && error.retryAfterMs !== null) this.#pacer.pauseUntil(now + error.retryAfterMs, now);
      if (await this.#enforceBounds(tracked, now)) return;
      if (!(await this.#keepLease(tracked, now + delay))) return;
      this.#schedulePoll(tracked, now + delay);
      return;
    }
    tracked.transientErrors = 0;
    tracked.notFoundSince = null;
    await this.#applyStatus(tracked, info, undefined);
    if (tracked.ended) return;
    const now = this.clock.now();
    tracked.lastSeenAt = now;
    if (await this.#enforceBounds(tracked, now)) return;
    const at = Math.min(this.#nextPoll(tracked, now), this.#deadline(tracked));
    if (!(await this.#keepLease(tracked, at))) return;
    this.#schedulePoll(tracked, at);
  }

  /** The next poll time from the learned dwell times (see {@link nextPollAt}); updates the interval. */
  #nextPoll(tracked: TrackedCall, now: number): number {
    const next = nextPollAt(
      now,
      { status: tracked.status, enteredAt: tracked.enteredAt, intervalMs: tracked.pollIntervalMs },
      tracked.enteredUncertaintyMs <= 2 * this.options.polling.targetLagMs ? this.#dwell.expected(tracked.status) : null,
      this.options.polling,
    );
    tracked.pollIntervalMs = next.intervalMs;
    return next.at;
  }

  /**
   * A status change was seen at `now`: it happened after `tracked.lastSeenAt` (for a pushed report,
   * at `now`). Learns the dwell time of the status the call leaves.
   */
  #statusChanged(tracked: TrackedCall, now: number, pushed: boolean): void {
    const from = pushed ? now : Math.min(tracked.lastSeenAt, now);
    const changeAt = (from + now) / 2;
    const uncertainty = (now - from) / 2;
    this.#dwell.observe(tracked.status, changeAt - tracked.enteredAt, uncertainty + tracked.enteredUncertaintyMs);
    tracked.enteredAt = changeAt;
    tracked.enteredUncertaintyMs = uncertainty;
    tracked.pollIntervalMs = this.options.polling.minIntervalMs / this.options.polling.backoffFactor;
  }

  /** When the ring-time or duration bound of a live call runs out. */
  #deadline(tracked: TrackedCall): number {
    if (tracked.status === 'connected') return (tracked.connectedAt ?? tracked.dialedAt) + this.options.maxDurationMs;
    return tracked.dialedAt + this.options.maxRingMs;
  }

  /** Ends the attempt if a bound ran out; returns whether it did. */
  async #enforceBounds(tracked: TrackedCall, now: number): Promise<boolean> {
    if (now < this.#deadline(tracked)) return false;
    const connected = tracked.status === 'connected';
    await this.#hangUp(tracked);
    await this.#endAttempt(
      tracked,
      connected ? 'failed' : 'no-answer',
      connected
        ? { code: ErrorCode.MAX_DURATION_EXCEEDED, message: `Connected longer than maxDurationMs (${this.options.maxDurationMs} ms); no longer followed` }
        : { code: ErrorCode.MAX_RING_TIME_EXCEEDED, message: `Not answered within maxRingMs (${this.options.maxRingMs} ms)` },
      null,
      { outcome: connected ? 'failed' : 'no-answer' },
    );
    return true;
  }

  async #hangUp(tracked: TrackedCall): Promise<void> {
    const cancelCall = this.provider.cancelCall?.bind(this.provider);
    const providerCallId = tracked.providerCallId;
    if (cancelCall === undefined || providerCallId === null) return;
    try {
      await this.#request((signal) => cancelCall(providerCallId, { signal }), this.options.requestTimeoutMs);
    } catch (error) {
      this.#reportError(error, 'cancelCall', tracked.id);
    }
  }

  /**
   * Applies a provider report. Returns true when the call's status moved. `version`, when given,
   * guards the write by version (a report for a call another scheduler follows).
   */
  async #applyStatus(tracked: TrackedCall, info: ProviderCallInfo, version: number | undefined, pushed = false, resynced = false): Promise<boolean> {
    const next = callStatusOf(info.status);
    const current = tracked.status;
    const forward = next !== null && callStatusRank(next) > callStatusRank(current);
    if (!forward) {
      if (info.rawStatus === tracked.providerStatus) return false;
      // Unknown, repeated under another word, or backwards: keep it as an event, move nothing.
      const now = this.clock.now();
      const result = await this.store.updateCall({
        id: tracked.id,
        expect: version === undefined ? { token: tracked.token, statuses: [current] } : { token: tracked.token, version },
        set: { providerStatus: info.rawStatus },
        attempt: { number: tracked.attempt, set: { providerStatus: info.rawStatus } },
        events: [{ type: 'status', at: now, attempt: tracked.attempt, status: current, providerStatus: info.rawStatus, data: { moved: false, normalized: info.status } }],
        now,
      });
      if (result === undefined) {
        if (version === undefined && !resynced && (await this.#resync(tracked))) return this.#applyStatus(tracked, info, version, pushed, true);
        if (version === undefined) this.#leaseLost(tracked, 'status');
        return false;
      }
      tracked.providerStatus = info.rawStatus;
      tracked.record = result.call;
      this.#emitStatus(tracked, result, current, info.rawStatus);
      return false;
    }
    this.#statusChanged(tracked, this.clock.now(), pushed);
    if (callStatusRank(next) >= 3) {
      const error: CallError | null =
        next === 'completed' ? null : { code: ErrorCode.CALL_FAILED, message: `The provider reported ${info.rawStatus}` };
      await this.#endAttempt(tracked, next, error, info, {
        outcome: next === 'busy' || next === 'no-answer' ? next : 'failed',
        ...(version === undefined ? {} : { version }),
      });
      return true;
    }
    const now = this.clock.now();
    const leaseExpiresAt = Math.max(tracked.leaseExpiresAt, now + this.options.leaseMs);
    const result = await this.store.updateCall({
      id: tracked.id,
      expect: version === undefined ? { token: tracked.token, statuses: [current] } : { token: tracked.token, version },
      set: { status: next, providerStatus: info.rawStatus, ...(version === undefined ? { leaseExpiresAt } : {}) },
      attempt: { number: tracked.attempt, set: { status: next, providerStatus: info.rawStatus } },
      events: [{ type: 'status', at: now, attempt: tracked.attempt, status: next, providerStatus: info.rawStatus, data: null }],
      now,
    });
    if (result === undefined) {
      if (version === undefined && !resynced && (await this.#resync(tracked))) return this.#applyStatus(tracked, info, version, pushed, true);
      if (version === undefined) this.#leaseLost(tracked, 'status');
      return false;
    }
    tracked.status = next;
    tracked.providerStatus = info.rawStatus;
    tracked.record = result.call;
    if (version === undefined) tracked.leaseExpiresAt = leaseExpiresAt;
    if (next === 'connected') tracked.connectedAt = now;
    this.#emitStatus(tracked, result, current, info.rawStatus);
    return true;
  }

  /**
   * Ends the current attempt with `status`: `completed`, or an outcome that the retry policy may
   * turn into a new attempt.
   */
  async #endAttempt(
    tracked: TrackedCall,
    status: CallStatus,
    error: CallError | null,
    info: ProviderCallInfo | null,
    how: { outcome?: RetryOutcome; permanent?: boolean; version?: number },
  ): Promise<void> {
    const now = this.clock.now();
    const attemptSet = {
      status,
      endedAt: now,
      error,
      ...(info === null ? {} : { providerStatus: info.rawStatus, durationSeconds: info.durationSeconds ?? null }),
    };
    const statusEvent: NewCallEvent[] =
      info === null
        ? []
        : [{ type: 'status', at: now, attempt: tracked.attempt, status, providerStatus: info.rawStatus, data: info.durationSeconds == null ? null : { durationSeconds: info.durationSeconds } }];
    let retryAt: number | null = null;
    let retryPlan: { plannedAt: number; delayMs: number } | null = null;
    let ending: RetryEndReason | null = null;
    // An `unknown` outcome is never retried as a new attempt (a new key could ring twice); with a
    // de-duplicating provider #dispatch re-sends the same dial instead.
    if (status !== 'completed' && status !== 'canceled' && how.permanent !== true && how.outcome !== undefined && how.outcome !== 'unknown') {
      const decision = decideRetry({
        policy: tracked.record.retry,
        defaultPolicy: this.options.retry,
        outcome: how.outcome,
        attemptNumber: tracked.attempt,
        endedAt: now,
        ...this.#windowPolicy(tracked.record),
        expiresAt: tracked.record.expiresAt,
        providerDeduplicates: this.provider.capabilities?.idempotentPlaceCall === true,
      });
      if (decision.action === 'retry') {
        retryAt = decision.retryAt;
        retryPlan = { plannedAt: decision.plannedAt, delayMs: decision.delayMs };
      } else {
        ending = decision.end;
      }
    }
    const expect = how.version === undefined ? { token: tracked.token } : { token: tracked.token, version: how.version };
    let update: CallUpdate;
    if (retryAt !== null) {
      update = {
        id: tracked.id,
        expect,
        set: { status: 'scheduled', dueAt: retryAt, leaseExpiresAt: null, error: error ?? { code: ErrorCode.CALL_FAILED, message: `Attempt ${tracked.attempt} ended ${status}` } },
        attempt: { number: tracked.attempt, set: attemptSet },
        events: [
          ...statusEvent,
          {
            type: 'retrying',
            at: now,
            attempt: tracked.attempt,
            status: 'scheduled',
            providerStatus: null,
            data: {
              outcome: how.outcome ?? status,
              nextAttemptAt: retryAt,
              ...(retryPlan === null ? {} : { plannedAt: retryPlan.plannedAt, delayMs: retryPlan.delayMs }),
              ...(error === null ? {} : { code: error.code, message: error.message }),
            },
          },
        ],
        now,
      };
    } else {
      update = {
        id: tracked.id,
        expect,
        set: { status, dueAt: null, leaseExpiresAt: null, endedAt: now, error, ...(info === null ? {} : { providerStatus: info.rawStatus }) },
        attempt: { number: tracked.attempt, set: attemptSet },
        events: [
          ...statusEvent,
          {
            type: status === 'completed' ? 'completed' : status === 'canceled' ? 'canceled' : 'failed',
            at: now,
            attempt: tracked.attempt,
            status,
            providerStatus: null,
            data: error === null && ending === null ? null : { ...(error === null ? {} : { code: error.code, message: error.message }), ...(ending === null ? {} : { retry: ending }) },
          },
        ],
        now,
      };
    }
    const result = await this.store.updateCall(update);
    if (result === undefined) {
      if (how.version === undefined) {
        await this.#resync(tracked); // quiet when a webhook handled elsewhere ended the call
        this.#leaseLost(tracked, 'end');
      }
      return;
    }
    const previous = tracked.status;
    tracked.ended = true;
    tracked.status = result.call.status;
    this.#tracked.delete(tracked.id);
    const call = toCall(result.call);
    const events = result.events.map(toEvent);
    const statusEv = info === null ? undefined : events[0];
    const last = events[events.length - 1]!;
    if (statusEv !== undefined && info !== null) {
      this.#emit('call:status', { call, event: statusEv, attempt: tracked.attempt, previousStatus: previous, status, providerStatus: info.rawStatus });
    }
    // A call to the same number may have been waiting for this one to end.
    this.#poke(retryAt === null ? now : Math.min(now, retryAt));
    if (retryAt !== null) {
      this.#emit('call:retrying', { call, event: last, attempt: tracked.attempt, outcome: how.outcome ?? 'failed', nextAttemptAt: new Date(retryAt) });
    } else if (status === 'completed') {
      this.#emit('call:completed', { call, event: last });
    } else if (status === 'canceled') {
      this.#emit('call:canceled', { call, event: last });
    } else {
      this.#emit('call:failed', { call, event: last, error: error ?? { code: ErrorCode.CALL_FAILED, message: `The call ended ${status}` } });
    }
    this.#arm();
  }

  /**
   * Ends a claimed call `expired` without dialing. With `unclaim` (the dial surely did not happen)
   * the claim's attempt is removed, so the call shows no attempt that never dialed.
   */
  async #finish(tracked: TrackedCall, how: { error: CallError; unclaim: boolean }): Promise<void> {
    const now = this.clock.now();
    const { error } = how;
    const result = await this.store.updateCall({
      id: tracked.id,
      expect: { token: tracked.token },
      set: { status: 'expired', dueAt: null, leaseExpiresAt: null, endedAt: now, error },
      ...(how.unclaim ? { unclaim: true } : { attempt: { number: tracked.attempt, set: { status: 'expired' as const, endedAt: now, error } } }),
      events: [{ type: 'expired', at: now, attempt: how.unclaim ? null : tracked.attempt, status: 'expired', providerStatus: null, data: { code: error.code, message: error.message } }],
      now,
    });
    if (result === undefined) {
      this.#leaseLost(tracked, 'expire');
      return;
    }
    tracked.ended = true;
    this.#emit('call:expired', { call: toCall(result.call), event: toEvent(result.events[0]!) });
    // Another call to the same number may have been waiting for this one.
    this.#poke(now);
  }

  /**
   * Puts a claimed call that will not be dialed now back to `scheduled` at `dueAt`, undoing the
   * claim's attempt (`unclaim`), with a `rescheduled` event that says why.
   */
  async #putBack(tracked: TrackedCall, dueAt: number, reason: CallError): Promise<void> {
    const now = this.clock.now();
    const result = await this.store.updateCall({
      id: tracked.id,
      expect: { token: tracked.token },
      set: { status: 'scheduled', dueAt, leaseExpiresAt: null },
      unclaim: true,
      events: [{ type: 'rescheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data: { nextAttemptAt: dueAt, code: reason.code, message: reason.message } }],
      now,
    });
    if (result === undefined) {
      this.#leaseLost(tracked, 'putBack');
      return;
    }
    tracked.ended = true;
    this.#emit('call:rescheduled', { call: toCall(result.call), event: toEvent(result.events[0]!) });
    this.#poke(Math.min(now, dueAt));
  }

  /** Puts a claimed call whose dial surely did not happen back to `scheduled` (on shutdown). */
  async #requeueUnplaced(tracked: TrackedCall, dueAt: number, cause: ProviderError): Promise<void> {
    const now = this.clock.now();
    const error: CallError = { code: cause.code, message: `Not placed (${cause.message}); requeued because the scheduler stopped` };
    const result = await this.store.updateCall({
      id: tracked.id,
      expect: { token: tracked.token },
      set: { status: 'scheduled', dueAt, leaseExpiresAt: null, error },
      attempt: { number: tracked.attempt, set: { status: 'failed', endedAt: now, error } },
      events: [{ type: 'retrying', at: now, attempt: tracked.attempt, status: 'scheduled', providerStatus: null, data: { nextAttemptAt: dueAt, code: error.code, message: error.message } }],
      now,
    });
    if (result === undefined) this.#leaseLost(tracked, 'requeue');
  }

  /** Extends the lease so that it outlasts `until` (plus a margin) when it would not. */
  async #keepLease(tracked: TrackedCall, until: number): Promise<boolean> {
    if (tracked.leaseExpiresAt - until >= this.options.leaseMs / 2) return true;
    return this.#renewLease(tracked, until + this.options.leaseMs);
  }

  async #renewLease(tracked: TrackedCall, expiresAt: number): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.store.updateCall({ id: tracked.id, expect: { token: tracked.token }, set: { leaseExpiresAt: expiresAt }, now });
    if (result === undefined) {
      this.#leaseLost(tracked, 'renew');
      return false;
    }
    tracked.leaseExpiresAt = expiresAt;
    tracked.record = result.call;
    return true;
  }

  /**
   * After a guarded write of a followed call failed: re-reads it. When the lease is still ours (a
   * webhook handled elsewhere moved the status), catches up and returns true. When the call ended
   * meanwhile (e.g. by such a webhook), stops following it quietly and returns false.
   */
  async #resync(tracked: TrackedCall): Promise<boolean> {
    const record = await this.store.getCall(tracked.id);
    if (record === undefined) return false;
    if (record.lease?.token === tracked.token && !isTerminalStatus(record.status)) {
      tracked.status = record.status;
      tracked.providerStatus = record.providerStatus;
      tracked.record = record;
      if (record.status === 'connected') tracked.connectedAt ??= record.updatedAt;
      return true;
    }
    if (isTerminalStatus(record.status) || record.status === 'scheduled') {
      tracked.ended = true;
      if (this.#tracked.get(tracked.id) === tracked) this.#tracked.delete(tracked.id);
      this.#arm();
    }
    return false;
  }

  #leaseLost(tracked: TrackedCall, operation: string): void {
    if (tracked.ended) return;
    tracked.ended = true;
    if (this.#tracked.get(tracked.id) === tracked) this.#tracked.delete(tracked.id);
    this.#arm();
    this.#reportError(
      new CallSchedulerError(ErrorCode.INVALID_STATE, `Lost the lease on call ${tracked.id} (another scheduler took it over); stopped following it`, { callId: tracked.id }),
      operation,
      tracked.id,
    );
  }

  #emitStatus(tracked: TrackedCall, result: UpdateResult, previousStatus: CallStatus, providerStatus: string): void {
    const event = result.events.find((e: CallEventRecord) => e.type === 'status');
    if (event === undefined) return;
    this.#emit('call:status', {
      call: toCall(result.call),
      event: toEvent(event),
      attempt: tracked.attempt,
      previousStatus,
      status: result.call.status,
      providerStatus,
    });
  }

  // ---------------------------------------------------------------- provider requests

  /** Runs one provider request within the concurrency bound and with a timeout on the clock. */
  async #request<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
    await this.#acquire();
    return this.#run(fn, timeoutMs);
  }

  /** Runs one provider request in a request slot already acquired (released when it ends). */
  async #run<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
    const { signal, dispose } = timeoutSignal(this.clock, timeoutMs, this.#stopController.signal);
    try {
      return await fn(signal);
    } catch (error) {
      if (signal.aborted && !isProviderError(error)) {
        throw ProviderError.timeout(`No answer from ${this.provider.name} within ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    } finally {
      dispose();
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.options.maxConcurrentRequests) {
      this.#inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#requestWaiters.push(resolve));
  }

  #release(): void {
    const next = this.#requestWaiters.shift();
    if (next !== undefined) next();
    else this.#inFlight -= 1;
  }

  #backoff(failures: number): number {
    const t = this.options.transientRetry;
    const base = Math.min(t.maxDelayMs, t.initialDelayMs * 2 ** (failures - 1));
    return Math.round(base * (1 - t.jitter * Math.random()));
  }

  // ---------------------------------------------------------------- plumbing

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.#reportError(error, 'background'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #reportError(error: unknown, operation: string, callId?: string): void {
    const payload: SchedulerErrorPayload = callId === undefined ? { error, operation } : { error, operation, callId };
    this.#emit('scheduler:error', payload);
  }

  /** Emits to every listener; a listener that throws is reported as `scheduler:error` and the others still run. */
  #emit<K extends keyof CallSchedulerEvents>(name: K, payload: Parameters<CallSchedulerEvents[K]>[0]): void {
    const listeners = this.listeners(name) as ((p: typeof payload) => void)[];
    for (const listener of listeners) {
      try {
        const result: unknown = listener.call(this, payload);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          // An async listener: its rejection is reported like a throw, never left unhandled.
          (result as PromiseLike<unknown>).then(undefined, (error: unknown) => {
            if (name !== 'scheduler:error') this.#reportError(error, `listener:${name}`, 'call' in payload ? (payload as { call: Call }).call.id : undefined);
          });
        }
      } catch (error) {
        if (name !== 'scheduler:error') this.#reportError(error, `listener:${name}`, 'call' in payload ? (payload as { call: Call }).call.id : undefined);
      }
    }
    this.#dropOnceListeners(name);
  }

  readonly #onceListeners = new Map<string, Set<unknown>>();

  /**
   * Adds a listener that runs once. (Overridden so that the scheduler's own listener-isolating
   * emit can remove it after it ran.)
   */
  override once<T extends EventEmitter.EventNames<CallSchedulerEvents>>(
    event: T,
    fn: EventEmitter.EventListener<CallSchedulerEvents, T>,
    context?: unknown,
  ): this {
    super.on(event, fn, context);
    let set = this.#onceListeners.get(event);
    if (set === undefined) this.#onceListeners.set(event, (set = new Set()));
    set.add(fn);
    return this;
  }

  #dropOnceListeners(name: string): void {
    const set = this.#onceListeners.get(name);
    if (set === undefined || set.size === 0) return;
    for (const fn of set) super.off(name as keyof CallSchedulerEvents, fn as never);
    set.clear();
  }
}

/** True for an object that looks like a {@link LocalTimeInput} (has `local`), not a {@link RescheduleInput}. */
function isLocalTimeInput(value: unknown): value is LocalTimeInput {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'local' in value;
}

/** Any error from a provider, as a {@link ProviderError} (unknown errors count as ambiguous and transient). */
function toProviderError(error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  if (isCallSchedulerError(error) && error.code === ErrorCode.SCHEDULER_STOPPED) {
    return ProviderError.timeout('The scheduler stopped during the request', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ProviderError.timeout(`The provider failed unexpectedly: ${message}`, { cause: error });
}

// Owns: the bodies of the scheduler's public commands that write or read calls outside a claim:
// schedule (one or a batch), reschedule, cancel, a provider's pushed status report, and purge
// (retention). Inputs are validated before anything is stored; writes are built by
// call-transitions; the claim loop is poked when something new is due.
import { z } from 'zod';
import type { Call, CallEvent, CallWithHistory } from '../call/call.js';
import { isLiveStatus, type CallStatus } from '../call/call-status.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { localTimeZoneOf, type CallTimeInput, type LocalTimeInput } from '../policy/local-time-schema.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import { normalizeProviderStatus } from '../provider/provider-status.js';
import { rescheduleInputSchema, type listCallsQuerySchema, type RescheduleInput } from '../schema/query-schemas.js';
import { invalidInput, parseInput, type ParsedScheduleCallInput } from '../schema/schedule-input.js';
import { timeInputSchema } from '../schema/time.js';
import { terminalStatusSchema } from '../store/store-schemas.js';
import { toCall, toCallWithHistory, toEvent } from './call-mapping.js';
import { cancelUpdate, newCallInsert, rescheduleUpdate } from './call-transitions.js';
import type { LiveCallFollower } from './live-call-follower.js';
import type { SchedulerContext } from './scheduler-context.js';
import { trackCall } from './tracked-call.js';

/** A parsed list query. */
type ListCallsQueryParsed = z.output<typeof listCallsQuerySchema>;

/** A provider's status report, as {@link SchedulerCommands.providerStatus} takes it. */
export interface StatusReport {
  /** The provider's call id. */
  readonly providerCallId: string;
  /** The provider's status word. */
  readonly status: string;
  /** Talk time in seconds, when the call has ended. */
  readonly durationSeconds?: number | null;
}

/** Options of {@link SchedulerCommands.purge} (see `CallScheduler.purge`). */
export interface PurgeInput {
  /** Delete calls that ended before this instant. */
  readonly endedBefore: unknown;
  /** Only calls in these terminal statuses. */
  readonly statuses?: unknown;
  /** Calls deleted per store transaction. */
  readonly batchSize?: unknown;
}

/** `CallScheduler.purge`'s options: as the store's (one status schema), with a time input and a batch size. */
const purgeOptionsSchema = z
  .object({
    endedBefore: timeInputSchema,
    statuses: z.array(terminalStatusSchema).min(1, { message: 'must list at least one status' }).optional(),
    batchSize: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(10_000, { message: 'must be at most 10000' })
      .optional(),
  })
  .strict();

/** The scheduler's commands on stored calls. */
export class SchedulerCommands {
  readonly #ctx: SchedulerContext;
  readonly #follower: LiveCallFollower;
  readonly #newId: () => string;

  /** Commands on the scheduler's store; `newId` makes call ids. */
  constructor(ctx: SchedulerContext, follower: LiveCallFollower, newId: () => string) {
    this.#ctx = ctx;
    this.#follower = follower;
    this.#newId = newId;
  }

  /** Stores validated calls in one batch (results in input order), emits and pokes. */
  async schedule(parsed: readonly ParsedScheduleCallInput[]): Promise<Call[]> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const items = parsed.map((input, index) => {
      const at = input.at ?? now;
      if (input.expiresAt !== undefined && input.expiresAt <= at) {
        throw new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid call: expiresAt must be after at`, {
          issues: [{ path: parsed.length > 1 ? `${index}.expiresAt` : 'expiresAt', message: 'must be after at', rule: 'custom' }],
        });
      }
      return newCallInsert(this.#newId(), input, ctx.windowPolicy({ timeZone: input.timeZone ?? null, window: input.window ?? null }), now);
    });
    const results = await ctx.store.insertCalls(items);
    let earliest = Number.POSITIVE_INFINITY;
    const calls = results.map((result) => {
      const call = toCall(result.call);
      if (result.created) {
        if (result.call.dueAt !== null) earliest = Math.min(earliest, result.call.dueAt);
        const [scheduled, expired] = result.events;
        if (scheduled !== undefined && ctx.listens('call:scheduled')) ctx.emit('call:scheduled', { call, event: toEvent(scheduled) });
        if (expired !== undefined && result.call.status === 'expired') ctx.emit('call:expired', { call, event: toEvent(expired) });
      }
      return call;
    });
    if (earliest !== Number.POSITIVE_INFINITY) ctx.loop.poke(earliest);
    return calls;
  }

  /** Stores one validated call; refuses an idempotency key already used for another number. */
  async scheduleOne(parsed: ParsedScheduleCallInput): Promise<Call> {
    const [call] = await this.schedule([parsed]);
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

  /** One call with its attempts and events, or `undefined`. */
  async get(id: string): Promise<CallWithHistory | undefined> {
    const details = await this.#ctx.store.getCallDetails(id);
    return details === undefined ? undefined : toCallWithHistory(details);
  }

  /** A page of calls for a parsed query. */
  async list(q: ListCallsQueryParsed): Promise<{ items: Call[]; nextCursor: string | null }> {
    const page = await this.#ctx.store.listCalls({
      ...(q.status === undefined ? {} : { statuses: q.status }),
      ...(q.to === undefined ? {} : { to: q.to }),
      ...(q.from === undefined ? {} : { atFrom: q.from }),
      ...(q.until === undefined ? {} : { atUntil: q.until }),
      ...(q.seriesId === undefined ? {} : { seriesId: q.seriesId }),
      limit: q.limit,
      cursor: q.cursor ?? null,
      order: q.order,
    });
    return { items: page.items.map(toCall), nextCursor: page.nextCursor };
  }

  /** Stored events after a cursor, in log order (`limit` clamped to 1..1000, default 100). */
  async listEvents(query: { readonly after?: string | null; readonly limit?: number; readonly callId?: string }): Promise<CallEvent[]> {
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
    const page = await this.#ctx.store.listEvents({ after: query.after ?? null, limit, ...(query.callId === undefined ? {} : { callId: query.callId }) });
    return page.items.map(toEvent);
  }

  /** Cancels a `scheduled` call. */
  async cancel(id: string): Promise<Call> {
    const ctx = this.#ctx;
    const result = await ctx.store.updateCall(cancelUpdate(id, ctx.clock.now()));
    if (result === undefined) throw await this.#notChangeable(id, 'canceled');
    const call = toCall(result.call);
    ctx.emit('call:canceled', { call, event: toEvent(result.events[0]!) });
    return call;
  }

  /** Validates a change (before `init`), then applies it to a `scheduled` call, retrying a lost race. */
  async reschedule(id: string, change: CallTimeInput | RescheduleInput, init: () => Promise<void>): Promise<Call> {
    const ctx = this.#ctx;
    const input: unknown =
      change instanceof Date || typeof change === 'number' || typeof change === 'string' || isLocalTimeInput(change) ? { at: change } : change;
    const parsed = parseInput(rescheduleInputSchema, input, 'reschedule');
    const zoneOfAt = localTimeZoneOf((input as { readonly at?: unknown } | null)?.at);
    await init();
    for (let tries = 0; tries < 5; tries++) {
      const current = await ctx.store.getCall(id);
      if (current === undefined) throw notFound(id);
      if (current.status !== 'scheduled') throw invalidState(id, current.status, 'rescheduled');
      const now = ctx.clock.now();
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
      const { update, expired } = rescheduleUpdate(
        current,
        {
          at,
          atGiven: parsed.at !== undefined,
          timeZone,
          window,
          windowGiven: parsed.window !== undefined,
          expiresAt,
          ...(parsed.retry === undefined ? {} : { retry: parsed.retry }),
          ...(parsed.metadata === undefined ? {} : { metadata: parsed.metadata }),
        },
        ctx.windowPolicy({ timeZone, window }),
        now,
      );
      const result = await ctx.store.updateCall(update);
      if (result === undefined) continue;
      const call = toCall(result.call);
      ctx.emit(expired ? 'call:expired' : 'call:rescheduled', { call, event: toEvent(result.events[0]!) });
      if (result.call.dueAt !== null) ctx.loop.poke(result.call.dueAt);
      return call;
    }
    throw new CallSchedulerError(ErrorCode.INVALID_STATE, `Call ${id} kept changing while being rescheduled; try again`, { callId: id });
  }

  /** Applies a pushed status report to the call with that provider id (followed here or elsewhere). */
  async providerStatus(update: StatusReport): Promise<Call | undefined> {
    const ctx = this.#ctx;
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
      const record = await ctx.store.findCallByProviderCallId(update.providerCallId);
      if (record === undefined) return undefined;
      const own = ctx.tracked.get(record.id);
      if (own !== undefined && own.providerCallId === update.providerCallId) {
        await this.#follower.serialize(own, () => this.#follower.applyStatus(own, info, undefined, true));
        return toCall((await ctx.store.getCall(record.id)) ?? record);
      }
      if (record.lease === null || !isLiveStatus(record.status) || record.providerCallId !== update.providerCallId) {
        return toCall(record); // not live any more (or an older attempt): nothing to move
      }
      const foreign = trackCall(record, record.lease.token, this.#follower.initialPollIntervalMs);
      const ok = await this.#follower.applyStatus(foreign, info, record.version, true);
      if (ok) return toCall((await ctx.store.getCall(record.id)) ?? record);
    }
    const latest = await ctx.store.findCallByProviderCallId(update.providerCallId);
    return latest === undefined ? undefined : toCall(latest);
  }

  /** Validates purge options (before `init`), then deletes ended calls in batches. */
  async purge(options: PurgeInput, init: () => Promise<void>): Promise<number> {
    const ctx = this.#ctx;
    const parsed = parseInput(purgeOptionsSchema, options, 'purge options');
    const now = ctx.clock.now();
    if (parsed.endedBefore > now) {
      throw invalidInput(
        [{ path: 'endedBefore', message: `must not be after now (${new Date(parsed.endedBefore).toISOString()} is after ${new Date(now).toISOString()})`, rule: 'custom' }],
        'purge options',
      );
    }
    await init();
    const store = ctx.store;
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
    const current = await this.#ctx.store.getCall(id);
    return current === undefined ? notFound(id) : invalidState(id, current.status, verb);
  }
}

function notFound(id: string): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.CALL_NOT_FOUND, `No call with id ${id}`, { callId: id });
}

function invalidState(id: string, status: CallStatus, verb: string): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.INVALID_STATE, `Call ${id} is ${status} and can no longer be ${verb}`, { callId: id, currentStatus: status });
}

/** True for an object that looks like a {@link LocalTimeInput} (has `local`), not a {@link RescheduleInput}. */
function isLocalTimeInput(value: unknown): value is LocalTimeInput {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'local' in value;
}

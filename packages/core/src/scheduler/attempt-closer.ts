// Owns: the writes that end the scheduler's work on a claimed call: end the attempt (completed,
// or an outcome the retry policy may turn into a new attempt), expire the call, put it back to
// `scheduled` without spending an attempt, or requeue it on shutdown. Each builds its write with
// call-transitions, sends it under the claim's token, emits the events and pokes the claim loop
// (another call to the same number may have waited for this one).
import type { Call, CallError, CallEvent } from '../call/call.js';
import type { CallStatus } from '../call/call-status.js';
import { ErrorCode } from '../errors/error-codes.js';
import { decideRetry } from '../policy/retry-decision.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import { toCall, toEvent } from './call-mapping.js';
import {
  acceptEndedUpdate,
  endAttemptUpdate,
  expireUpdate,
  isRetryCandidate,
  providerEnding,
  putBackUpdate,
  requeueUnplacedUpdate,
  type AttemptEnding,
  type AttemptFollowUp,
} from './call-transitions.js';
import { EndWriteBatch } from './end-write-batch.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { SchedulerContext } from './scheduler-context.js';
import { markEnded, type TrackedCall } from './tracked-call.js';
import type { DialOutcome } from '../telemetry/scheduler-telemetry.js';

/** The `call_scheduler.dials` outcome of an attempt that ended `status` (not unknown). */
function dialOutcomeOf(status: CallStatus): DialOutcome {
  return status === 'completed' || status === 'busy' || status === 'no-answer' || status === 'canceled' ? status : 'failed';
}

/** Ends, expires, puts back or requeues claimed calls. */
export class AttemptCloser {
  readonly #ctx: SchedulerContext;
  readonly #leases: LeaseKeeper;
  readonly #ends: EndWriteBatch;

  /**
   * A closer for the scheduler's claimed calls. `othersInFlight`: how many other calls are being
   * dialed or held for their time (the writes that end calls wait for theirs only while some are).
   */
  constructor(ctx: SchedulerContext, leases: LeaseKeeper, othersInFlight: () => number) {
    this.#ctx = ctx;
    this.#leases = leases;
    this.#ends = new EndWriteBatch({
      clock: ctx.clock,
      store: ctx.store,
      windowMs: ctx.options.endWriteWindowMs,
      maxWaiting: ctx.options.claimBatchSize,
      moreEndsSoon: () => othersInFlight() > 0 && ctx.isRunning(),
      inGap: () => ctx.loop.inGap(),
    });
  }

  /** Sends the writes that wait for company now (the scheduler is stopping). */
  flushEnds(): void {
    this.#ends.flush();
  }

  /** What follows an attempt that ended `status` now: a retry by policy, or the end. */
  #followUp(tracked: TrackedCall, status: CallStatus, how: AttemptEnding, now: number): AttemptFollowUp {
    if (!isRetryCandidate(status, how)) return { action: 'end', reason: null };
    const ctx = this.#ctx;
    const decision = decideRetry({
      policy: tracked.record.retry,
      defaultPolicy: ctx.options.retry,
      outcome: how.outcome,
      attemptNumber: tracked.attempt,
      endedAt: now,
      ...ctx.windowPolicy(tracked.record),
      expiresAt: tracked.record.expiresAt,
      providerDeduplicates: ctx.provider.capabilities?.idempotentPlaceCall === true,
    });
    return decision.action === 'retry'
      ? { action: 'retry', retryAt: decision.retryAt, plannedAt: decision.plannedAt, delayMs: decision.delayMs }
      : { action: 'end', reason: decision.end };
  }

  /**
   * Ends the current attempt with `status`: `completed`, or an outcome that the retry policy may
   * turn into a new attempt. `info` is the provider's final report, when there is one.
   */
  async endAttempt(tracked: TrackedCall, status: CallStatus, error: CallError | null, info: ProviderCallInfo | null, ending: AttemptEnding): Promise<void> {
    await this.#end(tracked, status, error, info, ending, false);
  }

  /**
   * The provider answered the dial of `tracked` with a final status already (`info`: busy, or
   * completed at once): records the accept and the end of the attempt in one write, and emits
   * what the two writes would have (`call:status` to `initiated`, then to the final status, then
   * the end or the retry).
   */
  async endAtDial(tracked: TrackedCall, info: ProviderCallInfo, status: CallStatus): Promise<void> {
    const { error, ending } = providerEnding(status, info.rawStatus);
    await this.#end(tracked, status, error, info, ending, true);
  }

  async #end(tracked: TrackedCall, status: CallStatus, error: CallError | null, info: ProviderCallInfo | null, ending: AttemptEnding, atDial: boolean): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    // An unknown outcome's event names this scheduler, the one that concluded it.
    const how: AttemptEnding = ending.unknownReason === undefined ? ending : { ...ending, schedulerId: ctx.id };
    const next = this.#followUp(tracked, status, how, now);
    const update = atDial && info !== null ? acceptEndedUpdate(tracked, info, status, error, how, next, now) : endAttemptUpdate(tracked, status, error, info, how, next, now);
    const result = await this.#ends.write(update);
    if (result === undefined) {
      if (atDial) {
        this.#leases.lost(tracked, 'dispatch');
      } else if (how.version === undefined) {
        await this.#leases.resync(tracked); // quiet when a webhook handled elsewhere ended the call
        this.#leases.lost(tracked, 'end');
      }
      return;
    }
    let previous = tracked.status;
    markEnded(tracked, result.call.status);
    ctx.tracked.delete(tracked.id);
    const telemetry = ctx.telemetry;
    if (telemetry !== undefined) {
      const unknown = error?.code === ErrorCode.DISPATCH_OUTCOME_UNKNOWN;
      telemetry.dialEnded(unknown ? 'unknown' : dialOutcomeOf(status));
      if (unknown) telemetry.unknownOutcome(how.unknownReason ?? 'answer-lost');
    }
    // The public call and events, built only for the events someone listens to.
    let built: { readonly call: Call; readonly events: readonly CallEvent[] } | undefined;
    const payload = (): { readonly call: Call; readonly events: readonly CallEvent[] } => (built ??= { call: toCall(result.call), events: result.events.map(toEvent) });
    const statusListened = ctx.listens('call:status');
    if (atDial && info !== null) {
      if (statusListened && result.events[0] !== undefined) {
        const { call, events } = payload();
        // The call as it was between the accept and the end (one write made both).
        const initiated = { ...call, status: 'initiated' as const, error: tracked.record.error, endedAt: null, nextAttemptAt: null };
        ctx.emit('call:status', { call: initiated, event: events[0]!, attempt: tracked.attempt, previousStatus: previous, status: 'initiated', providerStatus: info.rawStatus });
      }
      previous = 'initiated';
    }
    const statusIndex = atDial ? 1 : 0;
    if (info !== null && statusListened && result.events[statusIndex] !== undefined) {
      const { call, events } = payload();
      ctx.emit('call:status', { call, event: events[statusIndex]!, attempt: tracked.attempt, previousStatus: previous, status, providerStatus: info.rawStatus });
    }
    const retryAt = next.action === 'retry' ? next.retryAt : null;
    if (retryAt !== null) ctx.loop.poke(retryAt);
    // A call to the same number may have been waiting for this one to end.
    ctx.loop.callEnded(now);
    const endName = retryAt !== null ? 'call:retrying' : status === 'completed' ? 'call:completed' : status === 'canceled' ? 'call:canceled' : 'call:failed';
    if (ctx.listens(endName)) {
      const { call, events } = payload();
      const last = events[events.length - 1]!;
      if (retryAt !== null) {
        ctx.emit('call:retrying', { call, event: last, attempt: tracked.attempt, outcome: how.outcome ?? 'failed', nextAttemptAt: new Date(retryAt) });
      } else if (status === 'completed') {
        ctx.emit('call:completed', { call, event: last });
      } else if (status === 'canceled') {
        ctx.emit('call:canceled', { call, event: last });
      } else {
        ctx.emit('call:failed', { call, event: last, error: error ?? { code: ErrorCode.CALL_FAILED, message: `The call ended ${status}` } });
      }
    }
    ctx.loop.arm();
  }

  /**
   * Ends a claimed call `expired` without dialing. With `unclaim` (the dial surely did not happen)
   * the claim's attempt is removed, so the call shows no attempt that never dialed.
   */
  async expire(tracked: TrackedCall, error: CallError, unclaim: boolean): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const result = await ctx.store.updateCall(expireUpdate(tracked, error, unclaim, now));
    if (result === undefined) {
      this.#leases.lost(tracked, 'expire');
      return;
    }
    markEnded(tracked);
    ctx.emit('call:expired', { call: toCall(result.call), event: toEvent(result.events[0]!) });
    // Another call to the same number may have been waiting for this one.
    ctx.loop.callEnded(now);
  }

  /**
   * Puts a claimed call that will not be dialed now back to `scheduled` at `dueAt`, undoing the
   * claim's attempt, with a `rescheduled` event that says why. The claim loop is poked for
   * `dueAt`, unless `poke` is false (the caller pokes once its own write is done).
   */
  async putBack(tracked: TrackedCall, dueAt: number, reason: CallError, poke = true): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const result = await ctx.store.updateCall(putBackUpdate(tracked, dueAt, reason, now));
    if (result === undefined) {
      this.#leases.lost(tracked, 'putBack');
      return;
    }
    markEnded(tracked);
    ctx.emit('call:rescheduled', { call: toCall(result.call), event: toEvent(result.events[0]!) });
    if (poke) ctx.loop.poke(dueAt);
    ctx.loop.callEnded(now);
  }

  /** Puts a claimed call whose dial surely did not happen back to `scheduled` (on shutdown). */
  async requeueUnplaced(tracked: TrackedCall, dueAt: number, cause: { readonly code: string; readonly message: string }): Promise<void> {
    const now = this.#ctx.clock.now();
    const result = await this.#ctx.store.updateCall(requeueUnplacedUpdate(tracked, dueAt, cause, now));
    if (result === undefined) this.#leases.lost(tracked, 'requeue');
  }
}

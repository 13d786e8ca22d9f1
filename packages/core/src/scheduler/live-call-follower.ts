// Owns: following live calls to their end. It polls the provider on the one timer with an
// adaptive interval (learned dwell times), applies each status report (polled or pushed by a
// webhook) through the status machine, only forward, enforces the ring-time and duration bounds
// (hanging up), confirms a lost call (404 twice), and serializes all work on one call.
import { ErrorCode } from '../errors/error-codes.js';
import { DwellEstimator, nextPollAt } from '../polling/dwell-estimator.js';
import { expectedDwellOf } from '../polling/dwell-hint.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import { callStatusOf, callStatusRank } from '../provider/provider-status.js';
import type { CallEventRecord } from '../store/call-record.js';
import type { UpdateResult } from '../store/call-store.js';
import type { CallStatus } from '../call/call-status.js';
import type { AttemptCloser } from './attempt-closer.js';
import { toCall, toEvent } from './call-mapping.js';
import { providerEnding, providerStatusNoteUpdate, statusMoveUpdate } from './call-transitions.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { toProviderError } from './provider-gate.js';
import type { SchedulerContext } from './scheduler-context.js';
import {
  markAnswered,
  markMoved,
  markNotFound,
  markPollFailed,
  markPollInterval,
  markProviderWord,
  markQueued,
  markSeen,
  markStatusSeen,
  type TrackedCall,
} from './tracked-call.js';

/** Polls live calls and applies every status report to them. */
export class LiveCallFollower {
  readonly #ctx: SchedulerContext;
  readonly #leases: LeaseKeeper;
  readonly #closer: AttemptCloser;
  /** How long the provider's calls stay in each live status: its hint, refined by what polling sees. */
  readonly #dwell: DwellEstimator;

  /** A follower for the scheduler's live calls. */
  constructor(ctx: SchedulerContext, leases: LeaseKeeper, closer: AttemptCloser) {
    this.#ctx = ctx;
    this.#leases = leases;
    this.#closer = closer;
    this.#dwell = new DwellEstimator({ maxUncertaintyMs: 2 * ctx.options.polling.targetLagMs, prior: expectedDwellOf(ctx.provider) });
  }

  /** The poll interval a call starts with (the first poll comes after `minIntervalMs`). */
  get initialPollIntervalMs(): number {
    const polling = this.#ctx.options.polling;
    return polling.minIntervalMs / polling.backoffFactor;
  }

  /** Starts following `tracked`: polls it at `at`. */
  follow(tracked: TrackedCall, at: number): void {
    this.#ctx.tracked.set(tracked.id, tracked);
    this.schedulePoll(tracked, at);
  }

  /** Polls `tracked` at `at` on the one timer (not once it ended or the scheduler stopped). */
  schedulePoll(tracked: TrackedCall, at: number): void {
    const ctx = this.#ctx;
    if (tracked.ended || !ctx.isRunning()) return;
    ctx.loop.at(at, () => {
      ctx.track(this.serialize(tracked, () => this.#poll(tracked)));
    });
  }

  /** Runs `work` on `tracked` after the work queued before it (skipped once the call ended). */
  serialize(tracked: TrackedCall, work: () => Promise<unknown>): Promise<void> {
    const next = tracked.queue.then(async () => {
      if (tracked.ended) return;
      await work();
    });
    markQueued(tracked, next.catch((error: unknown) => this.#ctx.reportError(error, 'follow', tracked.id)));
    return tracked.queue;
  }

  async #poll(tracked: TrackedCall): Promise<void> {
    const ctx = this.#ctx;
    const { options, gate, provider } = ctx;
    const providerCallId = tracked.providerCallId;
    if (providerCallId === null) return;
    let info: ProviderCallInfo;
    let sent = false;
    try {
      // The lease is kept while the provider answers (see LeaseKeeper.during).
      const answer = await this.#leases.during(tracked, options.requestTimeoutMs, () => {
        sent = true;
        return gate.request((signal) => provider.getCall(providerCallId, { signal }), options.requestTimeoutMs, {
          operation: 'get_call',
          callId: tracked.id,
          attempt: tracked.attempt,
        });
      });
      if (answer === undefined) return;
      info = answer.value;
    } catch (caught) {
      if (!sent) throw caught; // the store failed before the request: reported by the caller
      if (gate.stopped || tracked.ended) return;
      const error = toProviderError(caught);
      const now = ctx.clock.now();
      if (error.code === ErrorCode.PROVIDER_CALL_NOT_FOUND) {
        if (markNotFound(tracked, now)) {
          this.schedulePoll(tracked, now + options.polling.notFoundConfirmMs);
          return;
        }
        await this.#closer.endAttempt(tracked, 'failed', {
          code: ErrorCode.PROVIDER_CALL_LOST,
          message: `The provider no longer knows call ${providerCallId} (404 twice, ${now - (tracked.notFoundSince ?? now)} ms apart)`,
        }, null, { outcome: 'failed' });
        return;
      }
      const delay = Math.max(gate.backoff(markPollFailed(tracked)), error.retryAfterMs ?? 0, tracked.pollIntervalMs);
      // A 429 on a status request is the same account limit: new dials wait for it too.
      if (error.code === ErrorCode.PROVIDER_RATE_LIMITED && error.retryAfterMs !== null) {
        ctx.pacer.pauseUntil(now + error.retryAfterMs, now);
        ctx.telemetry?.rateLimitPause();
      }
      if (await this.#enforceBounds(tracked, now)) return;
      if (!(await this.#leases.keep(tracked, now + delay))) return;
      this.schedulePoll(tracked, now + delay);
      return;
    }
    markAnswered(tracked);
    await this.applyStatus(tracked, info, undefined);
    if (tracked.ended) return;
    const now = ctx.clock.now();
    markSeen(tracked, now);
    if (await this.#enforceBounds(tracked, now)) return;
    const at = Math.min(this.nextPoll(tracked, now), this.#deadline(tracked));
    if (!(await this.#leases.keep(tracked, at))) return;
    this.schedulePoll(tracked, at);
  }

  /** The next poll time from the learned dwell times (see {@link nextPollAt}); updates the interval. */
  nextPoll(tracked: TrackedCall, now: number): number {
    const polling = this.#ctx.options.polling;
    const next = nextPollAt(
      now,
      { status: tracked.status, enteredAt: tracked.enteredAt, intervalMs: tracked.pollIntervalMs },
      tracked.enteredUncertaintyMs <= 2 * polling.targetLagMs ? this.#dwell.expected(tracked.status) : null,
      polling,
    );
    markPollInterval(tracked, next.intervalMs);
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
    markStatusSeen(tracked, changeAt, uncertainty, this.initialPollIntervalMs);
  }

  /** When the ring-time or duration bound of a live call runs out. */
  #deadline(tracked: TrackedCall): number {
    const options = this.#ctx.options;
    if (tracked.status === 'connected') return (tracked.connectedAt ?? tracked.dialedAt) + options.maxDurationMs;
    return tracked.dialedAt + options.maxRingMs;
  }

  /** Ends the attempt if a bound ran out; returns whether it did. */
  async #enforceBounds(tracked: TrackedCall, now: number): Promise<boolean> {
    if (now < this.#deadline(tracked)) return false;
    const options = this.#ctx.options;
    const connected = tracked.status === 'connected';
    await this.#hangUp(tracked);
    await this.#closer.endAttempt(
      tracked,
      connected ? 'failed' : 'no-answer',
      connected
        ? { code: ErrorCode.MAX_DURATION_EXCEEDED, message: `Connected longer than maxDurationMs (${options.maxDurationMs} ms); no longer followed` }
        : { code: ErrorCode.MAX_RING_TIME_EXCEEDED, message: `Not answered within maxRingMs (${options.maxRingMs} ms)` },
      null,
      { outcome: connected ? 'failed' : 'no-answer' },
    );
    return true;
  }

  async #hangUp(tracked: TrackedCall): Promise<void> {
    const ctx = this.#ctx;
    const cancelCall = ctx.provider.cancelCall?.bind(ctx.provider);
    const providerCallId = tracked.providerCallId;
    if (cancelCall === undefined || providerCallId === null) return;
    try {
      await ctx.gate.request((signal) => cancelCall(providerCallId, { signal }), ctx.options.requestTimeoutMs, {
        operation: 'cancel_call',
        callId: tracked.id,
        attempt: tracked.attempt,
      });
    } catch (error) {
      ctx.reportError(error, 'cancelCall', tracked.id);
    }
  }

  /**
   * Applies a provider report. Returns true when the call's status moved. `version`, when given,
   * guards the write by version (a report for a call another scheduler follows).
   */
  async applyStatus(tracked: TrackedCall, info: ProviderCallInfo, version: number | undefined, pushed = false, resynced = false): Promise<boolean> {
    const ctx = this.#ctx;
    const next = callStatusOf(info.status);
    const current = tracked.status;
    const forward = next !== null && callStatusRank(next) > callStatusRank(current);
    if (!forward) {
      if (info.rawStatus === tracked.providerStatus) return false;
      // Unknown, repeated under another word, or backwards: keep it as an event, move nothing.
      const result = await ctx.store.updateCall(providerStatusNoteUpdate(tracked, current, info, ctx.clock.now(), version));
      if (result === undefined) return this.#writeFailed(tracked, info, version, pushed, resynced);
      markProviderWord(tracked, info.rawStatus, result.call);
      this.emitStatus(tracked, result, current, info.rawStatus);
      return false;
    }
    this.#statusChanged(tracked, ctx.clock.now(), pushed);
    if (callStatusRank(next) >= 3) {
      const { error, ending } = providerEnding(next, info.rawStatus);
      await this.#closer.endAttempt(tracked, next, error, info, version === undefined ? ending : { ...ending, version });
      return true;
    }
    const now = ctx.clock.now();
    const leaseExpiresAt = Math.max(tracked.leaseExpiresAt, now + ctx.options.leaseMs);
    const result = await ctx.store.updateCall(statusMoveUpdate(tracked, current, next, info, now, leaseExpiresAt, version));
    if (result === undefined) return this.#writeFailed(tracked, info, version, pushed, resynced);
    markMoved(tracked, next, info.rawStatus, result.call, now, version === undefined ? leaseExpiresAt : null);
    this.emitStatus(tracked, result, current, info.rawStatus);
    return true;
  }

  /** A guarded status write failed: catch up once and apply again, or give the call up. */
  async #writeFailed(tracked: TrackedCall, info: ProviderCallInfo, version: number | undefined, pushed: boolean, resynced: boolean): Promise<boolean> {
    if (version === undefined && !resynced && (await this.#leases.resync(tracked))) return this.applyStatus(tracked, info, version, pushed, true);
    if (version === undefined) this.#leases.lost(tracked, 'status');
    return false;
  }

  /** Emits `call:status` for the status event a write appended, if any. */
  emitStatus(tracked: TrackedCall, result: UpdateResult, previousStatus: CallStatus, providerStatus: string): void {
    if (!this.#ctx.listens('call:status')) return;
    const event = result.events.find((e: CallEventRecord) => e.type === 'status');
    if (event === undefined) return;
    this.#ctx.emit('call:status', {
      call: toCall(result.call),
      event: toEvent(event),
      attempt: tracked.attempt,
      previousStatus,
      status: result.call.status,
      providerStatus,
    });
  }
}

// Owns: dialing claimed calls. For each claimed (or recovered, still `dispatching`) call it checks
// that the call may be dialed now (window, expiry, per-number cap; else puts it back or expires
// it), waits for a dial token and a request slot, fences the dial with the lease, places the
// call, records the provider's answer and hands the live call to the follower. After a failed
// dial it carries out decideAfterDialError(). It counts the dials in progress for the claim loop.
import { planDialTime } from '../policy/dial-timing.js';
import { NumberAttemptCap } from '../policy/number-attempt-cap.js';
import { callStatusRank } from '../provider/provider-status.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { ProviderError } from '../errors/provider-error.js';
import { isLiveStatus } from '../call/call-status.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import { callStatusOf } from '../provider/provider-status.js';
import type { UpdateResult } from '../store/call-store.js';
import type { AttemptCloser } from './attempt-closer.js';
import { toCall, toEvent } from './call-mapping.js';
import { acceptUpdate, expiredError, leaseUpdate } from './call-transitions.js';
import { decideAfterDialError, firstDialTries, type DialTries } from './dial-error-decision.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { LiveCallFollower } from './live-call-follower.js';
import { toProviderError } from './provider-gate.js';
import type { SchedulerContext } from './scheduler-context.js';
import { markAccepted, markAwaitingToken, markDispatching, markTokenTaken, trackCall, type TrackedCall } from './tracked-call.js';

/** Resolution of the per-number cap's search for the earliest allowed time (never early). */
const NUMBER_CAP_RESOLUTION_MS = 1000;

/** A call claimed ahead of its time and held until it (see `CallDispatcher.release`). */
interface HeldCall {
  readonly dueAt: number;
  /** Why the hold ended early: released to be changed, or the scheduler stops; `null` while it holds. */
  released: 'release' | 'stop' | null;
  /** Ends the wait at once (set while waiting). */
  end: (() => void) | null;
  /** Settles when the hold is over; made only when someone waits for that. */
  done: Promise<void> | null;
  finish: (() => void) | null;
}

/** Dials claimed calls and takes over recovered ones. */
export class CallDispatcher {
  readonly #ctx: SchedulerContext;
  readonly #leases: LeaseKeeper;
  readonly #closer: AttemptCloser;
  readonly #follower: LiveCallFollower;
  /** `perNumberCap`, or `null`. */
  readonly #numberCap: NumberAttemptCap | null;
  #dispatching = 0;
  /** Claimed calls that have not yet taken their dial token (they hold back further claims). */
  #awaitingToken = 0;
  /** Calls claimed before their time (`claimAheadMs`), waiting for it: how to release each. */
  readonly #heldAhead = new Map<string, HeldCall>();

  /** A dispatcher for the scheduler's claims. */
  constructor(ctx: SchedulerContext, leases: LeaseKeeper, closer: AttemptCloser, follower: LiveCallFollower) {
    this.#ctx = ctx;
    this.#leases = leases;
    this.#closer = closer;
    this.#follower = follower;
    this.#numberCap = ctx.options.perNumberCap === null ? null : new NumberAttemptCap(ctx.options.perNumberCap);
    // Stopping ends every hold at once (one listener for all of them, not one per held call).
    ctx.gate.waitSignal.addEventListener(
      'abort',
      () => {
        for (const held of this.#heldAhead.values()) {
          held.released ??= 'stop';
          held.end?.();
        }
      },
      { once: true },
    );
  }

  /** Dials in progress (claimed, not yet answered). */
  get dispatching(): number {
    return this.#dispatching;
  }

  /** Claimed calls still waiting for a dial token. */
  get awaitingToken(): number {
    return this.#awaitingToken;
  }

  /**
   * Releases a call this scheduler claimed ahead of its time and has not dialed: it goes back to
   * `scheduled` at its due time (without poking the claim loop). Returns that due time, or `null`
   * when this scheduler holds no such call.
   */
  async release(id: string): Promise<number | null> {
    const held = this.#heldAhead.get(id);
    if (held === undefined) return null;
    held.released ??= 'release';
    held.end?.();
    held.done ??= new Promise<void>((resolve) => {
      held.finish = resolve;
    });
    await held.done;
    return held.dueAt;
  }

  /** A due call was claimed: dial it. */
  onClaimed(result: UpdateResult): void {
    const record = result.call;
    const lease = record.lease;
    if (lease === null) return;
    const tracked = trackCall(record, lease.token, this.#follower.initialPollIntervalMs);
    markDispatching(tracked);
    const dispatchEvent = result.events.find((e) => e.type === 'dispatching');
    if (dispatchEvent !== undefined && this.#ctx.listens('call:dispatching')) {
      this.#ctx.emit('call:dispatching', { call: toCall(record), event: toEvent(dispatchEvent), attempt: record.attemptCount });
    }
    // The store's dispatching event says when the call was due (the claim cleared `dueAt`).
    const dueAt = dispatchEvent?.data?.['dueAt'];
    this.#runDispatch(tracked, true, typeof dueAt === 'number' ? dueAt : null);
  }

  /** Takes over a call whose lease expired (another scheduler died, or this one restarted). */
  onRecovered(result: UpdateResult): void {
    const ctx = this.#ctx;
    const record = result.call;
    if (record.lease === null) return;
    const tracked = trackCall(record, record.lease.token, this.#follower.initialPollIntervalMs);
    const event = result.events[0];
    if (event !== undefined) ctx.emit('call:recovered', { call: toCall(record), event: toEvent(event) });
    if (record.status === 'dispatching') {
      if (ctx.provider.capabilities?.idempotentPlaceCall === true) {
        // The provider de-duplicates by key: re-send the same attempt with the same key.
        this.#runDispatch(tracked, false, null);
      } else {
        ctx.track(
          this.#closer.endAttempt(tracked, 'failed', {
            code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN,
            message: 'The scheduler that was dialing this call stopped before recording the answer; not dialing again',
          }, null, { outcome: 'unknown', unknownReason: 'dialer-died' }),
        );
      }
      return;
    }
    if (isLiveStatus(record.status) && record.providerCallId !== null) {
      this.#follower.follow(tracked, ctx.clock.now());
      return;
    }
    // Nothing to follow (should not happen): hand the lease back.
    ctx.track(
      ctx.store.updateCall(leaseUpdate(tracked, null, ctx.clock.now())).catch((error: unknown) => ctx.reportError(error, 'recover', record.id)),
    );
  }

  /**
   * Dials `tracked` in the background; it holds back claims until it has taken its dial token.
   * `dueAt`: when the call was due, for the lateness of its first dial (`null`: not measured).
   */
  #runDispatch(tracked: TrackedCall, fresh: boolean, dueAt: number | null): void {
    this.#dispatching += 1;
    markAwaitingToken(tracked);
    this.#awaitingToken += 1;
    // The dial counts as in progress until the provider answered (or it ended otherwise), not
    // while the answer is being written: the next claim need not wait for that write.
    let counted = true;
    const answered = (): void => {
      if (!counted) return;
      counted = false;
      this.#dispatching -= 1;
      this.#ctx.loop.arm();
    };
    this.#ctx.track(
      this.#dispatch(tracked, fresh, dueAt, answered).finally(() => {
        answered();
        this.#tokenTaken(tracked);
        this.#ctx.loop.arm();
      }),
    );
  }

  #tokenTaken(tracked: TrackedCall): void {
    if (markTokenTaken(tracked)) this.#awaitingToken -= 1;
  }

  /**
   * Dials a claimed call. `fresh` is false for a dial re-sent after lease recovery (the provider
   * de-duplicates), which may already have happened: such a dial is never put back or held back.
   */
  async #dispatch(tracked: TrackedCall, fresh: boolean, dueAt: number | null, answered: () => void): Promise<void> {
    const ctx = this.#ctx;
    const { options, gate, provider, clock } = ctx;
    const record = tracked.record;
    if (!fresh && record.expiresAt !== null && record.expiresAt <= clock.now()) {
      await this.#closer.expire(tracked, expiredError('expires-at-passed', ctx.windowPolicy(record)), false);
      return;
    }
    if (fresh && dueAt !== null && dueAt > clock.now() && !(await this.#holdUntilDue(tracked, dueAt))) return;
    const idempotent = provider.capabilities?.idempotentPlaceCall === true;
    let tries: DialTries = firstDialTries(!fresh);
    let lastError: ProviderError | null = null;
    for (;;) {
      if (!tries.mayHavePlaced && !(await this.#mayDialNow(tracked, tries.failures === 0 && tries.rateLimited === 0))) return;
      // The wait for a dial token and a request slot is kept under the lease too: a call that
      // waits longer than half its lease is not taken for a dead host's. Most of the time both are
      // free: taken at once, with nothing to keep.
      const waited = tracked.ended
        ? undefined
        : this.#dialSlotNow(tracked)
          ? { value: true }
          : await this.#leases.during(tracked, Number.POSITIVE_INFINITY, () =>
              this.#acquireDialSlot(tracked).then(
                () => true,
                () => false,
              ),
            );
      if (waited === undefined) return; // the lease was lost: nothing of this try was sent
      if (waited.value && tracked.ended) {
        // The lease was lost while waiting (reported): nothing of this try was sent.
        this.#ctx.gate.release();
        return;
      }
      if (!waited.value) {
        // Stopping while waiting for a dial token: nothing of this try was sent.
        if (tries.mayHavePlaced) return; // the lease decides
        if (lastError === null) {
          await this.#closer.putBack(tracked, clock.now(), { code: ErrorCode.SCHEDULER_STOPPED, message: 'Not dialed: the scheduler stopped while waiting for a dial token' });
        } else {
          await this.#closer.requeueUnplaced(tracked, clock.now(), lastError);
        }
        return;
      }
      // The lease must still be ours (waiting for a token or a slot may have outlasted it), and is
      // kept for as long as the dial runs.
      let sent = false;
      let info: ProviderCallInfo;
      try {
        const answer = await this.#leases.during(tracked, options.dispatchTimeoutMs, () => {
          sent = true;
          if (dueAt !== null && lastError === null) ctx.telemetry?.dialLateness(clock.now() - dueAt);
          return gate.run(
            (signal) =>
              provider.placeCall(
                { to: tracked.to, callId: tracked.id, attempt: tracked.attempt, idempotencyKey: `${tracked.id}:${tracked.attempt}`, metadata: record.metadata },
                { signal },
              ),
            options.dispatchTimeoutMs,
            { operation: 'place_call', callId: tracked.id, attempt: tracked.attempt },
          );
        });
        if (answer === undefined) {
          gate.release();
          return;
        }
        info = answer.value;
      } catch (caught) {
        if (!sent) {
          gate.release(); // the lease could not be checked: nothing was sent
          throw caught;
        }
        if (gate.stopped) return; // stopping: the lease decides
        const error = toProviderError(caught);
        lastError = error;
        const now = clock.now();
        const decision = decideAfterDialError({
          error,
          tries,
          idempotent,
          maxRetries: options.transientRetry.maxRetries,
          retryPolicy: record.retry,
          defaultRetryPolicy: options.retry,
          now,
          backoffMs: (n) => gate.backoff(n),
        });
        if (decision.action === 'fail') {
          answered(); // the dial is over: its end need not wait for itself
          await this.#closer.endAttempt(tracked, 'failed', decision.error, null, decision.ending);
          return;
        }
        tries = decision.tries;
        if (decision.action === 'pause') {
          ctx.pacer.pauseUntil(now + decision.delayMs, now);
          ctx.telemetry?.rateLimitPause();
        }
        const wakeAt = now + decision.delayMs;
        if (!(await this.#leases.renew(tracked, wakeAt + options.leaseMs))) return;
        try {
          await ctx.loop.waitUntil(wakeAt, gate.waitSignal);
        } catch {
          // Stopping during the back-off. A dial known not to have happened goes back to the queue
          // at once; a possibly-placed one (idempotent provider) is left to lease recovery, which
          // re-sends it with the same key.
          if (!tries.mayHavePlaced) await this.#closer.requeueUnplaced(tracked, wakeAt, error);
          return;
        }
        continue;
      }
      answered();
      await this.#accepted(tracked, info);
      return;
    }
  }

  /**
   * Holds a call claimed before its time (`claimAheadMs`) until `dueAt`, under its lease, on the
   * one timer. True when its time came; false when it was released (by {@link CallDispatcher.release}
   * or because the scheduler stops: then it is back to `scheduled` at `dueAt`) or its lease lost.
   */
  async #holdUntilDue(tracked: TrackedCall, dueAt: number): Promise<boolean> {
    const ctx = this.#ctx;
    const held: HeldCall = { dueAt, released: null, end: null, done: null, finish: null };
    this.#heldAhead.set(tracked.id, held);
    try {
      // The hold lasts until dueAt: a lease with that much left (and a margin) needs no renewal meanwhile.
      const waited = await this.#leases.during(
        tracked,
        Math.max(0, dueAt - ctx.clock.now()),
        () =>
          new Promise<boolean>((resolve) => {
            if (held.released !== null || ctx.gate.waitSignal.aborted || !ctx.isRunning()) {
              held.released ??= 'stop';
              resolve(false);
              return;
            }
            const task = ctx.loop.at(dueAt, () => {
              held.end = null;
              resolve(true);
            });
            held.end = () => {
              task.canceled = true;
              held.end = null;
              resolve(false);
            };
          }),
      );
      if (waited === undefined || tracked.ended) return false;
      if (waited.value && held.released === null) return true;
      const byRelease = held.released === 'release';
      await this.#closer.putBack(
        tracked,
        dueAt,
        byRelease
          ? { code: ErrorCode.INVALID_STATE, message: 'Claimed ahead of its time and released before its dial, to be changed on this scheduler' }
          : { code: ErrorCode.SCHEDULER_STOPPED, message: 'Not dialed: the scheduler stopped before its time' },
        !byRelease,
      );
      return false;
    } finally {
      this.#heldAhead.delete(tracked.id);
      held.end = null;
      held.finish?.();
    }
  }

  /**
   * Whether a claimed call that has surely not been dialed yet may be dialed now. If not, it is
   * put back to `scheduled` (outside its window, or its number over `perNumberCap`, checked when
   * `checkCap`), or ended `expired`; either way without a trace of an attempt.
   */
  async #mayDialNow(tracked: TrackedCall, checkCap: boolean): Promise<boolean> {
    const ctx = this.#ctx;
    const record = tracked.record;
    const policy = ctx.windowPolicy(record);
    const now = ctx.clock.now();
    const plan = planDialTime({ wantedAt: now, ...policy, expiresAt: record.expiresAt });
    if (plan.action === 'expire') {
      await this.#closer.expire(tracked, expiredError(plan.reason, policy), true);
      return false;
    }
    if (plan.dueAt > now) {
      await this.#closer.putBack(tracked, plan.dueAt, {
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
      async (since) => (await ctx.store.countAttempts({ to: tracked.to, since })) - (since <= startedAt ? 1 : 0),
      NUMBER_CAP_RESOLUTION_MS,
    );
    if (decision.allowed) return true;
    const later = planDialTime({ wantedAt: decision.retryAt, ...policy, expiresAt: record.expiresAt });
    if (later.action === 'expire') {
      await this.#closer.expire(tracked, expiredError('number-cap', policy), true);
      return false;
    }
    await this.#closer.putBack(tracked, later.dueAt, {
      code: ErrorCode.NUMBER_ATTEMPT_CAP,
      message: `${tracked.to} had ${cap.maxAttempts} attempts within ${cap.periodMs} ms; next allowed at ${new Date(later.dueAt).toISOString()}`,
    });
    return false;
  }

  /** Takes a request slot and the dial token at once when both are free; false (nothing taken) otherwise. */
  #dialSlotNow(tracked: TrackedCall): boolean {
    const { clock, pacer, gate } = this.#ctx;
    if (gate.waitSignal.aborted || pacer.msUntilAvailable(clock.now()) > 0 || !gate.tryAcquire()) return false;
    return this.#takeToken(tracked);
  }

  /** With a request slot held: takes the dial token, or gives the slot back and returns false. */
  #takeToken(tracked: TrackedCall): boolean {
    const { clock, pacer, gate, loop } = this.#ctx;
    if (!pacer.tryTake(clock.now())) {
      gate.release();
      return false;
    }
    if (tracked.awaitingToken) {
      this.#tokenTaken(tracked);
      loop.arm();
    }
    return true;
  }

  /**
   * Waits until dial pacing allows a dial (outside the request bound, so that a pause holds no
   * request slot), then takes a request slot and the dial token together. Rejects when stopping.
   */
  async #acquireDialSlot(tracked: TrackedCall): Promise<void> {
    const { clock, pacer, gate, loop } = this.#ctx;
    for (;;) {
      const now = clock.now();
      const wait = pacer.msUntilAvailable(now);
      if (wait > 0) await loop.waitUntil(now + wait, gate.waitSignal);
      await gate.acquire();
      if (this.#takeToken(tracked)) return;
    }
  }

  /** The provider accepted the dial: record it under the lease and start following the call. */
  async #accepted(tracked: TrackedCall, info: ProviderCallInfo): Promise<void> {
    const ctx = this.#ctx;
    const final = callStatusOf(info.status);
    if (final !== null && callStatusRank(final) >= 3) {
      // The provider answered the dial with a final status already (e.g. busy at once): the
      // accept and the end in one write.
      await this.#closer.endAtDial(tracked, info, final);
      return;
    }
    const now = ctx.clock.now();
    const { update, status, leaseExpiresAt } = acceptUpdate(tracked, info, now, ctx.options.leaseMs);
    const result = await ctx.store.updateCall(update);
    if (result === undefined) {
      this.#leases.lost(tracked, 'dispatch');
      return;
    }
    const previous = tracked.status;
    markAccepted(tracked, { status, info, record: result.call, leaseExpiresAt, pollIntervalMs: this.#follower.initialPollIntervalMs }, now);
    ctx.tracked.set(tracked.id, tracked);
    this.#follower.emitStatus(tracked, result, previous, info.rawStatus);
    this.#follower.schedulePoll(tracked, this.#follower.nextPoll(tracked, now));
  }
}

// Owns: the leases of the calls this scheduler holds. It keeps a lease ahead of the work to come
// (renewing only when it would not outlast it), renews it, re-reads a call after a guarded write
// failed (resync), gives up a call whose lease was lost (LEASE_LOST), and hands every lease back
// when the scheduler stops.
import { isTerminalStatus } from '../call/call-status.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { leaseUpdate } from './call-transitions.js';
import type { SchedulerContext } from './scheduler-context.js';
import type { WakeTask } from './wake-timer.js';
import { markEnded, markLeaseRenewed, markResynced, type TrackedCall } from './tracked-call.js';

/** Keeps, renews and gives up the leases of tracked calls. */
export class LeaseKeeper {
  readonly #ctx: SchedulerContext;

  /** A keeper for the scheduler's tracked calls. */
  constructor(ctx: SchedulerContext) {
    this.#ctx = ctx;
  }

  /** Extends the lease so that it outlasts `until` (plus a margin) when it would not; false when it was lost. */
  async keep(tracked: TrackedCall, until: number): Promise<boolean> {
    const leaseMs = this.#ctx.options.leaseMs;
    if (tracked.leaseExpiresAt - until >= leaseMs / 2) return true;
    return this.renew(tracked, until + leaseMs);
  }

  /**
   * Runs a provider request that may last `timeoutMs` (or a wait, `Infinity`) under the lease;
   * `undefined` when the lease was lost before it could start (then nothing is sent).
   *
   * When the lease already outlasts the request's timeout by a quarter of `leaseMs` (time for the
   * answer's write), nothing is written: with the defaults (a 30 s lease, 15 s and 10 s request
   * timeouts) that is every request. Otherwise the lease is kept at least `leaseMs / 2` ahead and
   * renewed to `now + leaseMs` whenever only half of it is left, for as long as the request runs (a
   * heartbeat). The lease is never stretched over the whole timeout: a host that dies mid-request
   * holds its calls for at most `leaseMs`, and another scheduler takes them over after that.
   */
  async during<T>(tracked: TrackedCall, timeoutMs: number, request: () => Promise<T>): Promise<{ readonly value: T } | undefined> {
    const ctx = this.#ctx;
    const leaseMs = ctx.options.leaseMs;
    const now = ctx.clock.now();
    if (tracked.ended) return undefined;
    if (tracked.leaseExpiresAt >= now + timeoutMs + leaseMs / 4) return { value: await request() };
    if (tracked.leaseExpiresAt < now + leaseMs / 2 && !(await this.renew(tracked, now + leaseMs))) return undefined;
    let settled = false;
    let task: WakeTask | null = null;
    let renewing: Promise<unknown> = Promise.resolve();
    const beatAt = (at: number): void => {
      if (settled || tracked.ended) return;
      task = ctx.loop.at(at, () => {
        task = null;
        if (settled || tracked.ended) return;
        renewing = this.renew(tracked, ctx.clock.now() + leaseMs).then(
          (kept) => {
            if (kept) beatAt(tracked.leaseExpiresAt - leaseMs / 2);
          },
          (error: unknown) => {
            // A failed write is not a lost lease: try again soon.
            ctx.reportError(error, 'renew', tracked.id);
            beatAt(ctx.clock.now() + leaseMs / 8);
          },
        );
      });
    };
    beatAt(tracked.leaseExpiresAt - leaseMs / 2);
    try {
      return { value: await request() };
    } finally {
      settled = true;
      if (task !== null) (task as WakeTask).canceled = true;
      // The answer's write must not race a renewal of the same row.
      await renewing;
    }
  }

  /** Sets the lease to end at `expiresAt`; false when it was lost. */
  async renew(tracked: TrackedCall, expiresAt: number): Promise<boolean> {
    const result = await this.#ctx.store.updateCall(leaseUpdate(tracked, expiresAt, this.#ctx.clock.now()));
    if (result === undefined) {
      this.lost(tracked, 'renew');
      return false;
    }
    markLeaseRenewed(tracked, expiresAt, result.call);
    return true;
  }

  /**
   * After a guarded write of a followed call failed: re-reads it. When the lease is still ours (a
   * webhook handled elsewhere moved the status), catches up and returns true. When the call ended
   * meanwhile (e.g. by such a webhook), stops following it quietly and returns false.
   */
  async resync(tracked: TrackedCall): Promise<boolean> {
    const record = await this.#ctx.store.getCall(tracked.id);
    if (record === undefined) return false;
    if (record.lease?.token === tracked.token && !isTerminalStatus(record.status)) {
      markResynced(tracked, record);
      return true;
    }
    if (isTerminalStatus(record.status) || record.status === 'scheduled') {
      markEnded(tracked);
      this.forget(tracked);
    }
    return false;
  }

  /** The lease is no longer ours: stop working on the call and report it. */
  lost(tracked: TrackedCall, operation: string): void {
    if (!markEnded(tracked)) return;
    this.forget(tracked);
    this.#ctx.reportError(
      new CallSchedulerError(ErrorCode.LEASE_LOST, `Lost the lease on call ${tracked.id} (another scheduler took it over); stopped following it`, { callId: tracked.id }),
      operation,
      tracked.id,
    );
  }

  /** Stops following `tracked` (when it is the one followed) and re-arms: there is room for a claim. */
  forget(tracked: TrackedCall): void {
    const map = this.#ctx.tracked;
    if (map.get(tracked.id) === tracked) map.delete(tracked.id);
    this.#ctx.loop.arm();
  }

  /**
   * Hands the lease of every followed call back to the store (its expiry set to now), so that
   * another scheduler, or this one after a restart, follows it at once.
   */
  async handBackAll(): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const releases = [...ctx.tracked.values()].map(async (tracked) => {
      markEnded(tracked);
      try {
        await ctx.store.updateCall(leaseUpdate(tracked, now, now));
      } catch (error) {
        ctx.reportError(error, 'stop', tracked.id);
      }
    });
    await Promise.all(releases);
    ctx.tracked.clear();
  }
}

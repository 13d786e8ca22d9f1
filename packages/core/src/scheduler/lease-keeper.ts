// Owns: the leases of the calls this scheduler holds. It keeps a lease ahead of the work to come
// (renewing only when it would not outlast it), renews it, re-reads a call after a guarded write
// failed (resync), gives up a call whose lease was lost (LEASE_LOST), and hands every lease back
// when the scheduler stops.
import { isTerminalStatus } from '../call/call-status.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { leaseUpdate } from './call-transitions.js';
import type { SchedulerContext } from './scheduler-context.js';
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
   * Makes sure the lease lasts at least until `until` (the end of a request about to start),
   * renewing it only when it would not; false when it was lost. With the default `leaseMs` (longer
   * than the request timeouts) this never writes: {@link LeaseKeeper.keep} already covers it.
   */
  async cover(tracked: TrackedCall, until: number): Promise<boolean> {
    if (tracked.leaseExpiresAt >= until) return true;
    return this.renew(tracked, until + this.#ctx.options.leaseMs);
  }

  /**
   * Fences a dial whose request may last until `requestEnd`: the lease must outlast it by a quarter
   * of `leaseMs` (time for the answer's write), else it is renewed to `requestEnd + leaseMs` first. With the defaults (a
   * 30 s lease, a 15 s dial timeout) a dial right after its claim writes nothing here.
   */
  async fence(tracked: TrackedCall, requestEnd: number): Promise<boolean> {
    const leaseMs = this.#ctx.options.leaseMs;
    if (tracked.leaseExpiresAt >= requestEnd + leaseMs / 4) return true;
    return this.renew(tracked, requestEnd + leaseMs);
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

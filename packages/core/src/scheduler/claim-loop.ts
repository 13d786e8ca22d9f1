// Owns: when the scheduler goes to the store and how much it takes. It folds pokes (local inserts,
// ended calls) into the next store wake-up, computes the capacity left for claims (live calls,
// dials in progress, request slots, dial tokens), runs a tick on the one timer (due local tasks,
// then recovery of expired leases, claims of due calls, the next wake-up), backs off after a
// store error, and hands what it claimed or recovered to callbacks. With `claimAheadMs` it claims
// calls that much before they are due, further when claims are slow (the dispatcher holds them
// until their time). It never dials or writes a call.
import type { Clock } from '../clock/clock.js';
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CallStore, ClaimOptions, UpdateResult, WakeUpTimes } from '../store/call-store.js';
import { earlierOf } from '../store-kit/wake-up-times.js';
import type { DialPacer } from './dial-pacer.js';
import type { ResolvedSchedulerOptions } from './scheduler-options.js';
import { WakeTimer, type WakeTask } from './wake-timer.js';

const STORE_ERROR_BACKOFF_MS = 1000;
/** How soon to look again for due calls that a claim had to skip (one live call per number). */
const BLOCKED_RECHECK_MS = 1000;
/**
 * The claim horizon stretches to this many times the slowest recent claim, so that a claim made
 * half a horizon early is done twice over before the call's time (a network store's claim takes
 * milliseconds).
 */
const HORIZON_PER_CLAIM_MS = 4;
/** The most the horizon stretches to by itself (a larger `claimAheadMs` is kept as given). */
const MAX_STRETCHED_HORIZON_MS = 250;
/** How much of the slowest recent claim is still remembered after each claim. */
const CLAIM_TIME_DECAY = 0.9;
/**
 * Store work (a claim, the ends written together) waits until the next local task (a held call's
 * dial) is at least this many ms away, so that on SQLite its synchronous transaction delays no
 * dial. Measured at 500 calls/s on SQLite: claims in the gaps, lateness p99 2.99 → 2.53 ms at the
 * median of 7 interleaved pairs; the ends in the gaps, 3.39 → 2.68 ms (3 ms gaps: 3.15 ms).
 */
const WORK_GAP_MS = 2;
/**
 * After a claim that took calls from a watched store, the next wake-up is read once more this long
 * after the last such claim (see `#recheckAt`).
 */
const RACE_RECHECK_MS = 25;

/** What the claim loop needs from the scheduler. */
export interface ClaimLoopDeps {
  /** The clock. */
  readonly clock: Clock;
  /** The store. */
  readonly store: CallStore;
  /** The lease owner written by claims. */
  readonly owner: string;
  /** The scheduler's options. */
  readonly options: ResolvedSchedulerOptions;
  /** The store's `features.networked`: a claim may then take a whole `claimBatchSize`. */
  readonly networked: boolean;
  /** Dial pacing (claims take no more calls than there are dial tokens). */
  readonly pacer: DialPacer;
  /** What the scheduler holds now. */
  load(): { readonly live: number; readonly dispatching: number; readonly awaitingToken: number };
  /** Whether the scheduler runs (no timer is armed otherwise). */
  isRunning(): boolean;
  /** A call whose expired lease this scheduler took over. */
  onRecovered(result: UpdateResult): void;
  /** A due call this scheduler claimed. */
  onClaimed(result: UpdateResult): void;
  /** Reports an error as `scheduler:error`. */
  reportError(error: unknown, operation: string): void;
  /** Runs a background promise, reporting its failure. */
  track(promise: Promise<unknown>): void;
  /** Whether the store's change notifications are subscribed (`CallStore.watch`). */
  watching(): boolean;
}

/** Decides when to read the store and how many calls to claim; runs the one timer's ticks. */
export class ClaimLoop {
  readonly #d: ClaimLoopDeps;
  readonly #timer: WakeTimer;
  /** The store's next wake-up as last read (plus local inserts); `null` for nothing stored. */
  #storeNextAt: number | null = null;
  #lastStoreReadAt = Number.NEGATIVE_INFINITY;
  #storeBackoffUntil = Number.NEGATIVE_INFINITY;
  /** A claim waits for the gap after the local task due then (see #gapAfter). */
  #waitForGapUntil = Number.NEGATIVE_INFINITY;
  #ticking = false;
  #tickAgain = false;
  /** The earliest time poked since the last store read began (+∞ for none). */
  #pokedAt = Number.POSITIVE_INFINITY;
  /** The last store read left due calls unclaimed with room to spare: held back by a live call to their number. */
  #heldBack = false;
  /** A call of ours ended while a tick was under way (its store read may have seen it still live). */
  #endedDuringTick = false;
  /**
   * The store's next wake-up as last read, when it was the lease expiry of the calls that read
   * claimed (most likely ours, ended or renewed by then): at that time only the next wake-up is
   * read again, and the claims run only if something is due.
   */
  #ownLeaseAt: number | null = null;
  /**
   * The earliest lease expiry in the store as of the last read, when the store tells it apart
   * (`CallStore.nextWakeUpTimes`); `null` when unknown. Until then no lease can have expired (a
   * lease taken since expires a full `leaseMs` after its claim), so a claim skips the recovery.
   */
  #leaseExpiryAt: number | null = null;
  /**
   * The `dueBy` of the last claim of due calls (the horizon ahead of its read): a wake-up at or
   * before it is not looked for a horizon early again (it is a lease expiry, or a call that
   * claim had to skip). Forgotten on a poke, which may bring a call due within it.
   */
  #claimedThrough = Number.NEGATIVE_INFINITY;
  /** The slowest recent claim of due calls, in ms on the clock (decays by CLAIM_TIME_DECAY a claim). */
  #claimMs = 0;
  /**
   * When to read the next wake-up once more after the last claim that took calls from a watched
   * store (+∞: no need). Another process's insert decides whether to notify from the earliest due
   * call it sees; when that was a call this claim was taking, and the insert commits after this
   * claim's read of the next wake-up, no notification comes and the read missed the new call. The
   * second read, after the insert has committed, finds it.
   */
  #recheckAt = Number.POSITIVE_INFINITY;

  /** Wires the loop; nothing runs before {@link ClaimLoop.start}. */
  constructor(deps: ClaimLoopDeps) {
    this.#d = deps;
    this.#timer = new WakeTimer(deps.clock, () => deps.track(this.#tick()));
  }

  /** Starts timing: the store is read at once. */
  start(now: number): void {
    this.#storeNextAt = now;
    this.arm();
  }

  /** Stops timing: disarms the timer and cancels every local task. */
  stop(): void {
    this.#timer.disarm();
    this.#timer.cancelAll();
  }

  /** Something is due at `at` in the store (a local insert, a reschedule, an ended call). */
  poke(at: number): void {
    // Kept until folded into #storeNextAt, so that a tick whose store read started before the
    // write cannot overwrite it with an older answer.
    this.#pokedAt = Math.min(this.#pokedAt, at);
    this.#claimedThrough = Number.NEGATIVE_INFINITY;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.arm();
  }

  /**
   * A call of this scheduler stopped being live or dialed at `now`: a due call held back by it
   * (one live call per number) may be claimed now. Goes back to the store only when the last read
   * left such a call behind; during a tick, the tick decides once its read is done.
   */
  callEnded(now: number): void {
    if (this.#ticking) this.#endedDuringTick = true;
    else if (this.#heldBack) this.poke(now);
  }

  /** Whether the next local task (a held call's dial, a poll, a back-off) is at least {@link WORK_GAP_MS} away: store work now delays none. */
  inGap(): boolean {
    const next = this.#timer.next();
    return next === undefined || next.at - this.#d.clock.now() >= WORK_GAP_MS;
  }

  /** Runs `run` at `at` on the scheduler's one timer. */
  at(at: number, run: () => void): WakeTask {
    const task = this.#timer.push(at, run);
    // During a tick the timer serves the local tasks alone (see #tick); the tick re-arms for the store when it ends.
    if (this.#ticking) this.#timer.arm(Number.POSITIVE_INFINITY);
    else this.arm();
    return task;
  }

  /**
   * A promise that resolves at `at` (on the one timer), or rejects when `signal` (or `also`, when
   * given) aborts or the scheduler stopped. Two signals are listened to directly, without the
   * composite signal `AbortSignal.any` would make for every wait.
   */
  waitUntil(at: number, signal: AbortSignal, also?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted || also?.aborted === true || !this.#d.isRunning()) {
        reject(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
        return;
      }
      const onAbort = (): void => {
        task.canceled = true;
        signal.removeEventListener('abort', onAbort);
        also?.removeEventListener('abort', onAbort);
        reject(new CallSchedulerError(ErrorCode.SCHEDULER_STOPPED, 'The scheduler stopped'));
      };
      const task = this.at(at, () => {
        signal.removeEventListener('abort', onAbort);
        also?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
      also?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * How many calls a claim may take now, before dial pacing. Calls being dialed or held for their
   * time count against twice the request slots, so that a claim does not take far more than can be
   * dialed soon; on a networked store, against a whole `claimBatchSize` when that is more (there a
   * claim is a round trip, and a larger one costs little more).
   */
  #baseCapacity(): number {
    const o = this.#d.options;
    const load = this.#d.load();
    const inFlight = this.#d.networked ? Math.max(o.maxConcurrentRequests * 2, o.claimBatchSize) : o.maxConcurrentRequests * 2;
    return Math.min(o.claimBatchSize, o.maxLiveCalls - load.live - load.dispatching, inFlight - load.dispatching);
  }

  /** How many calls a claim may take at `now`: also no more than the dial tokens not yet spoken for. */
  #capacity(now: number): number {
    return Math.min(this.#baseCapacity(), this.#d.pacer.available(now) - this.#d.load().awaitingToken);
  }

  /**
   * How far ahead claims look: `claimAheadMs`, stretched to {@link HORIZON_PER_CLAIM_MS} times the
   * slowest recent claim when claims take longer (up to the larger of `claimAheadMs` and
   * {@link MAX_STRETCHED_HORIZON_MS}, and `leaseMs / 2`). `0` when `claimAheadMs` is 0.
   */
  get horizonMs(): number {
    const { claimAheadMs, leaseMs } = this.#d.options;
    if (claimAheadMs === 0) return 0;
    const stretched = Math.min(HORIZON_PER_CLAIM_MS * this.#claimMs, MAX_STRETCHED_HORIZON_MS, leaseMs / 2);
    return Math.max(claimAheadMs, Math.ceil(stretched));
  }

  /** When to go to the store for something due at `at`: the horizon early, unless already claimed through. */
  #claimTimeFor(at: number): number {
    // Claim when the next call is half the horizon away, taking every call due within all of it:
    // calls close together share one claim, and each is held between half and all of the horizon.
    return at > this.#claimedThrough ? at - Math.ceil(this.horizonMs / 2) : at;
  }

  #storeWorkAt(): number {
    let at = Number.POSITIVE_INFINITY;
    if (this.#storeNextAt !== null) {
      const now = this.#d.clock.now();
      if (this.#capacity(now) > 0) at = this.#claimTimeFor(this.#storeNextAt);
      else if (this.#d.load().awaitingToken === 0 && this.#baseCapacity() > 0) {
        // Only dial pacing (the rate, or a 429 pause) holds claims back: look again when the next
        // token is due. (While a claimed call still waits for its token, it re-arms when it takes it.)
        at = Math.max(this.#claimTimeFor(this.#storeNextAt), now + Math.max(1, this.#d.pacer.msUntilAvailable(now)));
      }
    }
    const reread = this.#d.options.storeRereadIntervalMs;
    if (reread !== null) at = Math.min(at, this.#lastStoreReadAt + reread);
    at = Math.min(at, this.#recheckAt);
    return Math.max(at, this.#storeBackoffUntil, this.#waitForGapUntil);
  }

  /**
   * When store work due now should wait for the local task due within {@link WORK_GAP_MS} (a
   * held call's dial): that task's time, so that the claim's synchronous work runs after the dial,
   * in the gap before the next one. `null`: go now (no task that close, or not slack enough: the
   * claim must still be done, twice the slowest recent claim, before the next unclaimed call).
   */
  #gapAfter(now: number): number | null {
    const next = this.#timer.next()?.at;
    if (next === undefined || next <= now || next - now >= WORK_GAP_MS) return null;
    const due = this.#storeNextAt;
    if (due === null || next + 2 * this.#claimMs + 1 >= due) return null;
    return next;
  }

  /** Arms the one timer to the earliest thing to do. */
  arm(): void {
    if (!this.#d.isRunning()) return;
    if (!this.#ticking && this.#pokedAt !== Number.POSITIVE_INFINITY) {
      this.#storeNextAt = Math.min(this.#storeNextAt ?? Number.POSITIVE_INFINITY, this.#pokedAt);
      this.#pokedAt = Number.POSITIVE_INFINITY;
    }
    this.#timer.arm(this.#storeWorkAt());
  }

  async #tick(): Promise<void> {
    if (!this.#d.isRunning()) return;
    if (this.#ticking) {
      // The timer fired while this tick waits for the store: the local tasks due now (a call held
      // until its time, a poll, a pacing wait) run at once, not after the store answers. The
      // store's own next work is decided when the tick ends.
      this.#timer.runDue(this.#d.clock.now());
      if (this.#ticking) this.#timer.arm(Number.POSITIVE_INFINITY);
      return;
    }
    this.#ticking = true;
    try {
      do {
        const wanted = this.#tickAgain;
        this.#tickAgain = false;
        const now = this.#d.clock.now();
        this.#timer.runDue(now);
        if (!this.#d.isRunning()) break;
        // The rest of a full claim, or a poke, goes to the store only when a claim could take
        // something: with no room (every slot taken by the calls just claimed), the read would
        // find the calls it already knows are due. The loop is armed again when room frees up (a
        // dial answered, a call ended), and the poke is kept in #storeNextAt by arm().
        const asked = (wanted || this.#pokedAt <= now) && this.#capacity(now) > 0;
        const again = wanted && asked;
        if (asked || this.#storeWorkAt() <= now) {
          // A claim made on time (not a poke, not the rest of a full one) goes in the gap after a
          // held call's dial due within WORK_GAP_MS.
          const gap = again || this.#pokedAt <= now ? null : this.#gapAfter(now);
          if (gap !== null) {
            this.#waitForGapUntil = gap;
            break;
          }
          this.#waitForGapUntil = Number.NEGATIVE_INFINITY;
          // While the store works, the timer stays armed for the local tasks alone.
          this.#timer.arm(Number.POSITIVE_INFINITY);
          try {
            if (!again && this.#pokedAt > now && (this.#onlyOwnLeaseDue(now) || this.#onlyRecheckDue(now))) await this.#peek(now);
            else await this.#storeWork(now);
          } catch (error) {
            this.#d.reportError(error, 'tick');
            this.#storeBackoffUntil = this.#d.clock.now() + STORE_ERROR_BACKOFF_MS;
            break;
          }
        }
      } while (this.#tickAgain && this.#d.isRunning());
    } finally {
      // A call ended after the last read began, and that read left a call held back: look again.
      if (this.#endedDuringTick && this.#heldBack) this.#pokedAt = Math.min(this.#pokedAt, this.#d.clock.now());
      this.#endedDuringTick = false;
      this.#ticking = false;
      // Local tasks that came due during the store work's last steps run now, not a timer turn later.
      if (this.#d.isRunning()) this.#timer.runDue(this.#d.clock.now());
      this.arm();
    }
  }

  /** Whether the store is due only because of the lease expiry of calls this scheduler claimed. */
  #onlyOwnLeaseDue(now: number): boolean {
    return this.#ownLeaseAt !== null && this.#storeNextAt === this.#ownLeaseAt && !this.#rereadDue(now);
  }

  /** Whether the store is due only for the second read after a claim (see `#recheckAt`). */
  #onlyRecheckDue(now: number): boolean {
    if (this.#recheckAt > now) return false;
    const claimDue = this.#storeNextAt !== null && this.#capacity(now) > 0 && this.#claimTimeFor(this.#storeNextAt) <= now;
    return !claimDue && !this.#rereadDue(now);
  }

  /** Whether the periodic re-read of the store (`storeRereadIntervalMs`) is due at `now`. */
  #rereadDue(now: number): boolean {
    const reread = this.#d.options.storeRereadIntervalMs;
    return reread !== null && this.#lastStoreReadAt + reread <= now;
  }

  /** Reads only the next wake-up; claims (and recovers) only when something is due by then. */
  async #peek(now: number): Promise<void> {
    if (this.#recheckAt <= now) {
      this.#recheckAt = Number.POSITIVE_INFINITY;
      // What this read finds may be due within the last claim's horizon (an insert that committed
      // after that claim): like a poke, it is claimed a horizon early, not only at its time.
      this.#claimedThrough = Number.NEGATIVE_INFINITY;
    }
    this.#ownLeaseAt = null;
    this.#pokedAt = Number.POSITIVE_INFINITY;
    const next = await this.#readNextWakeUp();
    if (next !== null && this.#claimTimeFor(next) <= now) {
      await this.#storeWork(now);
      return;
    }
    this.#storeNextAt = next === null && this.#pokedAt === Number.POSITIVE_INFINITY ? null : Math.min(next ?? Number.POSITIVE_INFINITY, this.#pokedAt);
    this.#pokedAt = Number.POSITIVE_INFINITY;
    this.#lastStoreReadAt = now;
    this.#storeBackoffUntil = Number.NEGATIVE_INFINITY;
  }

  /** The store's next wake-up; also keeps its earliest lease expiry apart when the store tells it. */
  async #readNextWakeUp(): Promise<number | null> {
    const { store } = this.#d;
    if (store.nextWakeUpTimes === undefined) return store.nextWakeUpAt();
    return this.#wakeUpOf(await store.nextWakeUpTimes());
  }

  /** The next wake-up of `times`, keeping the earliest lease expiry apart. */
  #wakeUpOf(times: WakeUpTimes): number | null {
    this.#leaseExpiryAt = times.leaseExpiry ?? Number.POSITIVE_INFINITY;
    return earlierOf(times);
  }

  async #storeWork(now: number): Promise<void> {
    const { store, owner, options } = this.#d;
    if (this.#recheckAt <= now) this.#recheckAt = Number.POSITIVE_INFINITY;
    // What was poked so far is in the store already: the reads below see it.
    this.#pokedAt = Number.POSITIVE_INFINITY;
    this.#endedDuringTick = false;
    let capacity = this.#capacity(now);
    const leaseExpiresAt = now + options.leaseMs;
    let took = 0;
    let wakeUp: WakeUpTimes | undefined;
    if (capacity > 0 && (this.#leaseExpiryAt === null || this.#leaseExpiryAt <= now)) {
      const recovered = await store.claimExpiredLeases({ now, limit: capacity, owner, leaseExpiresAt });
      for (const result of recovered) this.#d.onRecovered(result);
      capacity -= recovered.length;
      took += recovered.length;
    }
    if (capacity > 0) {
      const ahead = this.horizonMs;
      const started = this.#d.clock.now();
      const claim: ClaimOptions = { now, limit: capacity, owner, leaseExpiresAt, onePerNumber: options.onePerNumber, ...(ahead > 0 ? { dueBy: now + ahead } : {}) };
      let claimed: UpdateResult[];
      // (Only with nextWakeUpTimes too: every read then keeps the earliest lease expiry up to date.)
      if (store.claimDueCallsWithWakeUp === undefined || store.nextWakeUpTimes === undefined) claimed = await store.claimDueCalls(claim);
      else {
        // The claim answers the next wake-up too: the read below is saved (a round trip on a network store).
        const answer = await store.claimDueCallsWithWakeUp(claim);
        claimed = answer.claimed;
        wakeUp = answer.wakeUp;
      }
      this.#claimMs = Math.max(this.#d.clock.now() - started, this.#claimMs * CLAIM_TIME_DECAY);
      for (const result of claimed) this.#d.onClaimed(result);
      // Read once more after the last claim that took calls (see #recheckAt): postponed by each
      // such claim, since every read after an insert has committed sees its call.
      if (claimed.length > 0 && this.#d.watching()) this.#recheckAt = this.#d.clock.now() + RACE_RECHECK_MS;
      if (claimed.length === capacity) this.#tickAgain = true;
      else this.#claimedThrough = now + ahead;
      took += claimed.length;
    }
    let next = wakeUp === undefined ? await this.#readNextWakeUp() : this.#wakeUpOf(wakeUp);
    if (wakeUp !== undefined && !this.#tickAgain && next !== null && next <= this.#claimedThrough) {
      // The claim left a call due within what it looked at: another call to its number is live,
      // or another host was claiming it. The claim's answer was read before that host committed
      // (its snapshot still shows the call scheduled): read again, now, before holding back or
      // waking for a call that is likely gone.
      next = await this.#readNextWakeUp();
    }
    this.#ownLeaseAt = took > 0 && next === leaseExpiresAt ? next : null;
    this.#heldBack = next !== null && next <= now && !this.#tickAgain && this.#capacity(now) > 0;
    if (this.#heldBack) {
      // Due calls remain that the claim skipped (another call to the same number is live): look
      // again when one of ours ends (see callEnded) or after the re-read interval, not in a loop.
      next = now + (options.storeRereadIntervalMs ?? BLOCKED_RECHECK_MS);
      // One of ours ended during this read: the call it held back may be free now.
      if (this.#endedDuringTick) this.#tickAgain = true;
    }
    this.#storeNextAt = next === null && this.#pokedAt === Number.POSITIVE_INFINITY ? null : Math.min(next ?? Number.POSITIVE_INFINITY, this.#pokedAt);
    this.#pokedAt = Number.POSITIVE_INFINITY;
    this.#lastStoreReadAt = now;
    this.#storeBackoffUntil = Number.NEGATIVE_INFINITY;
  }
}

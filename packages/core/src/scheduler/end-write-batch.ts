// Owns: the short wait that lets the writes ending several calls reach the store together. While
// other dials are in flight or held for their time, the write that ends a call waits up to
// `endWriteWindowMs` for the writes of the calls ending next, and all of them go to the store in
// one turn of the event loop, where its group commit makes them one transaction (SQLite) or one
// statement (PostgreSQL) instead of one each.
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { CallStore, CallUpdate, UpdateResult } from '../store/call-store.js';

interface WaitingWrite {
  readonly update: CallUpdate;
  readonly resolve: (result: UpdateResult | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** What the batch needs to know of the scheduler. */
export interface EndWriteBatchDeps {
  readonly clock: Clock;
  readonly store: CallStore;
  /** The longest a write waits; 0 sends every write at once. */
  readonly windowMs: number;
  /** Sent at once when this many writes wait. */
  readonly maxWaiting: number;
  /**
   * True while more calls are expected to end soon (dials in flight or held for their time) and
   * the scheduler runs: only then is waiting worth it.
   */
  readonly moreEndsSoon: () => boolean;
  /**
   * True when the scheduler's next local task (a held call's dial) is far enough away for store
   * work to delay none (`ClaimLoop.inGap`): the waiting writes are sent then, their transaction
   * (about a millisecond for a dozen ends on SQLite) over before that dial, where the window's
   * timer would fire whatever is due next.
   */
  readonly inGap: () => boolean;
}

/** The fewest waiting writes sent in a gap (smaller batches cost commits: 2 measured worse). */
const GAP_MIN_WAITING = 4;

/**
 * Groups the writes that end calls. A write waits only while more are coming: when no other dial
 * is in flight or held, it goes at once, together with those that waited. A write that waits is
 * sent within `windowMs`, a full batch at once, and four or more as soon as the scheduler is in
 * a gap between its dials (`inGap`).
 *
 * What waiting costs: the call's end, its events and the next call to its number come up to
 * `windowMs` later, and a process killed during the wait leaves those calls to lease recovery
 * (their dial happened; see `CallSchedulerOptions.endWriteWindowMs`).
 */
export class EndWriteBatch {
  readonly #deps: EndWriteBatchDeps;
  #waiting: WaitingWrite[] = [];
  #timer: { readonly handle: TimerHandle } | null = null;

  constructor(deps: EndWriteBatchDeps) {
    this.#deps = deps;
  }

  /** How many writes wait now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Writes `update` now, or with the next writes that end calls; settles as `store.updateCall` does. */
  write(update: CallUpdate): Promise<UpdateResult | undefined> {
    const deps = this.#deps;
    if (deps.windowMs === 0 || (this.#waiting.length === 0 && !deps.moreEndsSoon())) return deps.store.updateCall(update);
    const written = new Promise<UpdateResult | undefined>((resolve, reject) => {
      this.#waiting.push({ update, resolve, reject });
    });
    const waiting = this.#waiting.length;
    if (waiting >= deps.maxWaiting || !deps.moreEndsSoon()) this.flush();
    else if (waiting >= GAP_MIN_WAITING && deps.inGap()) this.flush();
    else this.#timer ??= { handle: deps.clock.setTimeout(() => this.flush(), deps.windowMs) };
    return written;
  }

  /** Sends every waiting write now (all in this turn, so that the store groups them). */
  flush(): void {
    if (this.#timer !== null) {
      this.#deps.clock.clearTimeout(this.#timer.handle);
      this.#timer = null;
    }
    const batch = this.#waiting;
    if (batch.length === 0) return;
    this.#waiting = [];
    const store = this.#deps.store;
    for (const entry of batch) {
      // A store that throws synchronously still settles this write alone.
      let sent: Promise<UpdateResult | undefined>;
      try {
        sent = store.updateCall(entry.update);
      } catch (error) {
        entry.reject(error);
        continue;
      }
      sent.then(entry.resolve, entry.reject);
    }
  }
}

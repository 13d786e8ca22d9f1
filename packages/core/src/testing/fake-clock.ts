import type { Clock, TimerHandle } from '../clock/clock.js';
import { MAX_TIMER_DELAY_MS } from '../clock/clock.js';
import { toEpochMs, type TimeInput } from '../schema/time.js';

interface FakeTimer {
  readonly id: number;
  /** Due on the monotonic timeline. */
  readonly due: number;
  readonly fn: () => void;
}

/** Options of {@link FakeClock.runAll}. */
export interface RunAllOptions {
  /** Throw after firing this many timers (a timer that re-arms itself forever would never end). @default 1_000_000 */
  readonly maxTimers?: number;
}

/**
 * A {@link Clock} that only moves when told, for deterministic tests: `await advance(ms)` fires
 * every timer due in that span in order, each at its exact time, and lets the promise chains it
 * starts settle before the next one fires.
 *
 * Like a real machine it has two notions of time: timers run on a monotonic timeline that only
 * {@link FakeClock.advance} moves, while {@link FakeClock.now} is wall-clock time, which
 * {@link FakeClock.jump} can move forwards or backwards without firing anything (an NTP step, a
 * VM resumed after a pause).
 *
 * @example
 * ```ts
 * const clock = new FakeClock('2026-11-21T09:00:00Z');
 * const scheduler = new CallScheduler({ clock, store, provider });
 * await scheduler.schedule({ to: '+14155550123', at: '2026-11-28T09:00:00Z' });
 * await clock.advance(7 * 24 * 3600_000); // a week, in no time
 * ```
 */
export class FakeClock implements Clock {
  #mono = 0;
  #offset: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  /** @param start the initial wall-clock time. @default `2026-01-01T00:00:00Z` */
  constructor(start: TimeInput = '2026-01-01T00:00:00Z') {
    this.#offset = toEpochMs(start, 'start');
  }

  /** The current wall-clock time in epoch ms. */
  now(): number {
    return this.#mono + this.#offset;
  }

  /** Schedules `fn` to run `ms` after the current monotonic time (negative counts as 0). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!Number.isFinite(ms) || ms > MAX_TIMER_DELAY_MS) {
      throw new RangeError(`FakeClock.setTimeout: delay ${ms} is not within 0..${MAX_TIMER_DELAY_MS} (Node would fire it at once)`);
    }
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#mono + Math.max(0, Math.ceil(ms)), fn });
    return { fakeTimerId: id };
  }

  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { fakeTimerId?: unknown } | null)?.fakeTimerId;
    if (typeof id === 'number') this.#timers.delete(id);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The wall-clock time at which the next timer fires, or `null` when none is waiting. */
  nextTimerAt(): number | null {
    const next = this.#earliest(Number.POSITIVE_INFINITY);
    return next === undefined ? null : next.due + this.#offset;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeClock.advance: ${ms} is not a finite, non-negative number of ms`);
    const target = this.#mono + ms;
    await settle();
    for (;;) {
      const timer = this.#earliest(target);
      if (timer === undefined) break;
      this.#mono = Math.max(this.#mono, timer.due);
      this.#timers.delete(timer.id);
      timer.fn();
      await settle();
    }
    this.#mono = target;
    await settle();
  }

  /** Moves time forward to the wall-clock instant `time`; throws if that is in the past. */
  async advanceTo(time: TimeInput): Promise<void> {
    const ms = toEpochMs(time, 'time') - this.now();
    if (ms < 0) throw new RangeError('FakeClock.advanceTo: that time is in the past; use jump() to move the wall clock back');
    await this.advance(ms);
  }

  /** Fires the next timer (moving time to it), if any; returns whether one fired. */
  async runNext(): Promise<boolean> {
    const timer = this.#earliest(Number.POSITIVE_INFINITY);
    if (timer === undefined) return false;
    await this.advance(timer.due - this.#mono);
    return true;
  }

  /** Fires timers until none is left (timers that timers set included). */
  async runAll(options: RunAllOptions = {}): Promise<void> {
    const max = options.maxTimers ?? 1_000_000;
    for (let fired = 0; await this.runNext(); fired++) {
      if (fired >= max) throw new Error(`FakeClock.runAll: still firing after ${max} timers; is a timer re-arming itself forever?`);
    }
  }

  /**
   * Steps the wall clock by `ms` (negative: backwards) without firing timers: pending timers keep
   * their remaining delay, as real timers do when the system clock is stepped.
   */
  jump(ms: number): void {
    this.#offset += ms;
  }

  /** Sets the wall clock to `time` without firing timers (see {@link FakeClock.jump}). */
  setSystemTime(time: TimeInput): void {
    this.#offset = toEpochMs(time, 'time') - this.#mono;
  }

  /** Lets pending promise chains settle without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  #earliest(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > limit) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }
}

/** Lets every queued promise chain run: a few real macrotask turns, no time passes. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

// Owns: the scheduler's one timer and its heap of local tasks (polls, back-offs, pacing waits).
// The timer is armed to the earliest of the next task and the time the claim loop names; it is
// re-armed on every change, never duplicated, and each wait is capped at MAX_TIMER_DELAY_MS.
import { MAX_TIMER_DELAY_MS, type Clock, type TimerHandle } from '../clock/clock.js';
import { MinHeap } from '../util/min-heap.js';

/** Something to run at `at` on the one timer. */
export interface WakeTask {
  /** When to run it (epoch ms). */
  readonly at: number;
  /** What to run. */
  readonly run: () => void;
  /** Set to skip it. */
  canceled: boolean;
}

/** One timer on the injected clock, armed to the earliest thing to do, and the local tasks. */
export class WakeTimer {
  readonly #clock: Clock;
  readonly #onFire: () => void;
  readonly #tasks = new MinHeap<WakeTask>();
  #timer: { readonly handle: TimerHandle } | null = null;
  #timerAt = Number.POSITIVE_INFINITY;

  /** `onFire` runs when the armed time comes. */
  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  /** Adds a task (the caller re-arms). */
  push(at: number, run: () => void): WakeTask {
    const task: WakeTask = { at, run, canceled: false };
    this.#tasks.push(task);
    return task;
  }

  /** The earliest task that is not canceled, without removing it. */
  next(): WakeTask | undefined {
    let task = this.#tasks.peek();
    while (task?.canceled === true) {
      this.#tasks.pop();
      task = this.#tasks.peek();
    }
    return task;
  }

  /** Runs every task due at `now` (in time order), including ones that they add for `now`. */
  runDue(now: number): void {
    for (let task = this.next(); task !== undefined && task.at <= now; task = this.next()) {
      this.#tasks.pop();
      task.run();
    }
  }

  /** Cancels every task. */
  cancelAll(): void {
    for (let t = this.#tasks.pop(); t !== undefined; t = this.#tasks.pop()) t.canceled = true;
  }

  /** Arms the timer to the earlier of `at` and the next task; disarms it when both are +∞. */
  arm(at: number): void {
    const task = this.next();
    if (task !== undefined) at = Math.min(at, task.at);
    if (at === Number.POSITIVE_INFINITY) {
      this.disarm();
      return;
    }
    if (this.#timer !== null && this.#timerAt === at) return;
    this.disarm();
    const delay = Math.min(Math.max(0, at - this.#clock.now()), MAX_TIMER_DELAY_MS);
    this.#timerAt = at;
    const handle = this.#clock.setTimeout(() => {
      if (this.#timer?.handle !== handle) return;
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#onFire();
    }, delay);
    this.#timer = { handle };
  }

  /** Clears the timer. */
  disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}

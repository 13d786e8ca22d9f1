import type { CallStoreChange, Clock, TimerHandle } from '@call-scheduler/core';
import { encodeChange, mergeChanges } from './change-payload.js';

/**
 * Sends the store's `NOTIFY`s after its writes commit, few of them: `NOTIFY` takes a server-wide
 * lock while its transaction commits, so a host that sent one per write would serialize every
 * commit of the database behind it.
 *
 * - At most one `NOTIFY` is in flight per store handle; what is announced meanwhile is merged (the
 *   earliest due time, events or not) into the next one.
 * - A due time is sent at once: a scheduler somewhere may have to re-arm its timer for it. The
 *   writes only announce one that is earlier than every due time stored before them.
 * - "Events were committed" alone waits until `eventsIntervalMs` after the previous `NOTIFY` that
 *   carried it: under load a handle sends at most one per interval, and event-log followers read a
 *   whole batch per wake-up. It rides along with any due-time `NOTIFY` for free.
 *
 * Each `NOTIFY` is its own statement after the writes committed (its own transaction): a process
 * that dies between the two loses only the hint; the schedulers' slow re-read is the safety net.
 */
export class ChangeNotifier {
  readonly #send: (payload: string) => Promise<void>;
  readonly #clock: Clock;
  readonly #eventsIntervalMs: number;
  readonly #onError: (error: unknown) => void;
  #pending: CallStoreChange = {};
  #inFlight: Promise<void> | undefined;
  #timer: TimerHandle = undefined;
  #lastEventsAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  /** NOTIFYs sent so far (for health details and tests). */
  sent = 0;

  constructor(options: {
    readonly send: (payload: string) => Promise<void>;
    readonly clock: Clock;
    readonly eventsIntervalMs: number;
    readonly onError: (error: unknown) => void;
  }) {
    this.#send = options.send;
    this.#clock = options.clock;
    this.#eventsIntervalMs = options.eventsIntervalMs;
    this.#onError = options.onError;
  }

  /** Announces a committed change. */
  announce(change: CallStoreChange): void {
    if (this.#closed || (change.dueAt === undefined && change.events !== true)) return;
    this.#pending = mergeChanges(this.#pending, change);
    this.#pump();
  }

  #pump(): void {
    if (this.#closed || this.#inFlight !== undefined) return;
    const pending = this.#pending;
    if (pending.dueAt === undefined) {
      if (pending.events !== true) return;
      const wait = this.#lastEventsAt + this.#eventsIntervalMs - this.#clock.now();
      if (wait > 0) {
        if (this.#timer === undefined) this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, wait);
        return;
      }
    }
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#pending = {};
    if (pending.events === true) this.#lastEventsAt = this.#clock.now();
    this.sent += 1;
    this.#inFlight = this.#send(encodeChange(pending))
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#inFlight = undefined;
        this.#pump();
      });
  }

  /** Sends nothing more; waits for a `NOTIFY` in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }
}

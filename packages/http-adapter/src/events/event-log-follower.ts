import type { CallEventPayload, CallStoreWatch, Clock, TimerHandle } from '@call-scheduler/core';
import { CALL_EVENT_NAMES, MAX_TIMER_DELAY_MS } from '@call-scheduler/core';
import type { CallRouterEventName, CallRouterScheduler } from '../call-router-scheduler.js';

/** How many of this process's recent events the follower keeps to send with their extras. */
export const LOCAL_EVENTS_KEPT = 10_000;

/** An event this process's scheduler emitted, as the emitter gave it. */
export interface LocalEmission {
  /** The event name. */
  readonly name: CallRouterEventName;
  /** The payload (`call` as it was then, `event`, and the extras). */
  readonly payload: CallEventPayload;
}

/*
 * One per router: the watch on the scheduler's store that `GET /events` streams follow when the
 * store can watch (so that a client on host A sees what host B did). It holds the watch open while
 * some stream needs it, wakes every following stream when any host commits events, and wakes them
 * again on a slow re-read timer (notifications are hints: they can be coalesced, or lost while a
 * listener reconnects). Each stream reads the log after its own cursor.
 */

/** A stream that follows the log; `wake` reads what follows its cursor (it serializes itself). */
export interface LogFollowerClient {
  /** Read and send what follows the client's cursor. */
  wake(): void;
}

/** Options of {@link EventLogFollower}. */
export interface EventLogFollowerOptions {
  /** The scheduler whose store is followed. */
  readonly scheduler: CallRouterScheduler;
  /** The clock of the safety re-read. */
  readonly clock: Clock;
  /** The safety re-read interval in ms. */
  readonly rereadMs: number;
  /** Reports a failure to open or close the watch. */
  readonly reportError: (error: unknown) => void;
}

/** The store watch shared by the `GET /events` streams of one router. */
export class EventLogFollower {
  readonly #options: EventLogFollowerOptions;
  readonly #clients = new Set<LogFollowerClient>();
  #holders = 0;
  #watch: Promise<CallStoreWatch | undefined> | undefined;
  #timer: { readonly handle: TimerHandle } | undefined;
  #ready: Promise<void> | undefined;
  /** This process's recent events by event id, while the watch is held (oldest first). */
  readonly #local = new Map<number, LocalEmission>();
  readonly #listeners = new Map<CallRouterEventName, (payload: CallEventPayload) => void>();

  constructor(options: EventLogFollowerOptions) {
    this.#options = options;
  }

  /**
   * Takes a hold on the watch, opening it if needed. Resolves `true` when the store can watch (the
   * caller then follows the log and must {@link EventLogFollower.release} once), `false` when it
   * cannot or opening failed (reported; no hold is taken, and the next stream tries again).
   */
  async acquire(): Promise<boolean> {
    const { scheduler } = this.#options;
    const store = scheduler.store;
    const watchStore = store?.watch;
    if (watchStore === undefined || store?.eventLogHead === undefined) return false;
    this.#holders++;
    if (this.#holders === 1) this.#listen();
    const watch = (this.#watch ??= this.#open(() =>
      watchStore.call(store, (change) => {
        if (change.events === true) this.#wakeAll();
      }),
    ));
    let opened: CallStoreWatch | undefined;
    try {
      opened = await watch;
    } catch (error) {
      this.#options.reportError(error);
      opened = undefined;
    }
    if (opened === undefined) {
      if (this.#watch === watch) this.#watch = undefined;
      this.#holders--;
      if (this.#holders === 0) this.#unlisten();
      return false;
    }
    return true;
  }

  /**
   * Opens the watch once the scheduler has opened its store (any read through the scheduler
   * initializes it; the view's own methods do not).
   */
  async #open(watch: () => Promise<CallStoreWatch>): Promise<CallStoreWatch> {
    this.#ready ??= this.#options.scheduler.listEvents({ after: null, limit: 1 }).then(() => undefined);
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = undefined;
      throw error;
    }
    return watch();
  }

  /** Gives back a hold taken by {@link EventLogFollower.acquire}; the last one closes the watch. */
  release(): void {
    this.#holders--;
    if (this.#holders > 0) return;
    this.#unlisten();
    const watch = this.#watch;
    this.#watch = undefined;
    watch?.then((opened) => opened?.close()).catch((error: unknown) => this.#options.reportError(error));
  }

  /** Adds a following stream (woken on every change and re-read) until the returned function runs. */
  follow(client: LogFollowerClient): () => void {
    this.#clients.add(client);
    this.#arm();
    return () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#disarm();
    };
  }

  /**
   * The payload this process's scheduler emitted for the event with this id, if it is recent:
   * streams send it as the emitter mode does (the call as it was then, with the extras).
   */
  localEmission(eventId: number): LocalEmission | undefined {
    return this.#local.get(eventId);
  }

  #listen(): void {
    const { scheduler } = this.#options;
    for (const name of CALL_EVENT_NAMES) {
      const listener = (payload: CallEventPayload): void => {
        this.#local.set(payload.event.id, { name, payload });
        if (this.#local.size > LOCAL_EVENTS_KEPT) {
          const oldest = this.#local.keys().next();
          if (oldest.done !== true) this.#local.delete(oldest.value);
        }
      };
      this.#listeners.set(name, listener);
      scheduler.on(name, listener);
    }
  }

  #unlisten(): void {
    for (const [name, listener] of this.#listeners) this.#options.scheduler.off(name, listener);
    this.#listeners.clear();
    this.#local.clear();
  }

  #wakeAll(): void {
    for (const client of [...this.#clients]) client.wake();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#clients.size === 0) return;
    const handle = this.#options.clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#wakeAll();
        this.#arm();
      },
      Math.min(this.#options.rereadMs, MAX_TIMER_DELAY_MS),
    );
    this.#timer = { handle };
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }
}

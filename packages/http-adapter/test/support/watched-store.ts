import type { CallStore, CallStoreChange, CallStoreWatch } from '@call-scheduler/core';

/** The writes after which a {@link WatchBus} tells the watchers that events were committed. */
const WRITES = new Set<PropertyKey>(['insertCalls', 'claimDueCalls', 'claimDueCallsWithWakeUp', 'claimExpiredLeases', 'updateCall', 'purgeCalls']);

/**
 * Stands in for a store's change notifications across hosts (PostgreSQL's LISTEN/NOTIFY): every
 * handle made by {@link WatchBus.handle} tells every watcher, on any handle, after each write that
 * committed, in a later microtask (as a notification arrives after the commit).
 */
export class WatchBus {
  readonly #listeners = new Set<(change: CallStoreChange) => void>();
  /** Notifications sent. */
  notifications = 0;

  /** Watches open now, on every handle. */
  get watching(): number {
    return this.#listeners.size;
  }

  /**
   * A handle on `store` with `watch`: its own `close` leaves the shared store open (each host
   * closes its handle; the test closes the store).
   */
  handle(store: CallStore): CallStore {
    const watch = async (onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch> => {
      const listener = (change: CallStoreChange): void => onChange(change);
      this.#listeners.add(listener);
      return {
        close: async () => {
          this.#listeners.delete(listener);
        },
      };
    };
    return new Proxy(store, {
      get: (target, property) => {
        if (property === 'watch') return watch;
        if (property === 'close') return async () => undefined;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (!WRITES.has(property)) return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          queueMicrotask(() => this.#notify({ events: true }));
          return result;
        };
      },
    });
  }

  #notify(change: CallStoreChange): void {
    this.notifications++;
    for (const listener of [...this.#listeners]) listener(change);
  }
}

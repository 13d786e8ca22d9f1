// Owns: the store's change notifications for a running scheduler. When the store can `watch`
// (PostgreSQL's LISTEN/NOTIFY), a call that another process or host makes due earlier than
// anything announced before re-arms the one timer at once, instead of at the next slow re-read.
// Notifications are hints: the re-read stays as the safety net, and a watch that cannot be opened
// is reported as `scheduler:error` and leaves the scheduler on the re-read alone.
import type { CallStore, CallStoreChange, CallStoreWatch } from '../store/call-store.js';

/** What a {@link StoreWatcher} is given. */
export interface StoreWatcherDeps {
  /** The store (watched only when it has `watch`). */
  readonly store: CallStore;
  /** Something is due at `at` (a call, or a series to plan): re-arm the timer no later than then. */
  onDue(at: number): void;
  /** Reports a failure to open or close the watch. */
  reportError(error: unknown, operation: string): void;
}

/** Subscribes a running scheduler to its store's change notifications. */
export class StoreWatcher {
  readonly #deps: StoreWatcherDeps;
  #watch: CallStoreWatch | null = null;
  #stopped = false;

  /** A watcher over `deps.store`. */
  constructor(deps: StoreWatcherDeps) {
    this.#deps = deps;
  }

  /** True while notifications are subscribed. */
  get watching(): boolean {
    return this.#watch !== null;
  }

  /** Opens the watch (once); resolves when it is open or has failed. */
  async start(): Promise<void> {
    const { store } = this.#deps;
    if (store.watch === undefined || this.#watch !== null || this.#stopped) return;
    try {
      const watch = await store.watch((change: CallStoreChange) => {
        if (change.dueAt !== undefined && !this.#stopped) this.#deps.onDue(change.dueAt);
      });
      if (this.#stopped) await watch.close();
      else this.#watch = watch;
    } catch (error) {
      this.#deps.reportError(error, 'watch');
    }
  }

  /** Closes the watch; no notification reaches the scheduler afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const watch = this.#watch;
    this.#watch = null;
    if (watch === null) return;
    try {
      await watch.close();
    } catch (error) {
      this.#deps.reportError(error, 'watch');
    }
  }
}

import { MemoryStore } from '@call-scheduler/store-memory';
import {
  GuardedCallStore,
  type CallInsert,
  type CallStoreChange,
  type CallStoreDriver,
  type CallStoreWatch,
  type CallUpdate,
  type ClaimOptions,
  type InsertResult,
  type UpdateResult,
} from '../src/index.js';
import { testCallStore } from '../src/testing/index.js';

// The suite's two-handle and watch() tests, run where they can be debugged without a database:
// two guarded handles on one MemoryStore, with change notifications through an in-process bus
// (as LISTEN/NOTIFY would bring them from another connection). PostgresStore runs the same tests
// for real.

/** What the handles of one store share: the watchers and the earliest due time announced. */
class ChangeBus {
  readonly listeners = new Set<(change: CallStoreChange) => void>();
  announced = Number.POSITIVE_INFINITY;

  emit(change: CallStoreChange): void {
    for (const listener of [...this.listeners]) {
      // Delivered later, like a notification from another connection; never after its watch closed.
      queueMicrotask(() => {
        if (this.listeners.has(listener)) listener(change);
      });
    }
  }
}

/** One handle: passes every operation to `inner`, announcing on `bus` what changed; the `owner` handle closes `inner`. */
class WatchingDriver implements CallStoreDriver {
  readonly name = 'WatchingStore';

  constructor(readonly inner: MemoryStore, readonly bus: ChangeBus, readonly owner: boolean) {}

  async close(): Promise<void> {
    if (this.owner) await this.inner.close();
  }

  async #changed(events: boolean): Promise<void> {
    const next = await this.inner.nextWakeUpAt();
    const change: { dueAt?: number; events?: boolean } = {};
    if (next !== null && next < this.bus.announced) {
      this.bus.announced = next;
      change.dueAt = next;
    }
    if (events) change.events = true;
    if (change.dueAt !== undefined || events) this.bus.emit(change);
  }

  async insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    const results = await this.inner.insertCalls(items);
    await this.#changed(results.some((r) => r.events.length > 0));
    return results;
  }

  async claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    const results = await this.inner.claimDueCalls(options);
    await this.#changed(results.length > 0);
    return results;
  }

  async claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    const results = await this.inner.claimExpiredLeases(options);
    await this.#changed(results.length > 0);
    return results;
  }

  async updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    const result = await this.inner.updateCall(update);
    await this.#changed(result !== undefined && result.events.length > 0);
    return result;
  }

  async watch(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch> {
    this.bus.listeners.add(onChange);
    return {
      close: async () => {
        this.bus.listeners.delete(onChange);
      },
    };
  }

  getCall = (id: string) => this.inner.getCall(id);
  getCallDetails = (id: string) => this.inner.getCallDetails(id);
  findCallByProviderCallId = (id: string) => this.inner.findCallByProviderCallId(id);
  listCalls: CallStoreDriver['listCalls'] = (query) => this.inner.listCalls(query);
  listEvents: CallStoreDriver['listEvents'] = (query) => this.inner.listEvents(query);
  eventLogHead = () => this.inner.eventLogHead();
  nextWakeUpAt = () => this.inner.nextWakeUpAt();
  countAttempts: CallStoreDriver['countAttempts'] = (query) => this.inner.countAttempts(query);
}

const shared = new WeakMap<GuardedCallStore, { inner: MemoryStore; bus: ChangeBus }>();

function openStore(): GuardedCallStore {
  const inner = new MemoryStore();
  const bus = new ChangeBus();
  const store = new GuardedCallStore(new WatchingDriver(inner, bus, true));
  shared.set(store, { inner, bus });
  return store;
}

testCallStore(openStore, {
  name: 'CallStore conformance: two watching handles on one MemoryStore',
  openPeer: (store) => {
    const { inner, bus } = shared.get(store as GuardedCallStore)!;
    return new GuardedCallStore(new WatchingDriver(inner, bus, false));
  },
  // The driver forwards no purgeCalls: those tests report themselves skipped.
});

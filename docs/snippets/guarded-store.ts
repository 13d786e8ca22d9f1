import { GuardedCallStore } from '@call-scheduler/core';
import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStore,
  CallStoreDriver,
  CallUpdate,
  ClaimOptions,
  EventCursor,
  EventListQuery,
  EventPage,
  InsertResult,
  UpdateResult,
} from '@call-scheduler/core';

/**
 * The storage half of a store. The guard calls `open` once and `close` once, and calls the other
 * methods only while the store is open and the arguments passed the shared checks. Here every
 * operation goes to a store made elsewhere (a vendor's, a generated client); a database driver
 * runs its SQL instead.
 */
class ForwardingDriver implements CallStoreDriver {
  readonly name = 'ForwardingStore';
  readonly #inner: CallStore;

  constructor(inner: CallStore) {
    this.#inner = inner;
  }

  async open(): Promise<void> {
    await this.#inner.init?.();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }

  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return this.#inner.insertCalls(items);
  }

  getCall(id: string): Promise<CallRecord | undefined> {
    return this.#inner.getCall(id);
  }

  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return this.#inner.getCallDetails(id);
  }

  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return this.#inner.findCallByProviderCallId(providerCallId);
  }

  listCalls(query: CallListQuery): Promise<CallPage> {
    return this.#inner.listCalls(query);
  }

  listEvents(query: EventListQuery): Promise<EventPage> {
    return this.#inner.listEvents(query);
  }

  eventLogHead(): Promise<EventCursor | null> {
    return this.#inner.eventLogHead();
  }

  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    return this.#inner.claimDueCalls(options);
  }

  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    return this.#inner.claimExpiredLeases(options);
  }

  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return this.#inner.updateCall(update);
  }

  nextWakeUpAt(): Promise<number | null> {
    return this.#inner.nextWakeUpAt();
  }

  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return this.#inner.countAttempts(query);
  }
}

/** A store with the guard's guarantees: init once, STORE_CLOSED after close, checked arguments. */
export class ForwardingStore extends GuardedCallStore {
  constructor(inner: CallStore) {
    super(new ForwardingDriver(inner));
  }
}

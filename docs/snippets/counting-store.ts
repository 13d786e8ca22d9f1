import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStore,
  CallStoreFeatures,
  CallUpdate,
  ClaimOptions,
  EventCursor,
  EventListQuery,
  EventPage,
  InsertResult,
  UpdateResult,
} from '@call-scheduler/core';

/** What {@link CountingStore} counts: the numbers worth a dashboard. */
export interface StoreCounts {
  /** Calls inserted (idempotent repeats excluded). */
  inserted: number;
  /** Calls claimed for a dial. */
  claimed: number;
  /** Calls taken over after their lease expired (a scheduler died or stalled). */
  recovered: number;
  /** Conditional writes refused: a stale fencing token, another status or version. */
  refused: number;
}

/**
 * A CallStore that forwards every operation to another store and counts what matters. The same
 * shape serves any store: implement each method of the contract, keep writes atomic, take `now`
 * from the arguments (never from a clock), and prove it with testCallStore().
 */
export class CountingStore implements CallStore {
  readonly counts: StoreCounts = { inserted: 0, claimed: 0, recovered: 0, refused: 0 };
  readonly #inner: CallStore;

  constructor(inner: CallStore) {
    this.#inner = inner;
  }

  get features(): CallStoreFeatures {
    return this.#inner.features ?? {};
  }

  async init(): Promise<void> {
    await this.#inner.init?.();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }

  async insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    const results = await this.#inner.insertCalls(items);
    this.counts.inserted += results.filter((r) => r.created).length;
    return results;
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

  async claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    const claimed = await this.#inner.claimDueCalls(options);
    this.counts.claimed += claimed.length;
    return claimed;
  }

  async claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    const recovered = await this.#inner.claimExpiredLeases(options);
    this.counts.recovered += recovered.length;
    return recovered;
  }

  async updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    const result = await this.#inner.updateCall(update);
    if (result === undefined) this.counts.refused += 1;
    return result;
  }

  nextWakeUpAt(): Promise<number | null> {
    return this.#inner.nextWakeUpAt();
  }

  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return this.#inner.countAttempts(query);
  }
}

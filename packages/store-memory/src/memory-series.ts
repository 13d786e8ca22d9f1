// Owns: the SeriesStore half of MemoryStore (recurring calls): series records, the unique
// (seriesId, occurrenceAt) index, and listing a series' calls. The calls themselves stay in the
// MemoryStore driver; this keeps only which call is which occurrence.
import type {
  CallListQuery,
  CallPage,
  CallRecord,
  CallSeriesRecord,
  CallStatus,
  CallStoreDriver,
  InsertSeriesResult,
  MaterializeOccurrences,
  MaterializeResult,
  NewCallSeriesRecord,
  OccurrenceCallRecord,
  SeriesListQuery,
  SeriesPage,
  SeriesStore,
  SeriesUpdate,
  SeriesUpdateResult,
} from '@call-scheduler/core';
import { decodeListCursor, encodeListCursor, invalidInput, seriesMethods } from '@call-scheduler/core/internal';

/** The parts of the MemoryStore driver the series half uses (each runs without a real `await`). */
type CallDriver = Pick<CallStoreDriver, 'insertCalls' | 'getCall' | 'updateCall' | 'listCalls'>;

/** Where an occurrence call belongs. */
interface OccurrenceKey {
  readonly seriesId: string;
  readonly occurrenceAt: number;
}

/** The query of {@link SeriesStore.listSeriesOccurrences}. */
type OccurrencesQuery = Parameters<SeriesStore['listSeriesOccurrences']>[0];

/**
 * Series for the in-memory store. Every method decides and reserves before its first `await`
 * (the MemoryStore driver's own methods never really wait), so a step or change is atomic in
 * one process: a second step on the same version sees the new version and is refused.
 */
export class MemorySeries implements SeriesStore {
  readonly #calls: CallDriver;
  #series = new Map<string, CallSeriesRecord>();
  /** idempotencyKey -> series id. */
  #byKey = new Map<string, string>();
  /** series id -> occurrenceAt -> call id: the unique (seriesId, occurrenceAt) index. */
  #occurrences = new Map<string, Map<number, string>>();
  /** call id -> its series and occurrence. */
  #keyOfCall = new Map<string, OccurrenceKey>();

  /** Keeps series next to the calls of `calls`. */
  constructor(calls: CallDriver) {
    this.#calls = calls;
  }

  /** Drops every series. */
  clear(): void {
    this.#series = new Map();
    this.#byKey = new Map();
    this.#occurrences = new Map();
    this.#keyOfCall = new Map();
  }

  /** See {@link SeriesStore.insertSeries}. */
  async insertSeries(record: NewCallSeriesRecord): Promise<InsertSeriesResult> {
    const existing = record.idempotencyKey === null ? undefined : this.#byKey.get(record.idempotencyKey);
    if (existing !== undefined) return { series: structuredClone(this.#series.get(existing) as CallSeriesRecord), created: false };
    if (this.#series.has(record.id)) throw invalidInput([{ path: 'id', message: `a series with id ${record.id} is already stored`, rule: 'custom' }], 'series');
    const stored: CallSeriesRecord = structuredClone({ ...record, version: 1, updatedAt: record.createdAt });
    this.#series.set(stored.id, stored);
    if (stored.idempotencyKey !== null) this.#byKey.set(stored.idempotencyKey, stored.id);
    this.#occurrences.set(stored.id, new Map());
    return { series: structuredClone(stored), created: true };
  }

  /** See {@link SeriesStore.getSeries}. */
  async getSeries(id: string): Promise<CallSeriesRecord | undefined> {
    const found = this.#series.get(id);
    return found === undefined ? undefined : structuredClone(found);
  }

  /** See {@link SeriesStore.listSeries}: the cursor is a list cursor naming the last series id. */
  async listSeries(query: SeriesListQuery): Promise<SeriesPage> {
    const after = query.cursor === null ? null : decodeListCursor(query.cursor);
    const sorted = [...this.#series.values()]
      .filter((s) => (query.statuses === undefined || query.statuses.includes(s.status)) && (query.to === undefined || s.to === query.to))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (query.order === 'desc') sorted.reverse();
    const rest = after === null ? sorted : sorted.filter((s) => (query.order === 'asc' ? s.id > after : s.id < after));
    const items = rest.slice(0, query.limit).map((s) => structuredClone(s));
    const last = items.at(-1);
    return { items, nextCursor: rest.length > query.limit && last !== undefined ? encodeListCursor(last.id) : null };
  }

  /** See {@link SeriesStore.listDueSeries}. */
  async listDueSeries(options: { readonly now: number; readonly limit: number }): Promise<CallSeriesRecord[]> {
    return [...this.#series.values()]
      .filter((s) => s.status === 'active' && s.planAt !== null && s.planAt <= options.now)
      .sort((a, b) => (a.planAt as number) - (b.planAt as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, options.limit)
      .map((s) => structuredClone(s));
  }

  /** See {@link SeriesStore.nextSeriesPlanAt}. O(series). */
  async nextSeriesPlanAt(): Promise<number | null> {
    let next: number | null = null;
    for (const s of this.#series.values()) {
      if (s.status === 'active' && s.planAt !== null && (next === null || s.planAt < next)) next = s.planAt;
    }
    return next;
  }

  /** See {@link SeriesStore.materializeOccurrences}. */
  async materializeOccurrences(step: MaterializeOccurrences): Promise<MaterializeResult> {
    const current = this.#series.get(step.seriesId);
    if (current === undefined || current.version !== step.expectVersion) {
      return { ok: false, series: current === undefined ? undefined : structuredClone(current) };
    }
    const index = this.#occurrences.get(step.seriesId) as Map<number, string>;
    const batch = new Map<number, string>();
    const plan = step.occurrences.map((insert) => {
      const at = insert.call.occurrenceAt;
      const existing = index.get(at) ?? batch.get(at);
      if (existing === undefined) batch.set(at, insert.call.id);
      return { insert, existing };
    });
    const updated: CallSeriesRecord = structuredClone({ ...current, ...step.patch, version: current.version + 1, updatedAt: step.now });
    // Reserve before the first await: a concurrent step now meets the new version.
    this.#series.set(updated.id, updated);
    for (const [at, callId] of batch) {
      index.set(at, callId);
      this.#keyOfCall.set(callId, { seriesId: step.seriesId, occurrenceAt: at });
    }
    const fresh = plan.filter((p) => p.existing === undefined).map(({ insert }) => {
      const { seriesId: _seriesId, occurrenceAt: _occurrenceAt, ...call } = insert.call;
      return { call, events: insert.events };
    });
    let inserted;
    try {
      inserted = await this.#calls.insertCalls(fresh);
    } catch (error) {
      // Nothing of the step stays (a call id already in use): undo the reservation.
      if (this.#series.get(updated.id) === updated) this.#series.set(current.id, current);
      for (const [at, callId] of batch) {
        if (index.get(at) === callId) index.delete(at);
        this.#keyOfCall.delete(callId);
      }
      throw error;
    }
    const eventsOf = new Map(inserted.map((r) => [r.call.id, r.events]));
    const occurrences: { call: OccurrenceCallRecord; created: boolean; events: CallEventList }[] = [];
    for (const { insert, existing } of plan) {
      const call = await this.#calls.getCall(existing ?? insert.call.id);
      if (call === undefined) continue; // an existing occurrence whose call was purged since
      occurrences.push({
        call: { ...call, seriesId: step.seriesId, occurrenceAt: insert.call.occurrenceAt },
        created: existing === undefined,
        events: existing === undefined ? (eventsOf.get(insert.call.id) ?? []) : [],
      });
    }
    return { ok: true, series: structuredClone(updated), occurrences };
  }

  /** See {@link SeriesStore.updateSeries}. Only calls of this series are canceled. */
  async updateSeries(update: SeriesUpdate): Promise<SeriesUpdateResult> {
    const current = this.#series.get(update.seriesId);
    if (current === undefined || current.version !== update.expectVersion) {
      return { ok: false, series: current === undefined ? undefined : structuredClone(current) };
    }
    const updated: CallSeriesRecord = structuredClone({ ...current, ...update.patch, version: current.version + 1, updatedAt: update.now });
    this.#series.set(updated.id, updated);
    // The driver's updateCall decides and writes without waiting, so each cancel is started (and
    // done) here, before this method first yields.
    const cancels = (update.cancelCalls ?? [])
      .filter(({ callId }) => this.#keyOfCall.get(callId)?.seriesId === update.seriesId)
      .map(({ callId, events }) =>
        this.#calls
          .updateCall({ id: callId, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null, endedAt: update.now }, events, now: update.now })
          .then((result) => (result === undefined ? null : callId)),
      );
    const canceled = await Promise.all(cancels);
    return { ok: true, series: structuredClone(updated), canceledCallIds: canceled.filter((id): id is string => id !== null) };
  }

  /** See {@link SeriesStore.listSeriesOccurrences}: the cursor is a list cursor naming the last `occurrenceAt`. */
  async listSeriesOccurrences(query: OccurrencesQuery): Promise<{ readonly items: readonly OccurrenceCallRecord[]; readonly nextCursor: string | null }> {
    const after = query.cursor === null ? null : Number(decodeListCursor(query.cursor));
    if (after !== null && !Number.isFinite(after)) {
      throw invalidInput([{ path: 'cursor', message: 'is not a cursor returned by a previous page', rule: 'invalid_cursor' }], 'series occurrences query');
    }
    const entries = [...(this.#occurrences.get(query.seriesId) ?? new Map<number, string>()).entries()].sort((a, b) => a[0] - b[0]);
    if (query.order === 'desc') entries.reverse();
    const items: OccurrenceCallRecord[] = [];
    let more = false;
    for (const [at, callId] of entries) {
      if (after !== null && (query.order === 'asc' ? at <= after : at >= after)) continue;
      const call = await this.#calls.getCall(callId);
      if (call === undefined) continue; // purged
      if (query.statuses !== undefined && !query.statuses.includes(call.status)) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push({ ...call, seriesId: query.seriesId, occurrenceAt: at });
    }
    const last = items.at(-1);
    return { items, nextCursor: more && last !== undefined ? encodeListCursor(String(last.occurrenceAt)) : null };
  }

  /** `listCalls` with `seriesId`: the series' calls by id, with the query's other filters and keyset page. */
  async listSeriesCalls(query: CallListQuery & { readonly seriesId: string }): Promise<CallPage> {
    const after = query.cursor === null ? null : decodeListCursor(query.cursor);
    const ids = [...(this.#occurrences.get(query.seriesId)?.values() ?? [])].sort();
    if (query.order === 'desc') ids.reverse();
    const statuses = query.statuses === undefined ? null : new Set<CallStatus>(query.statuses);
    const items: CallRecord[] = [];
    let more = false;
    for (const id of ids) {
      if (after !== null && (query.order === 'asc' ? id <= after : id >= after)) continue;
      const call = await this.#calls.getCall(id);
      if (call === undefined) continue;
      if (statuses !== null && !statuses.has(call.status)) continue;
      if (query.to !== undefined && call.to !== query.to) continue;
      if (query.atFrom !== undefined && call.at < query.atFrom) continue;
      if (query.atUntil !== undefined && call.at >= query.atUntil) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(call);
    }
    const last = items.at(-1);
    return { items, nextCursor: more && last !== undefined ? encodeListCursor(last.id) : null };
  }
}

type CallEventList = Awaited<ReturnType<CallDriver['insertCalls']>>[number]['events'];

/**
 * Gives a MemoryStore driver the series methods (and `listCalls` the `seriesId` filter), so that
 * the store's guard exposes them. Returns the same driver.
 */
export function withMemorySeries<D extends CallDriver & { close?(): Promise<void> }>(driver: D): D & SeriesStore {
  const series = new MemorySeries(driver);
  const listCalls = driver.listCalls.bind(driver);
  const close = driver.close?.bind(driver);
  const methods: SeriesStore & Pick<CallDriver, 'listCalls'> & { close(): Promise<void> } = {
    ...seriesMethods(series, listCalls),
    close: async () => {
      series.clear();
      await close?.();
    },
  };
  return Object.assign(driver, methods);
}

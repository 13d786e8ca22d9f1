import { MemoryStore } from '@call-scheduler/store-memory';
import type { CallRecord } from '../src/store/call-record.js';
import type { CallStore } from '../src/store/call-store.js';
import type { CallSeriesRecord, MaterializeResult, OccurrenceCallRecord, SeriesStore, SeriesUpdateResult } from '../src/series/series-store.js';

/**
 * The smallest series store that keeps the contract: series and the (seriesId, occurrenceAt)
 * index in maps, calls in a MemoryStore. Every check and reservation happens before the first
 * `await`, so in one process each step is atomic. It proves that the conformance suite can be
 * passed (and, with the version check or the unique index taken out, the suite's tests on them
 * fail).
 */
export function referenceStore(): CallStore & SeriesStore {
  const calls = new MemoryStore();
  const series = new Map<string, CallSeriesRecord>();
  const byKey = new Map<string, string>(); // idempotencyKey -> series id
  const occurrences = new Map<string, Map<number, string>>(); // series id -> occurrenceAt -> call id

  const withSeries = (call: CallRecord, seriesId: string, occurrenceAt: number): OccurrenceCallRecord => ({ ...call, seriesId, occurrenceAt });
  const occurrenceCall = async (seriesId: string, occurrenceAt: number, callId: string): Promise<OccurrenceCallRecord> => {
    const call = await calls.getCall(callId);
    if (call === undefined) throw new Error(`occurrence call ${callId} is missing`);
    return withSeries(call, seriesId, occurrenceAt);
  };
  const page = <T>(items: T[], key: (item: T) => string, limit: number, cursor: string | null): { items: T[]; nextCursor: string | null } => {
    const start = cursor === null ? 0 : items.findIndex((item) => key(item) === cursor) + 1;
    const slice = items.slice(start, start + limit);
    const last = slice.at(-1);
    return { items: slice, nextCursor: start + limit < items.length && last !== undefined ? key(last) : null };
  };

  const methods: SeriesStore = {
    async insertSeries(record) {
      const existing = record.idempotencyKey === null ? undefined : byKey.get(record.idempotencyKey);
      if (existing !== undefined) return { series: series.get(existing) as CallSeriesRecord, created: false };
      const stored: CallSeriesRecord = structuredClone({ ...record, version: 1, updatedAt: record.createdAt });
      series.set(stored.id, stored);
      if (stored.idempotencyKey !== null) byKey.set(stored.idempotencyKey, stored.id);
      occurrences.set(stored.id, new Map());
      return { series: structuredClone(stored), created: true };
    },
    async getSeries(id) {
      const found = series.get(id);
      return found === undefined ? undefined : structuredClone(found);
    },
    async listSeries(query) {
      const sorted = [...series.values()]
        .filter((s) => (query.statuses === undefined || query.statuses.includes(s.status)) && (query.to === undefined || s.to === query.to))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      if (query.order === 'desc') sorted.reverse();
      return page(sorted.map((s) => structuredClone(s)), (s) => s.id, query.limit, query.cursor);
    },
    async listDueSeries({ now, limit }) {
      return [...series.values()]
        .filter((s) => s.status === 'active' && s.planAt !== null && s.planAt <= now)
        .sort((a, b) => (a.planAt as number) - (b.planAt as number) || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map((s) => structuredClone(s));
    },
    async nextSeriesPlanAt() {
      const times = [...series.values()].filter((s) => s.status === 'active' && s.planAt !== null).map((s) => s.planAt as number);
      return times.length === 0 ? null : Math.min(...times);
    },
    async materializeOccurrences(step): Promise<MaterializeResult> {
      const current = series.get(step.seriesId);
      if (current === undefined || current.version !== step.expectVersion) {
        return { ok: false, series: current === undefined ? undefined : structuredClone(current) };
      }
      const index = occurrences.get(step.seriesId) as Map<number, string>;
      const plan = step.occurrences.map((insert) => {
        const existing = index.get(insert.call.occurrenceAt);
        if (existing === undefined) index.set(insert.call.occurrenceAt, insert.call.id);
        return { insert, existing };
      });
      const updated: CallSeriesRecord = { ...current, ...step.patch, version: current.version + 1, updatedAt: step.now };
      series.set(updated.id, updated);
      const fresh = plan.filter((p) => p.existing === undefined).map((p) => {
        const { seriesId: _s, occurrenceAt: _o, ...call } = p.insert.call;
        return { call, events: p.insert.events };
      });
      const insertedResults = await calls.insertCalls(fresh);
      const eventsOf = new Map(insertedResults.map((r) => [r.call.id, r.events]));
      const results = await Promise.all(
        plan.map(async ({ insert, existing }) => ({
          call: await occurrenceCall(step.seriesId, insert.call.occurrenceAt, existing ?? insert.call.id),
          created: existing === undefined,
          events: existing === undefined ? (eventsOf.get(insert.call.id) ?? []) : [],
        })),
      );
      return { ok: true, series: structuredClone(updated), occurrences: results };
    },
    async updateSeries(update): Promise<SeriesUpdateResult> {
      const current = series.get(update.seriesId);
      if (current === undefined || current.version !== update.expectVersion) {
        return { ok: false, series: current === undefined ? undefined : structuredClone(current) };
      }
      const updated: CallSeriesRecord = { ...current, ...structuredClone(update.patch), version: current.version + 1, updatedAt: update.now };
      series.set(updated.id, updated);
      const canceledCallIds: string[] = [];
      for (const { callId, events } of update.cancelCalls ?? []) {
        const result = await calls.updateCall({ id: callId, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null, endedAt: update.now }, events, now: update.now });
        if (result !== undefined) canceledCallIds.push(callId);
      }
      return { ok: true, series: structuredClone(updated), canceledCallIds };
    },
    async listSeriesOccurrences(query) {
      const index = occurrences.get(query.seriesId) ?? new Map<number, string>();
      const entries = [...index.entries()].sort((a, b) => a[0] - b[0]);
      if (query.order === 'desc') entries.reverse();
      const all = await Promise.all(entries.map(([at, id]) => occurrenceCall(query.seriesId, at, id)));
      const filtered = all.filter((c) => query.statuses === undefined || query.statuses.includes(c.status));
      return page(filtered, (c) => String(c.occurrenceAt), query.limit, query.cursor);
    },
  };
  const listCalls = calls.listCalls.bind(calls);
  const bySeries: Pick<CallStore, 'listCalls'> = {
    async listCalls(query) {
      if (query.seriesId === undefined) return listCalls(query);
      const ids = [...(occurrences.get(query.seriesId)?.values() ?? [])].sort();
      if (query.order === 'desc') ids.reverse();
      const found = await Promise.all(ids.map((id) => calls.getCall(id)));
      const matching = found.filter((c): c is CallRecord => c !== undefined && (query.statuses === undefined || query.statuses.includes(c.status)));
      const start = query.cursor === null ? 0 : matching.findIndex((c) => c.id === query.cursor) + 1;
      const slice = matching.slice(start, start + query.limit);
      const last = slice.at(-1);
      return { items: slice, nextCursor: start + query.limit < matching.length && last !== undefined ? last.id : null };
    },
  };
  return Object.assign(calls, methods, bySeries);
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewCallEvent, NewCallRecord } from '../store/call-record.js';
import type { CallStore } from '../store/call-store.js';
import { FakeClock } from '../testing/fake-clock.js';
import { callFixture, callInsertFixture, seriesFixture } from '../testing/fixtures.js';
import { createIdGenerator } from '../util/ids.js';
import type { CallSeriesRecord, NewCallSeriesRecord, OccurrenceInsert, SeriesCursorPatch, SeriesStore } from './series-store.js';

/** Options of {@link testSeriesStore}. */
export interface SeriesStoreConformanceOptions {
  /** The title of the `describe` block. @default 'SeriesStore conformance' */
  readonly name?: string;
}

/** 2026-01-01T00:00:00Z: the suite's "now" unless a test says otherwise. */
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NUMBER_A = '+14155550101';
const NUMBER_B = '+14155550102';

/**
 * The conformance suite of the {@link SeriesStore} methods: every store that supports series must
 * pass it, next to `testCallStore()`. Call it at the top level of a vitest test file; `makeStore`
 * is called before each test (a fresh, empty store each time), then `init()`; `close()` runs
 * after each test.
 *
 * It checks the promises the scheduler builds on: a step writes its occurrence calls and moves
 * the cursor atomically and only on the expected version; (seriesId, occurrenceAt) is unique, so
 * a replayed step never creates an occurrence twice; two concurrent steps on one version let
 * exactly one through; occurrence calls are ordinary calls (claimable, listed, with events).
 *
 * @example
 * ```ts
 * import { testSeriesStore } from '@call-scheduler/core/testing';
 * import { MemoryStore } from '../src/index.js';
 * testSeriesStore(() => new MemoryStore());
 * ```
 */
export function testSeriesStore(
  makeStore: () => (CallStore & SeriesStore) | Promise<CallStore & SeriesStore>,
  options: SeriesStoreConformanceOptions = {},
): void {
  describe(options.name ?? 'SeriesStore conformance', () => {
    let store: CallStore & SeriesStore;
    let nextId: () => string;

    beforeEach(async () => {
      nextId = createIdGenerator(new FakeClock('2026-01-01T00:00:00Z'));
      store = await makeStore();
      await store.init?.();
    });

    afterEach(async () => {
      await store.close?.();
    });

    const newSeries = (overrides: Partial<NewCallSeriesRecord> = {}): NewCallSeriesRecord => seriesFixture({ id: nextId(), to: NUMBER_A, ...overrides });

    const occurrence = (seriesId: string, occurrenceAt: number, overrides: Partial<NewCallRecord> = {}): OccurrenceInsert =>
      callInsertFixture({ ...callFixture({ id: nextId(), to: NUMBER_A, at: occurrenceAt, dueAt: occurrenceAt, ...overrides }), seriesId, occurrenceAt });

    const cursor = (series: CallSeriesRecord, nextOccurrenceAt: number | null, created: number): SeriesCursorPatch => ({
      nextOccurrenceAt,
      lastOccurrenceAt: series.nextOccurrenceAt,
      occurrencesCreated: series.occurrencesCreated + created,
      planAt: nextOccurrenceAt === null ? null : nextOccurrenceAt - 60_000,
      status: nextOccurrenceAt === null ? 'ended' : 'active',
      endReason: nextOccurrenceAt === null ? 'count' : null,
      endedAt: nextOccurrenceAt === null ? T0 : null,
    });

    const inserted = async (overrides: Partial<NewCallSeriesRecord> = {}): Promise<CallSeriesRecord> => {
      const result = await store.insertSeries(newSeries(overrides));
      expect(result.created).toBe(true);
      return result.series;
    };

    describe('series records', () => {
      it('inserts a series with version 1 and reads back every field', async () => {
        const input = newSeries({
          startAt: T0,
          endAt: T0 + 100 * DAY,
          count: 10,
          skipDates: ['2026-01-19', '2026-02-16'],
          excludedOccurrences: [T0 + 3 * DAY],
          catchUp: 'latest',
          window: { mon: [{ start: '09:00', end: '17:00' }] },
          expiresAfterMs: 2 * HOUR,
          retry: { busy: { delaysMs: [60_000], maxAttempts: 2 } },
          metadata: { plan: 'check-in', nested: { n: [1, 2] } },
          idempotencyKey: 'series-key',
          disambiguation: 'later',
        });
        const { series, created } = await store.insertSeries(input);
        expect(created).toBe(true);
        expect(series).toEqual({ ...input, version: 1, updatedAt: input.createdAt });
        expect(await store.getSeries(input.id)).toEqual(series);
        expect(await store.getSeries('no-such-series')).toBeUndefined();
      });

      it('returns the first series for a repeated idempotency key, inserting nothing', async () => {
        const first = await inserted({ idempotencyKey: 'k1' });
        const again = await store.insertSeries(newSeries({ idempotencyKey: 'k1', to: NUMBER_B }));
        expect(again).toEqual({ series: first, created: false });
        expect((await store.listSeries({ limit: 10, cursor: null, order: 'asc' })).items).toHaveLength(1);
      });

      it('lists series by id with keyset pages, filtered by status and number', async () => {
        const all: CallSeriesRecord[] = [];
        for (let i = 0; i < 5; i++) all.push(await inserted({ to: i % 2 === 0 ? NUMBER_A : NUMBER_B, status: i === 4 ? 'paused' : 'active', planAt: i === 4 ? null : T0 }));
        const ids = all.map((s) => s.id);
        const pages: string[] = [];
        let next: string | null = null;
        do {
          const page = await store.listSeries({ limit: 2, cursor: next, order: 'asc' });
          pages.push(...page.items.map((s) => s.id));
          next = page.nextCursor;
        } while (next !== null);
        expect(pages).toEqual(ids);
        expect((await store.listSeries({ limit: 10, cursor: null, order: 'desc' })).items.map((s) => s.id)).toEqual([...ids].reverse());
        expect((await store.listSeries({ limit: 10, cursor: null, order: 'asc', to: NUMBER_B })).items.map((s) => s.id)).toEqual([ids[1], ids[3]]);
        expect((await store.listSeries({ limit: 10, cursor: null, order: 'asc', statuses: ['paused'] })).items.map((s) => s.id)).toEqual([ids[4]]);
      });

      it('lists due series (active, planAt <= now) earliest first, and gives the next planAt', async () => {
        expect(await store.nextSeriesPlanAt()).toBeNull();
        const late = await inserted({ planAt: T0 + 30 });
        const early = await inserted({ planAt: T0 + 10 });
        await inserted({ planAt: T0 + 5, status: 'paused' });
        await inserted({ planAt: null, status: 'ended', nextOccurrenceAt: null, endReason: 'count', endedAt: T0 });
        const future = await inserted({ planAt: T0 + DAY });
        expect((await store.listDueSeries({ now: T0 + 30, limit: 10 })).map((s) => s.id)).toEqual([early.id, late.id]);
        expect((await store.listDueSeries({ now: T0 + 30, limit: 1 })).map((s) => s.id)).toEqual([early.id]);
        expect(await store.listDueSeries({ now: T0, limit: 10 })).toEqual([]);
        expect(await store.nextSeriesPlanAt()).toBe(T0 + 10);
        expect(future.planAt).toBe(T0 + DAY);
      });
    });

    describe('materializeOccurrences', () => {
      it('inserts the occurrence calls and moves the cursor in one step', async () => {
        const series = await inserted();
        const insert = occurrence(series.id, T0 + HOUR);
        const result = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [insert], patch: cursor(series, T0 + DAY + HOUR, 1), now: T0 + 5 });
        if (!result.ok) throw new Error('expected the step to be written');
        expect(result.series).toEqual({ ...series, ...cursor(series, T0 + DAY + HOUR, 1), version: 2, updatedAt: T0 + 5 });
        expect(result.occurrences).toHaveLength(1);
        expect(result.occurrences[0]?.created).toBe(true);
        expect(result.occurrences[0]?.call).toMatchObject({ id: insert.call.id, seriesId: series.id, occurrenceAt: T0 + HOUR, status: 'scheduled', dueAt: T0 + HOUR, version: 1 });
        expect(result.occurrences[0]?.events.map((e) => [e.type, e.callId])).toEqual([['scheduled', insert.call.id]]);
        expect(await store.getSeries(series.id)).toEqual(result.series);
        // An ordinary call: readable, with its event, and claimable when due.
        expect((await store.getCallDetails(insert.call.id))?.events.map((e) => e.type)).toEqual(['scheduled']);
        const claimed = await store.claimDueCalls({ now: T0 + HOUR, limit: 10, owner: 'conformance', leaseExpiresAt: T0 + HOUR + 30_000 });
        expect(claimed.map((c) => c.call.id)).toEqual([insert.call.id]);
      });

      it('writes nothing on another version, and answers with the current series', async () => {
        const series = await inserted();
        const insert = occurrence(series.id, T0 + HOUR);
        const stale = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 7, occurrences: [insert], patch: cursor(series, T0 + DAY, 1), now: T0 });
        expect(stale).toEqual({ ok: false, series });
        expect(await store.getCall(insert.call.id)).toBeUndefined();
        expect((await store.listSeriesOccurrences({ seriesId: series.id, limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
        const missing = await store.materializeOccurrences({ seriesId: 'no-such-series', expectVersion: 1, occurrences: [occurrence('no-such-series', T0)], patch: cursor(series, T0 + DAY, 1), now: T0 });
        expect(missing).toEqual({ ok: false, series: undefined });
      });

      it('never creates an occurrence twice: a replayed (seriesId, occurrenceAt) returns the first call', async () => {
        const series = await inserted();
        const first = occurrence(series.id, T0 + HOUR);
        const one = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [first], patch: cursor(series, T0 + DAY, 1), now: T0 });
        if (!one.ok) throw new Error('expected the first step to be written');
        const replay = occurrence(series.id, T0 + HOUR);
        const other = occurrence(series.id, T0 + DAY);
        const two = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 2, occurrences: [replay, other], patch: cursor(one.series, T0 + 2 * DAY, 1), now: T0 + 1 });
        if (!two.ok) throw new Error('expected the second step to be written');
        expect(two.occurrences.map((o) => [o.call.id, o.created, o.events.length])).toEqual([
          [first.call.id, false, 0],
          [other.call.id, true, 1],
        ]);
        expect(await store.getCall(replay.call.id)).toBeUndefined();
        const listed = await store.listSeriesOccurrences({ seriesId: series.id, limit: 10, cursor: null, order: 'asc' });
        expect(listed.items.map((c) => c.occurrenceAt)).toEqual([T0 + HOUR, T0 + DAY]);
      });

      it('lets exactly one of two concurrent steps on the same version through', async () => {
        const series = await inserted();
        const a = occurrence(series.id, T0 + HOUR);
        const b = occurrence(series.id, T0 + HOUR);
        const results = await Promise.all([
          store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [a], patch: cursor(series, T0 + DAY, 1), now: T0 }),
          store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [b], patch: cursor(series, T0 + DAY, 1), now: T0 }),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const listed = await store.listSeriesOccurrences({ seriesId: series.id, limit: 10, cursor: null, order: 'asc' });
        expect(listed.items).toHaveLength(1);
        expect((await store.getSeries(series.id))?.version).toBe(2);
      });

      it('keeps occurrence calls of different series apart', async () => {
        const s1 = await inserted();
        const s2 = await inserted();
        for (const s of [s1, s2]) {
          const r = await store.materializeOccurrences({ seriesId: s.id, expectVersion: 1, occurrences: [occurrence(s.id, T0 + HOUR)], patch: cursor(s, T0 + DAY, 1), now: T0 });
          expect(r.ok && r.occurrences[0]?.created).toBe(true);
        }
        for (const s of [s1, s2]) {
          const listed = await store.listSeriesOccurrences({ seriesId: s.id, limit: 10, cursor: null, order: 'asc' });
          expect(listed.items.map((c) => c.seriesId)).toEqual([s.id]);
        }
      });
    });

    describe('listSeriesOccurrences', () => {
      it('pages by occurrence time both ways and filters by status', async () => {
        let series = await inserted();
        const times = [T0 + HOUR, T0 + DAY + HOUR, T0 + 2 * DAY + HOUR, T0 + 3 * DAY + HOUR];
        const ids: string[] = [];
        for (const at of times) {
          const insert = occurrence(series.id, at);
          ids.push(insert.call.id);
          const r = await store.materializeOccurrences({ seriesId: series.id, expectVersion: series.version, occurrences: [insert], patch: cursor(series, at + DAY, 1), now: T0 });
          if (!r.ok) throw new Error('expected the step to be written');
          series = r.series;
        }
        const seen: number[] = [];
        let next: string | null = null;
        do {
          const page = await store.listSeriesOccurrences({ seriesId: series.id, limit: 3, cursor: next, order: 'desc' });
          seen.push(...page.items.map((c) => c.occurrenceAt));
          next = page.nextCursor;
        } while (next !== null);
        expect(seen).toEqual([...times].reverse());
        await store.updateSeries({ seriesId: series.id, expectVersion: series.version, patch: {}, cancelCalls: [{ callId: ids[0] as string, events: [] }], now: T0 });
        const canceled = await store.listSeriesOccurrences({ seriesId: series.id, statuses: ['canceled'], limit: 10, cursor: null, order: 'asc' });
        expect(canceled.items.map((c) => c.id)).toEqual([ids[0]]);
      });
    });

    describe('listCalls by series', () => {
      it('lists only the occurrence calls of one series with seriesId, by id with keyset pages', async () => {
        const s1 = await inserted();
        const s2 = await inserted();
        const ids: string[] = [];
        let current = s1;
        for (const at of [T0 + HOUR, T0 + DAY + HOUR, T0 + 2 * DAY + HOUR]) {
          const insert = occurrence(s1.id, at);
          ids.push(insert.call.id);
          const r = await store.materializeOccurrences({ seriesId: s1.id, expectVersion: current.version, occurrences: [insert], patch: cursor(current, at + DAY, 1), now: T0 });
          if (!r.ok) throw new Error('expected the step to be written');
          current = r.series;
        }
        await store.materializeOccurrences({ seriesId: s2.id, expectVersion: 1, occurrences: [occurrence(s2.id, T0 + HOUR)], patch: cursor(s2, T0 + DAY, 1), now: T0 });
        await store.insertCalls([{ call: occurrence(s1.id, T0).call, events: [] }].map(({ call }) => {
          const { seriesId: _s, occurrenceAt: _o, ...plain } = call;
          return { call: plain, events: [] };
        }));
        const seen: string[] = [];
        let next: string | null = null;
        do {
          const page = await store.listCalls({ seriesId: s1.id, limit: 2, cursor: next, order: 'asc' });
          seen.push(...page.items.map((c) => c.id));
          next = page.nextCursor;
        } while (next !== null);
        expect(seen).toEqual(ids);
        expect((await store.listCalls({ seriesId: s1.id, limit: 10, cursor: null, order: 'desc' })).items.map((c) => c.id)).toEqual([...ids].reverse());
        expect((await store.listCalls({ seriesId: s1.id, statuses: ['canceled'], limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
        expect((await store.listCalls({ seriesId: 'no-such-series', limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
      });
    });

    describe('updateSeries', () => {
      const canceledEvent: NewCallEvent = { type: 'canceled', at: T0 + 10, attempt: null, status: 'canceled', providerStatus: null, data: { reason: 'series-paused' } };

      it('changes a series on its version and cancels its waiting occurrence calls in the same write', async () => {
        const series = await inserted();
        const waiting = occurrence(series.id, T0 + HOUR);
        const dialed = occurrence(series.id, T0 - HOUR, { dueAt: T0 - HOUR });
        const step = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [dialed, waiting], patch: cursor(series, T0 + DAY, 2), now: T0 });
        if (!step.ok) throw new Error('expected the step to be written');
        await store.claimDueCalls({ now: T0, limit: 10, owner: 'conformance', leaseExpiresAt: T0 + 30_000 }); // `dialed` is now dispatching

        const paused = await store.updateSeries({
          seriesId: series.id,
          expectVersion: 2,
          patch: { status: 'paused', planAt: null },
          cancelCalls: [
            { callId: waiting.call.id, events: [canceledEvent] },
            { callId: dialed.call.id, events: [canceledEvent] },
          ],
          now: T0 + 10,
        });
        if (!paused.ok) throw new Error('expected the change to be written');
        expect(paused.series).toMatchObject({ status: 'paused', planAt: null, version: 3, updatedAt: T0 + 10 });
        expect(paused.canceledCallIds).toEqual([waiting.call.id]);
        expect(await store.getCall(waiting.call.id)).toMatchObject({ status: 'canceled', dueAt: null, endedAt: T0 + 10 });
        expect((await store.getCallDetails(waiting.call.id))?.events.map((e) => e.type)).toEqual(['scheduled', 'canceled']);
        expect((await store.getCall(dialed.call.id))?.status).toBe('dispatching');
        expect(await store.listDueSeries({ now: T0 + DAY, limit: 10 })).toEqual([]);
        expect(await store.nextSeriesPlanAt()).toBeNull();
      });

      it('writes nothing on another version: no field changed and no call canceled', async () => {
        const series = await inserted();
        const waiting = occurrence(series.id, T0 + HOUR);
        const step = await store.materializeOccurrences({ seriesId: series.id, expectVersion: 1, occurrences: [waiting], patch: cursor(series, T0 + DAY, 1), now: T0 });
        if (!step.ok) throw new Error('expected the step to be written');
        const stale = await store.updateSeries({ seriesId: series.id, expectVersion: 1, patch: { status: 'paused', planAt: null }, cancelCalls: [{ callId: waiting.call.id, events: [canceledEvent] }], now: T0 + 10 });
        expect(stale).toEqual({ ok: false, series: step.series });
        expect((await store.getCall(waiting.call.id))?.status).toBe('scheduled');
        expect(await store.updateSeries({ seriesId: 'no-such-series', expectVersion: 1, patch: {}, now: T0 })).toEqual({ ok: false, series: undefined });
      });

      it('sets rule fields, clears nullable ones, and keeps the id, key and creation time', async () => {
        const series = await inserted({ count: 5, window: { mon: [{ start: '09:00', end: '12:00' }] }, idempotencyKey: 'keep' });
        const changed = await store.updateSeries({
          seriesId: series.id,
          expectVersion: 1,
          patch: { cron: '30 8 * * *', timeZone: 'Europe/Berlin', count: null, window: null, skipDates: ['2026-12-25'], excludedOccurrences: [T0 + DAY] },
          now: T0 + 20,
        });
        if (!changed.ok) throw new Error('expected the change to be written');
        expect(changed.series).toEqual({
          ...series,
          cron: '30 8 * * *',
          timeZone: 'Europe/Berlin',
          count: null,
          window: null,
          skipDates: ['2026-12-25'],
          excludedOccurrences: [T0 + DAY],
          version: 2,
          updatedAt: T0 + 20,
        });
        expect(await store.getSeries(series.id)).toEqual(changed.series);
      });
    });
  });
}

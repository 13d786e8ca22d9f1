import { MemoryStore } from '@call-scheduler/store-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OccurrenceSchedule } from '../src/series/occurrences.js';
import { parseScheduleSeriesInput } from '../src/series/series-input.js';
import { newSeriesRecord, planSeriesStep } from '../src/series/series-planner.js';
import { testSeriesStore } from '../src/series/series-store-conformance.js';
import { supportsSeries, type CallSeriesRecord } from '../src/series/series-store.js';
import { referenceStore } from './series-reference-store.js';

testSeriesStore(() => referenceStore(), { name: 'SeriesStore conformance (reference store)' });

describe('supportsSeries', () => {
  it('recognizes a store with series methods', () => {
    expect(supportsSeries(referenceStore())).toBe(true);
    expect(supportsSeries(new MemoryStore())).toBe(true);
    const { insertSeries: _dropped, ...partial } = referenceStore();
    expect(supportsSeries(partial)).toBe(false);
  });
});

describe('two schedulers planning one series on one store, with kills', () => {
  // Each scheduler's turn is three phases (read the due series, plan, write); the phases of the
  // two interleave in a random order, and a scheduler may be killed after reading or after
  // planning (its step is lost, as in a crash before the commit). Whatever happens, every
  // occurrence of the season exists exactly once.
  it('creates each weekday occurrence of a DST season exactly once', async () => {
    const timeZone = 'America/New_York';
    const created = Date.parse('2026-03-01T05:00:00Z');
    const parsed = parseScheduleSeriesInput(
      {
        to: '+12125550123',
        cron: '0 9 * * MON-FRI',
        timeZone,
        startAt: { local: '2026-03-01T00:00', timeZone },
        endAt: { local: '2026-11-30T23:59', timeZone },
      },
      created,
    );
    const expected = new OccurrenceSchedule({ cron: parsed.cron, timeZone, startAt: parsed.startAt, endAt: parsed.endAt }).upcoming(0, 1000).map((o) => o.at);
    await fc.assert(
      fc.asyncProperty(fc.infiniteStream(fc.nat(99)), async (dice) => {
        const store = referenceStore();
        const { series } = await store.insertSeries(newSeriesRecord(parsed, 'series-race', created));
        const roll = dice[Symbol.iterator]();
        const chance = (): number => roll.next().value as number;
        let now = series.planAt as number;
        let callIds = 0;
        for (let turn = 0; turn < 2000; turn++) {
          type Phase = { read?: CallSeriesRecord[]; plan?: { step: ReturnType<typeof planSeriesStep>; version: number; id: string }[] };
          const schedulers: Phase[] = [{}, {}];
          // Six phases, in a random interleaving that keeps each scheduler's own order.
          const order = [0, 0, 0, 1, 1, 1].sort(() => chance() - 50);
          for (const who of order) {
            const state = schedulers[who] as Phase;
            if (state.read === undefined) {
              state.read = await store.listDueSeries({ now, limit: 10 });
            } else if (state.plan === undefined) {
              state.plan = chance() < 10 ? [] : state.read.map((s) => ({ step: planSeriesStep(s, now), version: s.version, id: s.id })); // killed after reading
            } else if (chance() >= 10) {
              for (const { step, version, id } of state.plan) {
                if (step.patch === null) continue;
                await store.materializeOccurrences({
                  seriesId: id,
                  expectVersion: version,
                  occurrences: step.occurrences.map((o) => ({
                    call: { id: `call-${callIds++}`, to: o.call.to, status: 'scheduled', at: o.occurrenceAt, dueAt: o.occurrenceAt, timeZone, window: null, expiresAt: null, retry: null, idempotencyKey: null, metadata: null, error: null, createdAt: now, endedAt: null, seriesId: id, occurrenceAt: o.occurrenceAt },
                    events: [],
                  })),
                  patch: step.patch,
                  now,
                });
              }
            } // else: killed after planning, before the write
          }
          const next = await store.nextSeriesPlanAt();
          if (next === null) break;
          now = Math.max(now, next);
        }
        const listed = await store.listSeriesOccurrences({ seriesId: 'series-race', limit: 1000, cursor: null, order: 'asc' });
        expect(listed.items.map((c) => c.occurrenceAt)).toEqual(expected);
        // Every call in the store, not only the index: none doubled.
        const stored = await store.listCalls({ limit: 1000, cursor: null, order: 'asc' });
        expect(stored.items.map((c) => c.at).sort((a, b) => a - b)).toEqual(expected);
        expect((await store.getSeries('series-race'))?.status).toBe('ended');
      }),
      { numRuns: 5, seed: 42 },
    );
  });
});

import { seriesFixture } from '@call-scheduler/core/testing';
import { describe, expect, it } from 'vitest';
import { fullScans, plansOf } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { usePlanStore } from './support/plan-store.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('query plans of the series queries', () => {
  // 300 series (a third paused) and 2,000 ordinary calls: every series read walks an index.
  const rig = usePlanStore(async ({ store }) => {
    await store.insertCalls(Array.from({ length: 2_000 }, (_, i) => scheduledCall(1_000 + i)));
    for (let i = 0; i < 300; i++) {
      const id = `series-${String(i).padStart(4, '0')}`;
      const paused = i % 3 === 0;
      const nextOccurrenceAt = T0 + 9 * 3_600_000 + (i % 30) * DAY;
      await store.insertSeries(seriesFixture({ id, status: paused ? 'paused' : 'active', nextOccurrenceAt, planAt: paused ? null : nextOccurrenceAt - 60_000, createdAt: T0 }));
    }
  });

  const cases: [string, () => Promise<unknown>][] = [
    ['listDueSeries', () => rig.store.listDueSeries({ now: T0 + 3 * DAY, limit: 100 })],
    ['nextSeriesPlanAt', () => rig.store.nextSeriesPlanAt()],
    ['listSeriesOccurrences', () => rig.store.listSeriesOccurrences({ seriesId: 'series-0001', limit: 10, cursor: null, order: 'desc' })],
    ['getSeries', () => rig.store.getSeries('series-0001')],
    [
      'materializeOccurrences',
      async () => {
        const series = await rig.store.getSeries('series-0002');
        if (series === undefined) throw new Error('series-0002 is missing');
        const at = series.nextOccurrenceAt as number;
        const call = scheduledCall(at).call;
        await rig.store.materializeOccurrences({
          seriesId: series.id,
          expectVersion: series.version,
          occurrences: [{ call: { ...call, seriesId: series.id, occurrenceAt: at }, events: [] }],
          patch: { nextOccurrenceAt: at + DAY, lastOccurrenceAt: at, occurrencesCreated: 1, planAt: at + DAY - 60_000, status: 'active', endReason: null, endedAt: null },
          now: T0,
        });
      },
    ],
  ];

  for (const [name, run] of cases) {
    it(`${name} reads no whole table`, async () => {
      const plans = await plansOf(rig.recorder, run);
      for (const { sql, plan } of plans) expect(fullScans(plan), `${sql}\n${plan.join('\n')}`).toEqual([]);
    });
  }

  it('listDueSeries and nextSeriesPlanAt walk the partial index of active series', async () => {
    for (const run of [() => rig.store.listDueSeries({ now: T0 + 3 * DAY, limit: 100 }), () => rig.store.nextSeriesPlanAt()]) {
      const [first] = await plansOf(rig.recorder, run);
      expect(first?.plan.join(' ')).toContain('call_series_plan_idx');
    }
  });
});

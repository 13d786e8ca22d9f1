import { seriesFixture } from '@call-scheduler/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { fullScans, plansOf, recordingDatabase } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('query plans of the series queries', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  let recorder: ReturnType<typeof recordingDatabase>;
  let store: SqliteStore;

  // 300 series (a third paused) and 2,000 ordinary calls: every series read walks an index.
  beforeAll(async () => {
    dir = tempDir();
    recorder = recordingDatabase(dir.file('series-plans.db'));
    store = new SqliteStore({ database: recorder.database });
    await store.init();
    await store.insertCalls(Array.from({ length: 2_000 }, (_, i) => scheduledCall(1_000 + i)));
    for (let i = 0; i < 300; i++) {
      const id = `series-${String(i).padStart(4, '0')}`;
      const paused = i % 3 === 0;
      const nextOccurrenceAt = T0 + 9 * 3_600_000 + (i % 30) * DAY;
      await store.insertSeries(seriesFixture({ id, status: paused ? 'paused' : 'active', nextOccurrenceAt, planAt: paused ? null : nextOccurrenceAt - 60_000, createdAt: T0 }));
    }
  });

  afterAll(async () => {
    await store.close();
    dir?.remove();
  });

  const cases: [string, () => Promise<unknown>][] = [
    ['listDueSeries', () => store.listDueSeries({ now: T0 + 3 * DAY, limit: 100 })],
    ['nextSeriesPlanAt', () => store.nextSeriesPlanAt()],
    ['listSeriesOccurrences', () => store.listSeriesOccurrences({ seriesId: 'series-0001', limit: 10, cursor: null, order: 'desc' })],
    ['getSeries', () => store.getSeries('series-0001')],
    [
      'materializeOccurrences',
      async () => {
        const series = await store.getSeries('series-0002');
        if (series === undefined) throw new Error('series-0002 is missing');
        const at = series.nextOccurrenceAt as number;
        const call = scheduledCall(at).call;
        await store.materializeOccurrences({
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
      const plans = await plansOf(recorder, run);
      for (const { sql, plan } of plans) expect(fullScans(plan), `${sql}\n${plan.join('\n')}`).toEqual([]);
    });
  }

  it('listDueSeries and nextSeriesPlanAt walk the partial index of active series', async () => {
    for (const run of [() => store.listDueSeries({ now: T0 + 3 * DAY, limit: 100 }), () => store.nextSeriesPlanAt()]) {
      const [first] = await plansOf(recorder, run);
      expect(first?.plan.join(' ')).toContain('call_series_plan_idx');
    }
  });
});

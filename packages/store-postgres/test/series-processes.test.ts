import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixtureProcess } from '../../../test-support/child-processes.js';
import { MINUTE, OCCURRENCES, ORIGIN, SPEED, describeSeriesRace, runSeriesRace } from '../../../test-support/series-race.js';
import { PostgresStore } from '../src/index.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/series-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

const db = useTestDatabase();

describe('recurring calls across processes on one PostgreSQL schema', () => {
  afterEach(async () => {
    await killAll();
  });

  it('two schedulers, killed inside series steps and restarted: each occurrence exists exactly once', async () => {
    const schema = db.schema('cs_series_proc');
    const query = async <R>(text: string, seriesId: string): Promise<R[]> => (await db.pool().query(text, [seriesId])).rows as R[];
    const result = await runSeriesRace({
      spawn: async (id, killChance) => {
        const running = spawnFixtureProcess(SCRIPT, PACKAGE_DIR, { url: TEST_URL, schema, id, origin: ORIGIN, speed: SPEED, killChance });
        await running.waitForLine('loaded', 30_000);
        return running;
      },
      webStore: () => new PostgresStore({ pool: db.pool(), schema }),
      seriesStatus: async (seriesId) => (await query<{ status: string }>(`select status from "${schema}".call_series where id = $1`, seriesId))[0]?.status,
    });
    const rows = await query<{ at: string; n: string }>(
      `select occurrence_at as at, count(*) as n from "${schema}".calls where series_id = $1 group by occurrence_at order by occurrence_at`,
      result.seriesId,
    );
    const expected = Array.from({ length: OCCURRENCES }, (_, i) => result.startAt + i * MINUTE);
    expect(rows.map((r) => Number(r.at))).toEqual(expected);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const [all] = (await db.pool().query(`select count(*) as n from "${schema}".calls`)).rows as { n: string }[];
    expect(Number(all?.n)).toBe(OCCURRENCES);
    const [cursor] = await query<{ created: number; reason: string }>(`select occurrences_created as created, end_reason as reason from "${schema}".call_series where id = $1`, result.seriesId);
    expect(cursor).toEqual({ created: OCCURRENCES, reason: 'count' });
    expect(result.kills).toBeGreaterThan(0);
    console.log(describeSeriesRace(' (PostgreSQL)', result));
  }, 180_000);
});

import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixtureProcess } from '../../../test-support/child-processes.js';
import { MINUTE, OCCURRENCES, ORIGIN, SPEED, describeSeriesRace, runSeriesRace } from '../../../test-support/series-race.js';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/series-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('recurring calls across processes on one SQLite file', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-series-');
  });
  afterEach(async () => {
    await killAll();
    dir.remove();
  });

  it('two schedulers, killed inside series steps and restarted: each occurrence exists exactly once', async () => {
    const storeFile = dir.file('series.db');
    let read: Database.Database | undefined;
    try {
      const result = await runSeriesRace({
        spawn: async (id, killChance) => {
          const running = spawnFixtureProcess(SCRIPT, PACKAGE_DIR, { storeFile, id, origin: ORIGIN, speed: SPEED, killChance });
          await running.waitForLine('loaded', 30_000);
          return running;
        },
        webStore: () => new SqliteStore({ filename: storeFile }),
        seriesStatus: (seriesId) => {
          read ??= new Database(storeFile, { readonly: true });
          return (read.prepare('select status from call_series where id = ?').get(seriesId) as { status: string } | undefined)?.status;
        },
      });
      const db = read ?? new Database(storeFile, { readonly: true });
      read = db;
      const rows = db.prepare('select occurrence_at as at, count(*) as n from calls where series_id = ? group by occurrence_at order by occurrence_at').all(result.seriesId) as { at: number; n: number }[];
      const expected = Array.from({ length: OCCURRENCES }, (_, i) => result.startAt + i * MINUTE);
      expect(rows.map((r) => r.at)).toEqual(expected);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      // Every call in the file is an occurrence (none was inserted outside the index), and the cursor says so too.
      expect((db.prepare('select count(*) as n from calls').get() as { n: number }).n).toBe(OCCURRENCES);
      expect(db.prepare('select occurrences_created as created, end_reason as reason from call_series where id = ?').get(result.seriesId)).toEqual({ created: OCCURRENCES, reason: 'count' });
      // The kills happened inside steps (otherwise this test would prove little).
      expect(result.kills).toBeGreaterThan(0);
      console.log(describeSeriesRace('', result));
    } finally {
      read?.close();
    }
  }, 180_000);
});

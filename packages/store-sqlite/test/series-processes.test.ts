import { fileURLToPath } from 'node:url';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider } from '@call-scheduler/core/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixtureProcess, type FixtureProcess } from '../../../test-support/child-processes.js';
import { spedUpClock } from '../../../test-support/scheduler-fixture.js';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/series-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const MINUTE = 60_000;
/** Virtual ms per real ms: an every-minute series makes 10 occurrences per real second. */
const SPEED = 600;
const ORIGIN = Date.parse('2026-06-01T00:00:00Z');
const OCCURRENCES = 150;
/** Self-kills allowed in all (restarted processes after that run without). */
const MAX_KILLS = 8;
const KILL_CHANCE = 0.06;

/** Spawns the fixture and waits (bounded) until it has loaded its code. */
async function spawnLoaded(storeFile: string, id: string, killChance: number): Promise<FixtureProcess> {
  const running = spawnFixtureProcess(SCRIPT, PACKAGE_DIR, { storeFile, id, origin: ORIGIN, speed: SPEED, killChance });
  await running.waitForLine('loaded', 30_000);
  return running;
}

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
    // Two schedulers load while the web tier below schedules the series.
    const loading = [spawnLoaded(storeFile, 'scheduler-a', KILL_CHANCE), spawnLoaded(storeFile, 'scheduler-b', KILL_CHANCE)];
    // The shared clock starts once both have loaded (loading TypeScript takes seconds on a busy machine).
    const running = await Promise.all(loading);
    // A web tier that never starts: it only stores the series (its store opened and migrated first).
    const web = new SqliteStore({ filename: storeFile });
    await web.init();
    // Virtual time reaches ORIGIN two real seconds from now: scheduling the series fits before its first occurrence.
    const realStart = Date.now() + 2_000;
    const clock = spedUpClock(ORIGIN, SPEED, () => realStart);
    const webScheduler = new CallScheduler({ store: web, provider: new FakeCallProvider({ clock }), clock });
    const startAt = ORIGIN + 2 * MINUTE;
    const series = await webScheduler.scheduleSeries({ to: '+12125550123', cron: '* * * * *', timeZone: 'UTC', startAt, count: OCCURRENCES, catchUp: 'all' });
    await web.close();

    const ids = ['scheduler-a', 'scheduler-b'];
    let kills = 0;
    let restarts = 0;
    const dying: string[] = [];
    const read = new Database(storeFile, { readonly: true });
    const status = read.prepare('select status from call_series where id = ?');
    const deadline = Date.now() + 120_000;
    try {
      for (const r of running) r.child.stdin?.write(`go ${realStart}\n`);
      // Keep two schedulers running: restart each one that killed itself, until the series has ended.
      for (;;) {
        if ((status.get(series.id) as { status: string }).status === 'ended') break;
        if (Date.now() > deadline) throw new Error(`the series did not end within 120 s (${kills} kills)`);
        for (let i = 0; i < running.length; i++) {
          const r = running[i] as FixtureProcess;
          if (r.child.exitCode === null && r.child.signalCode === null) continue;
          const line = /dying (.*)\n/.exec(r.stdout());
          if (line === null) throw new Error(`${ids[i]} exited without killing itself: ${r.stderr()}`);
          dying.push(line[1] as string);
          kills += 1;
          restarts += 1;
          const next = await spawnLoaded(storeFile, `${ids[i]}-${restarts}`, kills >= MAX_KILLS ? 0 : KILL_CHANCE);
          next.child.stdin?.write(`go ${realStart}\n`);
          running[i] = next;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const rows = read.prepare('select occurrence_at as at, count(*) as n from calls where series_id = ? group by occurrence_at order by occurrence_at').all(series.id) as { at: number; n: number }[];
      const expected = Array.from({ length: OCCURRENCES }, (_, i) => startAt + i * MINUTE);
      expect(rows.map((r) => r.at)).toEqual(expected);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      // Every call in the file is an occurrence (none was inserted outside the index), and the cursor says so too.
      expect((read.prepare('select count(*) as n from calls').get() as { n: number }).n).toBe(OCCURRENCES);
      expect(read.prepare('select occurrences_created as created, end_reason as reason from call_series where id = ?').get(series.id)).toEqual({ created: OCCURRENCES, reason: 'count' });
      // The kills happened inside steps (otherwise this test would prove little).
      expect(kills).toBeGreaterThan(0);
      console.log(`series across processes: ${OCCURRENCES} occurrences, ${kills} self-kills inside steps (${dying.filter((d) => d.includes('cursor')).length} before the cursor moved, ${dying.filter((d) => d.includes('commit')).length} before the commit)`);
    } finally {
      read.close();
      for (const r of running) r.child.kill('SIGTERM');
      await Promise.all(running.map((r) => Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 5_000))])));
    }
  }, 180_000);
});

import { fileURLToPath } from 'node:url';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider } from '@call-scheduler/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnFixtureProcess, type FixtureProcess } from '../../../test-support/child-processes.js';
import { spedUpClock } from '../../../test-support/scheduler-fixture.js';
import { PostgresStore } from '../src/index.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

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

const db = useTestDatabase();

/** Spawns the fixture and waits (bounded) until it has loaded its code. */
async function spawnLoaded(schema: string, id: string, killChance: number): Promise<FixtureProcess> {
  const running = spawnFixtureProcess(SCRIPT, PACKAGE_DIR, { url: TEST_URL, schema, id, origin: ORIGIN, speed: SPEED, killChance });
  await running.waitForLine('loaded', 30_000);
  return running;
}

describe('recurring calls across processes on one PostgreSQL schema', () => {
  afterEach(async () => {
    await killAll();
  });

  it('two schedulers, killed inside series steps and restarted: each occurrence exists exactly once', async () => {
    const schema = db.schema('cs_series_proc');
    const loading = [spawnLoaded(schema, 'scheduler-a', KILL_CHANCE), spawnLoaded(schema, 'scheduler-b', KILL_CHANCE)];
    // The shared clock starts once both have loaded (loading TypeScript takes seconds on a busy machine).
    const running = await Promise.all(loading);
    // A web tier that never starts: it only stores the series (its store opened and migrated first).
    const web = new PostgresStore({ pool: db.pool(), schema });
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
    const dying: string[] = [];
    const query = async <R>(text: string): Promise<R[]> => (await db.pool().query(text, [series.id])).rows as R[];
    const deadline = Date.now() + 120_000;
    try {
      for (const r of running) r.child.stdin?.write(`go ${realStart}\n`);
      for (;;) {
        const [row] = await query<{ status: string }>(`select status from "${schema}".call_series where id = $1`);
        if (row?.status === 'ended') break;
        if (Date.now() > deadline) throw new Error(`the series did not end within 120 s (${kills} kills)`);
        for (let i = 0; i < running.length; i++) {
          const r = running[i] as FixtureProcess;
          if (r.child.exitCode === null && r.child.signalCode === null) continue;
          const line = /dying (.*)\n/.exec(r.stdout());
          if (line === null) throw new Error(`${ids[i]} exited without killing itself: ${r.stderr()}`);
          dying.push(line[1] as string);
          kills += 1;
          const next = await spawnLoaded(schema, `${ids[i]}-${kills}`, kills >= MAX_KILLS ? 0 : KILL_CHANCE);
          next.child.stdin?.write(`go ${realStart}\n`);
          running[i] = next;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const rows = await query<{ at: string; n: string }>(
        `select occurrence_at as at, count(*) as n from "${schema}".calls where series_id = $1 group by occurrence_at order by occurrence_at`,
      );
      const expected = Array.from({ length: OCCURRENCES }, (_, i) => startAt + i * MINUTE);
      expect(rows.map((r) => Number(r.at))).toEqual(expected);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      const [all] = (await db.pool().query(`select count(*) as n from "${schema}".calls`)).rows as { n: string }[];
      expect(Number(all?.n)).toBe(OCCURRENCES);
      const [cursor] = await query<{ created: number; reason: string }>(`select occurrences_created as created, end_reason as reason from "${schema}".call_series where id = $1`);
      expect(cursor).toEqual({ created: OCCURRENCES, reason: 'count' });
      expect(kills).toBeGreaterThan(0);
      console.log(`series across processes (PostgreSQL): ${OCCURRENCES} occurrences, ${kills} self-kills inside steps (${dying.filter((d) => d.includes('cursor')).length} before the cursor moved, ${dying.filter((d) => d.includes('commit')).length} before the commit)`);
    } finally {
      for (const r of running) r.child.kill('SIGTERM');
      await Promise.all(running.map((r) => Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 5_000))])));
    }
  }, 180_000);
});

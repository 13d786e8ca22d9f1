/**
 * Test-only support: the recurring-calls race of the store packages (two scheduler processes on one
 * store, killing themselves inside series steps and restarted until the series has ended). Each
 * package supplies how its fixture is spawned, its web tier's store and how the series' status is
 * read; the checks of what the store holds afterwards stay in each package.
 */
import { CallScheduler } from '@call-scheduler/core';
import type { CallStore, SeriesStore } from '@call-scheduler/core';
import { FakeCallProvider } from '@call-scheduler/core/testing';
import type { FixtureProcess } from './child-processes.js';
import { spedUpClock } from './scheduler-fixture.js';

/** One minute, in ms. */
export const MINUTE = 60_000;
/** Virtual ms per real ms: an every-minute series makes 10 occurrences per real second. */
export const SPEED = 600;
/** Virtual time when the race starts. */
export const ORIGIN = Date.parse('2026-06-01T00:00:00Z');
/** Occurrences of the series. */
export const OCCURRENCES = 150;
/** Self-kills allowed in all (restarted processes after that run without). */
const MAX_KILLS = 8;
/** The chance that a process kills itself at each of the two points of a series step. */
export const KILL_CHANCE = 0.06;

/** What {@link runSeriesRace} needs from the package. */
export interface SeriesRaceOptions {
  /** Spawns a series fixture process with `id` and `killChance` and waits until it has loaded. */
  spawn(id: string, killChance: number): Promise<FixtureProcess>;
  /** The web tier's store (not opened yet): it only stores the series. */
  webStore(): CallStore & SeriesStore;
  /** The series' status as stored now. */
  seriesStatus(seriesId: string): Promise<string | undefined> | string | undefined;
}

/** What the race did. */
export interface SeriesRaceResult {
  /** The series' id. */
  readonly seriesId: string;
  /** The first occurrence's time; occurrence i is at `startAt + i * MINUTE`. */
  readonly startAt: number;
  /** How many times a process killed itself. */
  readonly kills: number;
  /** Where each self-kill happened (`before the cursor moves`, `before the commit`). */
  readonly dying: readonly string[];
}

/**
 * Runs the race until the series has ended (at most 120 s), then stops the processes (SIGTERM,
 * at most 5 s each). Throws when a process exited without killing itself.
 */
export async function runSeriesRace(options: SeriesRaceOptions): Promise<SeriesRaceResult> {
  const ids = ['scheduler-a', 'scheduler-b'];
  // Two schedulers load while the web tier below schedules the series.
  const loading = ids.map((id) => options.spawn(id, KILL_CHANCE));
  // The shared clock starts once both have loaded (loading TypeScript takes seconds on a busy machine).
  const running = await Promise.all(loading);
  // A web tier that never starts: it only stores the series (its store opened and migrated first).
  const web = options.webStore();
  await web.init?.();
  // Virtual time reaches ORIGIN two real seconds from now: scheduling the series fits before its first occurrence.
  const realStart = Date.now() + 2_000;
  const clock = spedUpClock(ORIGIN, SPEED, () => realStart);
  const webScheduler = new CallScheduler({ store: web, provider: new FakeCallProvider({ clock }), clock });
  const startAt = ORIGIN + 2 * MINUTE;
  const series = await webScheduler.scheduleSeries({ to: '+12125550123', cron: '* * * * *', timeZone: 'UTC', startAt, count: OCCURRENCES, catchUp: 'all' });
  await web.close?.();

  let kills = 0;
  const dying: string[] = [];
  const deadline = Date.now() + 120_000;
  try {
    for (const r of running) r.child.stdin?.write(`go ${realStart}\n`);
    // Keep two schedulers running: restart each one that killed itself, until the series has ended.
    for (;;) {
      if ((await options.seriesStatus(series.id)) === 'ended') break;
      if (Date.now() > deadline) throw new Error(`the series did not end within 120 s (${kills} kills)`);
      for (let i = 0; i < running.length; i++) {
        const r = running[i] as FixtureProcess;
        if (r.child.exitCode === null && r.child.signalCode === null) continue;
        const line = /dying (.*)\n/.exec(r.stdout());
        if (line === null) throw new Error(`${ids[i]} exited without killing itself: ${r.stderr()}`);
        dying.push(line[1] as string);
        kills += 1;
        const next = await options.spawn(`${ids[i]}-${kills}`, kills >= MAX_KILLS ? 0 : KILL_CHANCE);
        next.child.stdin?.write(`go ${realStart}\n`);
        running[i] = next;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    for (const r of running) r.child.kill('SIGTERM');
    await Promise.all(running.map((r) => Promise.race([r.exited, new Promise((resolve) => setTimeout(resolve, 5_000))])));
  }
  return { seriesId: series.id, startAt, kills, dying };
}

/** The console line of a finished race. */
export function describeSeriesRace(store: string, result: SeriesRaceResult): string {
  const { kills, dying } = result;
  return `series across processes${store}: ${OCCURRENCES} occurrences, ${kills} self-kills inside steps (${dying.filter((d) => d.includes('cursor')).length} before the cursor moved, ${dying.filter((d) => d.includes('commit')).length} before the commit)`;
}

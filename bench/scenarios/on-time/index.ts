import { dist, num, resultOf } from '../../lib/results.js';
import { fmt, ms } from '../../lib/stats.js';
import type { Figure, ScenarioDef } from '../../lib/types.js';

/** The claim horizon of the `claimAheadMs` cases. */
const CLAIM_AHEAD_MS = 100;

/** Dispatch lateness of calls spread over 10 s, against a bare re-armed `setTimeout`: the scheduler with its defaults, and with `claimAheadMs`. */
export const onTime: ScenarioDef = {
  name: 'on-time',
  title: 'On time: dispatch lateness of calls due over 10 s at 500/s and at 50/s (SQLite, instant provider) vs a bare re-armed setTimeout',
  cases: (quick) => {
    // Issue 14's two rates: 500 calls/s, and a tenth of it (timer precision apart from throughput).
    const fast = quick ? { count: 250 } : { count: 5_000 };
    const slow = quick ? { count: 25 } : { count: 500 };
    const ahead = { claimAheadMs: CLAIM_AHEAD_MS };
    return [
      { name: 'timer', params: fast, timeoutMs: quick ? 20_000 : 40_000 },
      { name: 'scheduler-sqlite', params: fast, timeoutMs: quick ? 40_000 : 120_000 },
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-ahead', params: { ...fast, ...ahead }, timeoutMs: quick ? 40_000 : 120_000 },
      // The same with SQLite's own checkpoints in the committing connection: what the background checkpoints save.
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-ahead-inline', params: { ...fast, ...ahead, checkpoints: 'inline' }, timeoutMs: quick ? 40_000 : 120_000 },
      // The store's SQLite work on a thread of its own (`thread: 'worker'`): the event loop never waits for it.
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-thread', params: { ...fast, thread: 'worker' }, timeoutMs: quick ? 40_000 : 120_000 },
      // Both: held calls fire from the main thread's timer while the store thread claims the next ones.
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-ahead-thread', params: { ...fast, ...ahead, thread: 'worker' }, timeoutMs: quick ? 40_000 : 120_000 },
      { name: 'timer', id: 'timer-tenth', params: slow, timeoutMs: quick ? 20_000 : 40_000 },
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-tenth', params: slow, timeoutMs: quick ? 40_000 : 120_000 },
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-ahead-tenth', params: { ...slow, ...ahead }, timeoutMs: quick ? 40_000 : 120_000 },
    ];
  },
  summarize(results) {
    const rows: Figure[] = [];
    for (const [timerId, schedulerId, label] of [
      ['timer', 'scheduler-sqlite', 'defaults: '],
      ['timer', 'scheduler-sqlite-ahead', `claimAheadMs ${CLAIM_AHEAD_MS}: `],
      ['timer', 'scheduler-sqlite-ahead-inline', `claimAheadMs ${CLAIM_AHEAD_MS}, checkpoints inline: `],
      ['timer', 'scheduler-sqlite-thread', "thread: 'worker': "],
      ['timer', 'scheduler-sqlite-ahead-thread', `claimAheadMs ${CLAIM_AHEAD_MS}, thread: 'worker': `],
      ['timer-tenth', 'scheduler-sqlite-tenth', 'a tenth of the rate, defaults: '],
      ['timer-tenth', 'scheduler-sqlite-ahead-tenth', `a tenth of the rate, claimAheadMs ${CLAIM_AHEAD_MS}: `],
    ] as const) {
      const base = resultOf(results, timerId);
      const sched = resultOf(results, schedulerId);
      const b = dist(base, 'latenessMs');
      const s = dist(sched, 'latenessMs');
      const count = num(sched, 'count');
      const fired = num(sched, 'fired');
      const early = num(sched, 'early');
      const perSecond = `${fmt(count)} calls, ${fmt(count / (num(sched, 'spreadMs') / 1000))}/s`;
      rows.push(
        { figure: `${label}calls dialed`, value: `${fmt(fired)} of ${perSecond}`, baseline: `${fmt(num(base, 'fired'))} of ${fmt(num(base, 'count'))}`, target: 'all', met: fired === count },
        { figure: `${label}fired early`, value: fmt(early), baseline: fmt(num(base, 'early')), target: 'never', met: early === 0 },
        { figure: `${label}lateness p50`, value: ms(s.p50), baseline: ms(b.p50), target: '', met: null },
        { figure: `${label}lateness p99`, value: ms(s.p99), baseline: ms(b.p99), target: '≤ baseline p99 + 1 ms', met: s.p99 <= b.p99 + 1 },
        { figure: `${label}lateness max`, value: ms(s.max), baseline: ms(b.max), target: '', met: null },
        { figure: `${label}CPU (the process, every thread)`, value: `${fmt(num(sched, 'cpuMs'))} ms`, baseline: `${fmt(num(base, 'cpuMs'))} ms`, target: '', met: null },
      );
    }
    return rows;
  },
};

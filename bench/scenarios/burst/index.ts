import { num, resultOf } from '../../lib/results.js';
import { fmt, ms } from '../../lib/stats.js';
import type { ScenarioDef } from '../../lib/types.js';

/** 10,000 calls due at the same instant: how fast they are dialed, against the raw loop. */
export const burst: ScenarioDef = {
  name: 'burst',
  title: 'Burst: 10,000 calls due at one instant (SQLite, instant provider) vs raw better-sqlite3 claim-by-batch + update loop',
  cases: (quick) => [
    { name: 'raw-sqlite', timeoutMs: quick ? 30_000 : 90_000 },
    { name: 'scheduler-sqlite', timeoutMs: quick ? 45_000 : 180_000 },
    // The store's SQLite work on a thread of its own (`thread: 'worker'`).
    { name: 'scheduler-sqlite', id: 'scheduler-sqlite-thread', params: { thread: 'worker' }, timeoutMs: quick ? 45_000 : 180_000 },
  ],
  summarize(results) {
    const raw = resultOf(results, 'raw-sqlite');
    const sched = resultOf(results, 'scheduler-sqlite');
    const thread = resultOf(results, 'scheduler-sqlite-thread');
    const rate = num(sched, 'dialsPerSecond');
    const rawRate = num(raw, 'dialsPerSecond');
    return [
      { figure: 'calls dialed', value: `${fmt(num(sched, 'dialed'))} of ${fmt(num(sched, 'count'))}`, baseline: `${fmt(num(raw, 'dialed'))} of ${fmt(num(raw, 'count'))}`, target: 'all', met: num(sched, 'dialed') === num(sched, 'count') },
      { figure: 'time to dial all', value: ms(num(sched, 'lastDialAfterDueMs')), baseline: ms(num(raw, 'lastDialAfterDueMs')), target: '', met: null },
      { figure: 'dial rate', value: `${fmt(rate)} calls/s (${fmt((rate / rawRate) * 100)}%)`, baseline: `${fmt(rawRate)} calls/s`, target: '≥ 50% of raw', met: rate >= rawRate / 2 },
      { figure: 'first dial after due', value: ms(num(sched, 'firstDialAfterDueMs')), baseline: ms(num(raw, 'firstDialAfterDueMs')), target: '', met: null },
      { figure: 'CPU per call', value: `${fmt((num(sched, 'cpuMs') / num(sched, 'count')) * 1000)} µs`, baseline: `${fmt((num(raw, 'cpuMs') / num(raw, 'count')) * 1000)} µs`, target: '', met: null },
      {
        figure: "thread: 'worker': time to dial all, dial rate, CPU per call",
        value: `${ms(num(thread, 'lastDialAfterDueMs'))}, ${fmt(num(thread, 'dialsPerSecond'))} calls/s, ${fmt((num(thread, 'cpuMs') / num(thread, 'count')) * 1000)} µs`,
        baseline: `${fmt(rawRate)} calls/s`,
        target: '',
        met: null,
      },
    ];
  },
};

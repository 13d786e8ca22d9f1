import { num, resultOf } from '../../lib/results.js';
import { fmt } from '../../lib/stats.js';
import type { CaseResult, Figure, ScenarioDef } from '../../lib/types.js';

function row(figure: string, subject: CaseResult, raw: CaseResult): Figure[] {
  const rate = num(subject, 'callsPerSecond');
  const rawRate = num(raw, 'callsPerSecond');
  return [
    {
      figure: `${figure}: calls/s`,
      value: `${fmt(rate)} calls/s (${fmt((rate / rawRate) * 100)}%)`,
      baseline: `${fmt(rawRate)} calls/s`,
      target: '≥ 60% of raw',
      met: rate >= rawRate * 0.6,
    },
    { figure: `${figure}: CPU per call`, value: `${fmt(num(subject, 'cpuUsPerCall'))} µs`, baseline: `${fmt(num(raw, 'cpuUsPerCall'))} µs`, target: '', met: null },
  ];
}

/** Inserting calls: `schedule()` and `scheduleMany()` against raw prepared inserts. */
export const schedule: ScenarioDef = {
  name: 'schedule',
  title: 'Schedule: schedule() one by one and scheduleMany() by 1,000 into SQLite vs raw prepared inserts (one transaction per call, 1,000 per transaction)',
  cases: (quick) => [
    { name: 'raw-single', timeoutMs: quick ? 30_000 : 90_000 },
    { name: 'schedule-one', timeoutMs: quick ? 30_000 : 120_000 },
    { name: 'raw-batched', timeoutMs: quick ? 30_000 : 90_000 },
    { name: 'schedule-many', timeoutMs: quick ? 30_000 : 120_000 },
    // Where the time goes, smaller, under the V8 CPU profiler.
    ...(quick
      ? []
      : [
          { name: 'schedule-one', id: 'schedule-one-profile', profile: true, params: { count: 3_000 }, timeoutMs: 90_000 },
          { name: 'schedule-many', id: 'schedule-many-profile', profile: true, params: { count: 20_000 }, timeoutMs: 90_000 },
        ]),
  ],
  summarize: (results) => [
    ...row('schedule() one by one', resultOf(results, 'schedule-one'), resultOf(results, 'raw-single')),
    ...row('scheduleMany() by 1,000', resultOf(results, 'schedule-many'), resultOf(results, 'raw-batched')),
  ],
};

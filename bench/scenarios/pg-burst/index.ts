import { dist, interleavedRuns, num, runsOf } from '../../lib/results.js';
import { fmt, median, ms } from '../../lib/stats.js';
import type { CaseSpec, Figure, ScenarioDef } from '../../lib/types.js';

/** Runs per case in a full run (the figures are their medians). */
const RUNS = 3;
const CASES = ['raw-autocommit', 'raw-batched'] as const;

/**
 * Issue 13's baselines: a burst of calls due at once in PostgreSQL, claimed by 3 connections 50 at
 * a time, written back either one autocommit statement at a time or batched per claim. Needs a
 * PostgreSQL server (`BENCH_PG_URL`, default the machine's own on 127.0.0.1:5432).
 */
export const pgBurst: ScenarioDef = {
  name: 'pg-burst',
  title: 'PostgreSQL burst baselines: 5,000 due calls, 3 connections claiming 50 at a time (FOR UPDATE SKIP LOCKED), raw pg writes per statement vs batched per claim',
  quickOnRequest: true,
  cases: (quick) =>
    interleavedRuns(
      CASES.map((name): CaseSpec => ({ name, timeoutMs: quick ? 30_000 : 120_000 })),
      quick ? 1 : RUNS,
    ),
  summarize(results) {
    const rows: Figure[] = [];
    const rate = (name: string): number => median(runsOf(results, name).map((r) => num(r, 'callsPerSecond')));
    const auto = rate('raw-autocommit');
    const batched = rate('raw-batched');
    for (const [name, label, value] of [
      ['raw-autocommit', 'one autocommit per statement (4 a call)', auto],
      ['raw-batched', 'writes batched per claim (unnest, 2 commits a batch)', batched],
    ] as const) {
      const list = runsOf(results, name);
      rows.push({
        figure: `${label}: calls/s`,
        value: `${fmt(value)} calls/s (claim p50 ${ms(median(list.map((r) => dist(r, 'claimMs').p50)))}, p99 ${ms(median(list.map((r) => dist(r, 'claimMs').p99)))})`,
        baseline: name === 'raw-batched' ? `${(batched / auto).toFixed(1)}× autocommit` : '—',
        target: 'baseline for PostgresStore',
        met: null,
      });
    }
    return rows;
  },
};

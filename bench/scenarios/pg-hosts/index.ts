import { dist, interleavedRuns, num, resultOf, runsOf } from '../../lib/results.js';
import { fmt, ms } from '../../lib/stats.js';
import { markdownTable } from '../../lib/table.js';
import type { CaseResult, CaseSpec, Figure, ScenarioDef } from '../../lib/types.js';

/** The dialers' `claimAheadMs` in the `-ahead` lateness cases. */
const CLAIM_AHEAD_MS = 100;

/** Runs of each burst case and raw baseline in a full run (the rows give their medians). */
const BURST_RUNS = 3;

/**
 * The warm-up of `burst-warm`: calls the hosts dial (not measured) before the burst, about 5,000
 * a host. After 5,000 in all (about 1,700 a host), V8 compiled some 50 functions of the dial
 * path per host during the measured burst, and its helper threads (the optimizing compiler, the
 * parallel collector) took half of the hosts' CPU; after 15,000, a third.
 */
const BURST_WARM_UP = 15_000;

/** The run of `runs` with the median calls/s (the lower middle one of an even number). */
function medianRun(runs: readonly CaseResult[]): CaseResult {
  const sorted = [...runs].sort((a, b) => num(a, 'callsPerSecond') - num(b, 'callsPerSecond'));
  return sorted[Math.floor((sorted.length - 1) / 2)] as CaseResult;
}

/** "median of 3 (a / b / c)" of the runs' calls/s, or the one figure of a single run. */
function ratesLine(runs: readonly CaseResult[]): string {
  const median = fmt(num(medianRun(runs), 'callsPerSecond'));
  return runs.length === 1 ? `${median} calls/s` : `${median} calls/s, median of ${runs.length} (${runs.map((r) => fmt(num(r, 'callsPerSecond'))).join(' / ')})`;
}

/** The second lateness pair: 300 calls, each due 200 ms after its schedule(), gaps of 100 ms on average. */
const SOON = { count: 300, aheadMs: 200, gapMs: 100 } as const;

/** The hosts' SQL per call (statements, transactions), as words. */
function sqlLine(result: CaseResult): string {
  const sql = result.sqlPerCall as Record<string, number>;
  const perCall = result.storeCallsPerCall as Record<string, number>;
  const claims = (perCall.claimDueCalls ?? 0) + (perCall.claimDueCallsWithWakeUp ?? 0);
  return `${(sql.sql ?? 0).toFixed(2)} SQL statements, ${(sql.begin ?? 0).toFixed(3)} transactions, ${claims.toFixed(3)} claims`;
}

/** Each host's CPU in ms, and its main thread's part where measured: "219/208/198 ms (main thread 144/147/140)". */
function hostCpuLine(result: CaseResult): string {
  const total = `${(result.hostCpuMs as number[]).map((v) => fmt(v)).join('/')} ms`;
  const main = result.hostMainCpuMs as (number | null)[] | undefined;
  if (main === undefined || main.some((v) => v === null)) return total;
  return `${total} (main thread ${(main as number[]).map((v) => fmt(v)).join('/')})`;
}

/** The per-call store cost of one round-trips case, as a line. */
function costLine(result: CaseResult, phase: 'schedule' | 'dispatch'): string {
  const part = result[phase] as { storeCallsPerCall: number; byMethod: Record<string, number>; sql: Record<string, number> };
  const methods = Object.entries(part.byMethod)
    .filter(([, n]) => n >= 0.01)
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
    .join(', ');
  const sql = part.sql.sql === undefined ? '' : `; SQL statements ${part.sql.sql.toFixed(2)} (begin ${(part.sql.begin ?? 0).toFixed(2)}, pool check-outs ${(part.sql.connect ?? 0).toFixed(2)})`;
  return `${part.storeCallsPerCall.toFixed(2)} store calls/call (${methods})${sql}`;
}

/**
 * Issue 13's figures across hosts on PostgreSQL: lateness when one process schedules and two
 * others dial (LISTEN/NOTIFY and poll-only, against a bare timer), a 5,000-call burst dialed by 3
 * processes (against the raw `pg` loops of pg-burst, in the same run), and store round trips per
 * call for SQLite and PostgreSQL. Needs a PostgreSQL server (`BENCH_PG_URL`, default the machine's
 * own on 127.0.0.1:5432); every case makes its own scratch database and drops it.
 */
export const pgHosts: ScenarioDef = {
  name: 'pg-hosts',
  title: 'PostgreSQL across hosts: lateness (1 scheduling + 2 dialing processes, calls 2 s ahead), a 5,000-call burst on 3 processes, store round trips per call',
  quickOnRequest: true,
  cases: (quick) => {
    const t = (full: number): number => (quick ? 60_000 : full);
    const lateness: CaseSpec[] = [
      { name: 'timer', timeoutMs: t(60_000) },
      { name: 'lateness-watch', timeoutMs: t(180_000) },
      { name: 'lateness-poll', timeoutMs: t(180_000) },
      { name: 'lateness-watch', id: 'lateness-watch-ahead', params: { claimAheadMs: CLAIM_AHEAD_MS }, timeoutMs: t(180_000) },
      { name: 'lateness-poll', id: 'lateness-poll-ahead', params: { claimAheadMs: CLAIM_AHEAD_MS }, timeoutMs: t(180_000) },
      // Calls due sooner than the 1 s re-read, sparse enough that the dialers often know of nothing due.
      { name: 'lateness-watch', id: 'lateness-watch-200ms', params: { ...SOON, count: quick ? 30 : SOON.count }, timeoutMs: t(180_000) },
      { name: 'lateness-poll', id: 'lateness-poll-200ms', params: { ...SOON, count: quick ? 30 : SOON.count }, timeoutMs: t(180_000) },
    ];
    // The bursts and their raw baselines run BURST_RUNS times, interleaved: a single burst moves
    // by a third between runs on this machine, so the rows give the median and every run.
    const burstCases: CaseSpec[] = [
      { name: 'raw-autocommit', timeoutMs: t(120_000) },
      { name: 'raw-batched', timeoutMs: t(120_000) },
      { name: 'burst', timeoutMs: t(180_000) },
      // The same burst on hosts that have dialed before, as a running service's have: V8 has
      // compiled their dial path (see BURST_WARM_UP).
      { name: 'burst', id: 'burst-warm', params: { warmUp: quick ? 300 : BURST_WARM_UP }, timeoutMs: t(180_000) },
    ];
    return [
      ...lateness,
      ...interleavedRuns(burstCases, quick ? 1 : BURST_RUNS),
      { name: 'round-trips-sqlite', timeoutMs: t(120_000) },
      { name: 'round-trips-postgres', timeoutMs: t(120_000) },
    ];
  },
  summarize(results) {
    const timer = resultOf(results, 'timer');
    const timerLine = (r: CaseResult): string => {
      const d = dist(r, 'latenessMs');
      return `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)}, ${num(r, 'early')} early`;
    };
    const rows: Figure[] = [];
    for (const [name, label] of [
      ['lateness-watch', 'lateness, LISTEN/NOTIFY (default)'],
      ['lateness-poll', 'lateness, poll-only (notify: false)'],
      ['lateness-watch-ahead', `lateness, LISTEN/NOTIFY, claimAheadMs ${CLAIM_AHEAD_MS}`],
      ['lateness-poll-ahead', `lateness, poll-only, claimAheadMs ${CLAIM_AHEAD_MS}`],
      ['lateness-watch-200ms', 'lateness, LISTEN/NOTIFY (default)'],
      ['lateness-poll-200ms', 'lateness, poll-only (notify: false)'],
    ] as const) {
      const r = resultOf(results, name);
      const d = dist(r, 'latenessMs');
      rows.push({
        figure: `${label}, ${num(r, 'count')} calls each due ${num(r, 'aheadMs')} ms after its schedule(), ${num(r, 'gapMs')} ms apart on average`,
        value: `${timerLine(r)}; dials per host ${(r.dialsPerHost as number[]).join('/')}, ${num(r, 'dialedTwice')} twice`,
        baseline: `bare timer alongside (same load): ${timerLine({ latenessMs: r.witnessLatenessMs, early: r.witnessEarly })}; alone: ${timerLine(timer)}`,
        target: name === 'lateness-watch' || name === 'lateness-watch-ahead' ? 'p99 ≤ 5 ms, 0 early' : name.startsWith('lateness-poll') && !name.endsWith('200ms') ? 'shown beside it' : 'informational',
        met: name === 'lateness-watch' || name === 'lateness-watch-ahead' ? d.p99 <= 5 && num(r, 'early') === 0 : null,
      });
    }
    const autoRuns = runsOf(results, 'raw-autocommit');
    const batchedRuns = runsOf(results, 'raw-batched');
    const batchedResult = medianRun(batchedRuns);
    // PostgreSQL's CPU over the burst (every server process, from /proc), where it was measured.
    const serverCpu = (r: CaseResult): string => (typeof r.serverCpuMs === 'number' ? `; PostgreSQL CPU ${fmt(r.serverCpuMs)} ms` : '');
    for (const name of ['burst', 'burst-warm'] as const) {
      const runs = runsOf(results, name);
      // The details (statements, CPU) are the median run's.
      const burst = medianRun(runs);
      const rate = num(burst, 'callsPerSecond');
      const warmUp = num(burst, 'warmUp');
      rows.push({
        figure:
          `burst of ${num(burst, 'count')} due at once, ${num(burst, 'hosts')} processes, full history (${num(burst, 'eventsPerCall').toFixed(1)} events/call), ` +
          (warmUp > 0 ? `on hosts that dialed ${fmt(warmUp)} calls before` : "the hosts' first calls"),
        value: `${ratesLine(runs)} (the median run: first dial ${ms(num(burst, 'firstDialLateMs'))} late; dials per host ${(burst.dialsPerHost as number[]).join('/')}; per call ${sqlLine(burst)}; host CPU ${hostCpuLine(burst)}${serverCpu(burst)})`,
        baseline: `raw pg (fresh processes): ${ratesLine(autoRuns)} one autocommit per statement, ${ratesLine(batchedRuns)} batched per claim${serverCpu(batchedResult)}`,
        // A fresh process runs its first calls mostly before V8 has optimized them, and compiles
        // them meanwhile on the same two cores: shown, but the target is the running hosts'.
        target: warmUp > 0 ? '≥ 5,000 calls/s' : 'informational (start-up)',
        met: warmUp > 0 ? rate >= 5_000 : null,
      });
    }
    for (const kind of ['sqlite', 'postgres'] as const) {
      const r = resultOf(results, `round-trips-${kind}`);
      for (const phase of ['schedule', 'dispatch'] as const) {
        rows.push({
          figure: `${kind === 'sqlite' ? 'SqliteStore' : 'PostgresStore'} round trips per call, ${phase === 'schedule' ? 'schedule() one by one' : 'claim, dial and end (calls due apart)'}`,
          value: costLine(r, phase),
          baseline: '—',
          target: 'informational',
          met: null,
        });
      }
    }
    return rows;
  },
  tables(results, quick) {
    const rows = this.summarize(results, quick).map((f) => [f.figure, f.value, f.baseline, f.target, f.met === null ? '' : f.met ? 'yes' : 'NO']);
    return `Each case in a fresh process (the dialing hosts are fresh processes too); the bursts and their raw baselines ran ${BURST_RUNS} times each, interleaved, in a full run.\n\n${markdownTable(['figure', 'measured', 'baseline (same run)', 'target', 'met'], rows)}`;
  },
};

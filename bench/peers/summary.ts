/** Turns the peer cases' results into medians, the comparison table and the target rows. */
import { dist, num } from '../lib/results.js';
import { fmt, median, ms } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import type { CaseResult, Figure } from '../lib/types.js';
import { CONTENDER_TITLES, type ContenderName } from './driver.js';
import { BATCH, type WorkloadName } from './workloads.js';

/** A column of the table: a contender, or the bare timer (the floor of `spread`). */
export type Column = ContenderName | 'timer';

/** The id of one case: workload, column and run number. */
export function caseId(workload: WorkloadName, column: Column, run: number): string {
  return `${workload}.${column}.r${run}`;
}

/** The results of every run of `workload` by `column`. */
export function runsOf(results: Readonly<Record<string, CaseResult>>, workload: WorkloadName, column: Column): CaseResult[] {
  const prefix = `${workload}.${column}.r`;
  return Object.entries(results)
    .filter(([id]) => id.startsWith(prefix))
    .map(([, result]) => result);
}

/** The median over runs of one number taken from each result, or `null` when there is no run. */
function med(runs: readonly CaseResult[], pick: (result: CaseResult) => number): number | null {
  return runs.length === 0 ? null : median(runs.map(pick));
}

/** The medians of one column, by figure (`null`: not measured). */
export interface Medians {
  readonly runs: number;
  readonly ingestOne: number | null;
  readonly ingestBatch: number | null;
  readonly spreadP50: number | null;
  readonly spreadP99: number | null;
  readonly spreadMax: number | null;
  readonly spreadEarly: number | null;
  readonly spreadCpuMs: number | null;
  readonly spreadServerCpuMs: number | null;
  readonly spreadCount: number | null;
  readonly spreadMs: number | null;
  readonly burstLastMs: number | null;
  readonly burstCpuMs: number | null;
  readonly burstServerCpuMs: number | null;
  readonly burstCount: number | null;
}

/** Checks that a timed run ran and ended every job in time. */
function checked(result: CaseResult): CaseResult {
  if (result.timedOut === true) throw new Error(`${String(result.contender)}/${String(result.workload)} timed out`);
  if (typeof result.ran === 'number' && result.ran !== num(result, 'count')) {
    throw new Error(`${String(result.contender)}/${String(result.workload)} ran ${result.ran} of ${num(result, 'count')} jobs`);
  }
  return result;
}

const serverCpu = (result: CaseResult): number => (typeof result.serverCpuMs === 'number' ? result.serverCpuMs : 0);

/** Medians over the runs of every workload of one column. */
export function mediansOf(results: Readonly<Record<string, CaseResult>>, column: Column): Medians {
  const ingestOne = runsOf(results, 'ingest-one', column);
  const ingestBatch = runsOf(results, 'ingest-batch', column);
  const spread = runsOf(results, 'spread', column).map(checked);
  const burst = runsOf(results, 'burst', column).map(checked);
  const hasServer = (runs: readonly CaseResult[]): boolean => runs.some((r) => typeof r.serverCpuMs === 'number');
  return {
    runs: Math.max(ingestOne.length, ingestBatch.length, spread.length, burst.length),
    ingestOne: med(ingestOne, (r) => num(r, 'callsPerSecond')),
    ingestBatch: med(ingestBatch, (r) => num(r, 'callsPerSecond')),
    spreadP50: med(spread, (r) => dist(r, 'latenessMs').p50),
    spreadP99: med(spread, (r) => dist(r, 'latenessMs').p99),
    spreadMax: med(spread, (r) => dist(r, 'latenessMs').max),
    spreadEarly: med(spread, (r) => num(r, 'early')),
    spreadCpuMs: med(spread, (r) => num(r, 'cpuMs') + serverCpu(r)),
    spreadServerCpuMs: hasServer(spread) ? med(spread, serverCpu) : null,
    spreadCount: med(spread, (r) => num(r, 'count')),
    spreadMs: med(spread, (r) => num(r, 'spreadMs')),
    burstLastMs: med(burst, (r) => num(r, 'lastRunAfterDueMs')),
    burstCpuMs: med(burst, (r) => num(r, 'cpuMs') + serverCpu(r)),
    burstServerCpuMs: hasServer(burst) ? med(burst, serverCpu) : null,
    burstCount: med(burst, (r) => num(r, 'count')),
  };
}

const COLUMN_TITLES: Readonly<Record<Column, string>> = { ...CONTENDER_TITLES, timer: 'bare re-armed timer (floor)' };

const two = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : fmt(value));

/**
 * The comparison table in Markdown, one column per contender (medians over runs); `missing`
 * names contenders left out of the run and why.
 */
export function comparisonTable(results: Readonly<Record<string, CaseResult>>, columns: readonly Column[], missing: Readonly<Partial<Record<Column, string>>>): string {
  const all = columns.map((column) => ({ column, m: mediansOf(results, column) }));
  const cell = (column: Column, value: number | null, format: (v: number) => string): string => {
    if (value !== null) return format(value);
    return missing[column] === undefined ? '—' : 'not run';
  };
  const anyCount = (pick: (m: Medians) => number | null): string => fmt(all.map((c) => pick(c.m)).find((v) => v !== null) ?? 0);
  const withServer = (total: number, server: number | null): string => (server === null ? fmt(total) : `${fmt(total)} (Redis ${fmt(server)})`);
  const rows: string[][] = [
    ['one by one (`schedule()`, `add()`), calls/s', ...all.map(({ column, m }) => cell(column, m.ingestOne, fmt))],
    [`in batches of ${fmt(BATCH)} (\`scheduleMany()\`, \`addMany()\`/\`addBulk()\`), calls/s`, ...all.map(({ column, m }) => cell(column, m.ingestBatch, fmt))],
    [
      `${anyCount((m) => m.spreadCount)} calls due over ${fmt(all.map((c) => c.m.spreadMs).find((v) => v !== null) ?? 0)} ms: lateness p50 / p99 / max, ms`,
      ...all.map(({ column, m }) => (m.spreadP50 === null || m.spreadP99 === null || m.spreadMax === null ? cell(column, null, fmt) : `${two(m.spreadP50)} / ${two(m.spreadP99)} / ${two(m.spreadMax)}`)),
    ],
    ['the same: fired early', ...all.map(({ column, m }) => cell(column, m.spreadEarly, fmt))],
    ['the same: CPU for the run, ms', ...all.map(({ column, m }) => (m.spreadCpuMs === null ? cell(column, null, fmt) : withServer(m.spreadCpuMs, m.spreadServerCpuMs)))],
    [`${anyCount((m) => m.burstCount)} due at once: due → last dial, ms`, ...all.map(({ column, m }) => cell(column, m.burstLastMs, fmt))],
    ['the same: CPU for the run, ms', ...all.map(({ column, m }) => (m.burstCpuMs === null ? cell(column, null, fmt) : withServer(m.burstCpuMs, m.burstServerCpuMs)))],
  ];
  const runs = Math.max(...all.map((c) => c.m.runs));
  const header = ['workload', ...columns.map((column) => COLUMN_TITLES[column])];
  const notes = Object.entries(missing).map(([column, why]) => `- ${COLUMN_TITLES[column as Column]}: not run (${why}).`);
  return [
    `Medians of ${runs} run${runs === 1 ? '' : 's'}, each in a fresh process.`,
    '',
    markdownTable(header, rows),
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(runs > 1 ? ['', 'Lowest and highest of the runs:', '', rangesTable(results, columns)] : []),
  ].join('\n');
}

/** The lowest and highest value over the runs of each column, for the figures that move most. */
function rangesTable(results: Readonly<Record<string, CaseResult>>, columns: readonly Column[]): string {
  const range = (workload: WorkloadName, column: Column, pick: (result: CaseResult) => number, format: (v: number) => string): string => {
    const values = runsOf(results, workload, column).map(pick);
    return values.length === 0 ? '—' : `${format(Math.min(...values))} – ${format(Math.max(...values))}`;
  };
  const rows: string[][] = [
    ['one by one, calls/s', ...columns.map((c) => range('ingest-one', c, (r) => num(r, 'callsPerSecond'), fmt))],
    [`in batches of ${fmt(BATCH)}, calls/s`, ...columns.map((c) => range('ingest-batch', c, (r) => num(r, 'callsPerSecond'), fmt))],
    ['due over time: lateness p99, ms', ...columns.map((c) => range('spread', c, (r) => dist(r, 'latenessMs').p99, two))],
    ['the same: CPU, ms', ...columns.map((c) => range('spread', c, (r) => num(r, 'cpuMs') + serverCpu(r), fmt))],
    ['due at once: due → last dial, ms', ...columns.map((c) => range('burst', c, (r) => num(r, 'lastRunAfterDueMs'), fmt))],
  ];
  return markdownTable(['workload', ...columns.map((column) => COLUMN_TITLES[column])], rows);
}

/** The rows of the main table: issue 14's targets against the peers, as same-run ratios. */
export function targetFigures(results: Readonly<Record<string, CaseResult>>): Figure[] {
  const ours = mediansOf(results, 'ours-sqlite');
  const pj1 = mediansOf(results, 'plainjob-1s');
  const pj10 = mediansOf(results, 'plainjob-10ms');
  const bull = mediansOf(results, 'bullmq');
  const timer = mediansOf(results, 'timer');
  const best = (values: readonly (number | null)[], pick: (a: number, b: number) => number): number | null =>
    values.reduce<number | null>((acc, v) => (v === null ? acc : acc === null ? v : pick(acc, v)), null);
  const rows: Figure[] = [];
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
  for (const [label, value, peer] of [
    ['one by one: calls/s', ours.ingestOne, best([pj1.ingestOne, pj10.ingestOne], Math.max)],
    ['batches of 1,000: calls/s', ours.ingestBatch, best([pj1.ingestBatch, pj10.ingestBatch], Math.max)],
  ] as const) {
    if (value === null || peer === null) continue;
    rows.push({ figure: `${label}, ours (SQLite) vs plainjob`, value: `${fmt(value)} (${ratio(value, peer)})`, baseline: `${fmt(peer)} (plainjob, the better poll)`, target: '≥ 0.5× plainjob', met: value >= peer / 2 });
  }
  if (ours.spreadP99 !== null && timer.spreadP99 !== null) {
    rows.push({ figure: 'due over 10 s: lateness p99, ours (SQLite)', value: ms(ours.spreadP99), baseline: `${ms(timer.spreadP99)} (bare timer)`, target: '≤ timer + 1 ms', met: ours.spreadP99 <= timer.spreadP99 + 1 });
  }
  if (ours.spreadEarly !== null) rows.push({ figure: 'due over 10 s: fired early, ours (SQLite)', value: fmt(ours.spreadEarly), baseline: timer.spreadEarly === null ? '—' : `${fmt(timer.spreadEarly)} (bare timer)`, target: '0', met: ours.spreadEarly === 0 });
  if (ours.spreadCpuMs !== null && pj10.spreadCpuMs !== null) {
    rows.push({ figure: 'due over 10 s: CPU, ours (SQLite)', value: `${fmt(ours.spreadCpuMs)} ms (${ratio(ours.spreadCpuMs, pj10.spreadCpuMs)})`, baseline: `${fmt(pj10.spreadCpuMs)} ms (plainjob 10 ms)`, target: '≤ plainjob 10 ms', met: ours.spreadCpuMs <= pj10.spreadCpuMs });
  }
  const bestBurst = best([bull.burstLastMs, pj10.burstLastMs], Math.min);
  if (ours.burstLastMs !== null && bestBurst !== null) {
    rows.push({
      figure: 'due at once: due → last dial, ours (SQLite)',
      value: `${ms(ours.burstLastMs)} (${ratio(ours.burstLastMs, bestBurst)})`,
      baseline: `${ms(bestBurst)} (best of ${bull.burstLastMs === null ? 'plainjob 10 ms; BullMQ not run' : 'BullMQ and plainjob 10 ms'})`,
      target: '≤ best peer',
      met: ours.burstLastMs <= bestBurst,
    });
  }
  return rows;
}

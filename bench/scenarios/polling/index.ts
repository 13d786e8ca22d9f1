import { resultOf } from '../../lib/results.js';
import type { Distribution } from '../../lib/stats.js';
import { fmt, ms } from '../../lib/stats.js';
import type { CaseResult, Figure, ScenarioDef } from '../../lib/types.js';

interface ConfigResult {
  readonly count: number;
  readonly completed: number;
  readonly getsPerCall: number;
  readonly missedChanges: number;
  readonly skippedStatuses: number;
  readonly delayMs: Distribution;
  readonly withinOneSecond: number;
}

function configs(result: CaseResult): Record<string, ConfigResult> {
  const value = result.configs as Record<string, ConfigResult> | undefined;
  if (value === undefined) throw new Error('no configs in the polling result');
  return value;
}

/** The configuration the docs recommend (and the scenario judges). */
export const CHOSEN = 'defaults';

/** The largest GETs per call a fresh process may make (a plain 1 s poll makes about 10 over a 10 s call). */
const FRESH_MAX_GETS = 10;

/** Rows for one case's configurations against its `fixed-1s` baseline; `prefix` names the case. */
function rowsOf(all: Record<string, ConfigResult>, prefix: string, judged: boolean, maxGets: number | null): Figure[] {
  const base = all['fixed-1s'];
  if (base === undefined) throw new Error('no fixed-1s baseline');
  const rows: Figure[] = [];
  for (const [name, r] of Object.entries(all)) {
    if (name === 'fixed-1s') continue;
    const chosen = judged && name === CHOSEN;
    const label = `${prefix}${name}`;
    if (r.completed !== r.count || r.missedChanges > 0) {
      rows.push({ figure: `${label}: calls followed to the end`, value: `${r.completed} of ${r.count}, ${r.missedChanges} changes never seen`, baseline: `${base.completed} of ${base.count}`, target: 'all', met: false });
    }
    if (r.skippedStatuses > 0) {
      rows.push({ figure: `${label}: statuses skipped (seen only as passed)`, value: fmt(r.skippedStatuses), baseline: fmt(base.skippedStatuses), target: '', met: null });
    }
    const getsMet = r.getsPerCall < base.getsPerCall && (maxGets === null || r.getsPerCall < maxGets);
    rows.push({
      figure: `${label}: GETs per call`,
      value: fmt(r.getsPerCall, 1),
      baseline: fmt(base.getsPerCall, 1),
      target: chosen ? (maxGets === null ? '< baseline' : `< baseline and < ${maxGets}`) : '',
      met: chosen ? getsMet : null,
    });
    rows.push({
      figure: `${label}: change seen after p50 / max`,
      value: `${ms(r.delayMs.p50)} / ${ms(r.delayMs.max)} (${fmt(r.withinOneSecond * 100)}% ≤ 1 s)`,
      baseline: `${ms(base.delayMs.p50)} / ${ms(base.delayMs.max)}`,
      target: chosen ? 'max ≤ 1 s' : '',
      met: chosen ? r.delayMs.max <= 1_000 : null,
    });
  }
  return rows;
}

/** Provider GETs per call and how late status changes are seen, against a fixed 1 s poll. */
export const polling: ScenarioDef = {
  name: 'polling',
  title: 'Polling: GETs per call and delay to see each status change, 60 calls one every 250 ms and a fresh process (5 calls at once, nothing learned), mock Call API (2 s / 5 s / 10 s) on loopback, vs a fixed 1 s poll',
  cases: (quick) => [
    { name: 'sweep', timeoutMs: quick ? 40_000 : 90_000 },
    { name: 'fresh', timeoutMs: quick ? 40_000 : 60_000 },
  ],
  summarize(results, quick) {
    // A fresh process (5 calls due at once, nothing learned yet), judged at real speed only: the
    // quick run's mock is 10× faster than the 1 s target lag is meant for.
    const fresh = rowsOf(configs(resultOf(results, 'fresh')), 'fresh process, ', !quick, FRESH_MAX_GETS);
    const all = configs(resultOf(results, 'sweep'));
    return [...rowsOf(all, '', true, null), ...fresh];
  },
};

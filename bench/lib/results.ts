import type { Distribution } from './stats.js';
import type { CaseResult, CaseSpec } from './types.js';

/** The result of case `name`, or an error naming it. */
export function resultOf(results: Readonly<Record<string, CaseResult>>, name: string): CaseResult {
  const result = results[name];
  if (result === undefined) throw new Error(`no result for case ${name}`);
  return result;
}

/** A number field of a result, or an error naming it. */
export function num(result: CaseResult, key: string): number {
  const value = result[key];
  if (typeof value !== 'number') throw new Error(`result field ${key} is not a number (${JSON.stringify(value)})`);
  return value;
}

/** A distribution field of a result. */
export function dist(result: CaseResult, key: string): Distribution {
  const value = result[key] as Distribution | undefined;
  if (value === undefined || typeof value.p50 !== 'number') throw new Error(`result field ${key} is not a distribution`);
  return value;
}

/**
 * `cases` run `runs` times, interleaved: round 1 in the given order, round 2 reversed, and so on
 * (a noisy minute of a shared machine does not land on one case alone). Each result's id is the
 * case's id with `.r<round>` (read them back with {@link runsOf}).
 */
export function interleavedRuns(cases: readonly CaseSpec[], runs: number): CaseSpec[] {
  const specs: CaseSpec[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const spec of run % 2 === 1 ? cases : [...cases].reverse()) specs.push({ ...spec, id: `${spec.id ?? spec.name}.r${run}` });
  }
  return specs;
}

/** The results of the runs of case `id` made by {@link interleavedRuns}, in run order, or an error naming it. */
export function runsOf(results: Readonly<Record<string, CaseResult>>, id: string): CaseResult[] {
  const prefix = `${id}.r`;
  const list = Object.entries(results)
    .filter(([key]) => key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length)))
    .sort(([a], [b]) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map(([, result]) => result);
  if (list.length === 0) throw new Error(`no result for case ${id}`);
  return list;
}

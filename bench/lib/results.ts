import type { Distribution } from './stats.js';
import type { CaseResult } from './types.js';

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

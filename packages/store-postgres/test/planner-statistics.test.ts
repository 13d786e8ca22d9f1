import { describe, expect, it } from 'vitest';
import { PlannerStatistics } from '../src/database/planner-statistics.js';

/** An `analyze` that waits for the test to answer it with a row count (or a failure). */
function controlledAnalyze(): { analyze: () => Promise<number>; runs: number; answer(rows: number): void; fail(): void } {
  let settle: { resolve(rows: number): void; reject(error: unknown): void } | undefined;
  const control = {
    runs: 0,
    analyze: () =>
      new Promise<number>((resolve, reject) => {
        control.runs += 1;
        settle = { resolve, reject };
      }),
    answer: (rows: number) => settle?.resolve(rows),
    fail: () => settle?.reject(new Error('must be owner of table calls')),
  };
  return control;
}

/** One step of a scenario: insert calls and expect this many runs so far, or settle the running `ANALYZE`. */
type Step = readonly ['insert', number, number] | readonly ['answer', number] | readonly ['fail'];

const SCENARIOS: readonly (readonly [string, readonly Step[]])[] = [
  [
    'analyzes once 1,000 calls were inserted, then after a tenth of the table (and back to 1,000 for a small one)',
    [['insert', 999, 0], ['insert', 1, 1], ['answer', 50_000], ['insert', 4_999, 1], ['insert', 1, 2], ['answer', 2_000], ['insert', 1_000, 3]],
  ],
  ['runs one at a time: inserts during a run count toward the next one', [['insert', 1_000, 1], ['insert', 5_000, 1], ['answer', 0], ['insert', 0, 2]]],
  ['ignores a failed run and tries again after the next 1,000 inserts', [['insert', 1_000, 1], ['fail'], ['insert', 999, 1], ['insert', 1, 2]]],
];

describe('PlannerStatistics', () => {
  it.each(SCENARIOS)('%s', async (_name, steps) => {
    const control = controlledAnalyze();
    const statistics = new PlannerStatistics(control.analyze);
    for (const step of steps) {
      if (step[0] === 'insert') {
        statistics.inserted(step[1]);
        expect(control.runs).toBe(step[2]);
        continue;
      }
      if (step[0] === 'answer') control.answer(step[1]);
      else control.fail();
      await statistics.settled();
    }
  });
});

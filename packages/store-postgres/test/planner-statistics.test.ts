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

describe('PlannerStatistics', () => {
  it('analyzes once 1,000 calls were inserted, then after a tenth of the table', async () => {
    const control = controlledAnalyze();
    const statistics = new PlannerStatistics(control.analyze);
    statistics.inserted(999);
    expect(control.runs).toBe(0);
    statistics.inserted(1);
    expect(control.runs).toBe(1);
    control.answer(50_000);
    await statistics.settled();
    statistics.inserted(4_999);
    expect(control.runs).toBe(1);
    statistics.inserted(1);
    expect(control.runs).toBe(2);
    control.answer(2_000);
    await statistics.settled();
    // A small table again: back to the floor of 1,000.
    statistics.inserted(1_000);
    expect(control.runs).toBe(3);
  });

  it('runs one at a time: inserts during a run count toward the next one', async () => {
    const control = controlledAnalyze();
    const statistics = new PlannerStatistics(control.analyze);
    statistics.inserted(1_000);
    statistics.inserted(5_000);
    expect(control.runs).toBe(1);
    control.answer(0);
    await statistics.settled();
    statistics.inserted(0);
    expect(control.runs).toBe(2);
  });

  it('ignores a failed run and tries again after the next 1,000 inserts', async () => {
    const control = controlledAnalyze();
    const statistics = new PlannerStatistics(control.analyze);
    statistics.inserted(1_000);
    control.fail();
    await statistics.settled();
    statistics.inserted(999);
    expect(control.runs).toBe(1);
    statistics.inserted(1);
    expect(control.runs).toBe(2);
  });
});

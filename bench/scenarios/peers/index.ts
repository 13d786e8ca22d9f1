import { CONTENDERS, type ContenderName } from '../../peers/driver.js';
import { caseId, comparisonTable, targetFigures, type Column } from '../../peers/summary.js';
import { installedVersion } from '../../peers/versions.js';
import { WORKLOADS, type WorkloadName } from '../../peers/workloads.js';
import type { CaseSpec, ScenarioDef } from '../../lib/types.js';

/** Runs per contender and workload in a full run (the table shows their medians). */
const RUNS = 3;

/** Contenders that cannot run here, and why. */
function missing(): Partial<Record<ContenderName, string>> {
  return installedVersion('ioredis') === 'not installed' ? { bullmq: 'BullMQ 6 needs the ioredis package, an optional peer dependency that is not installed' } : {};
}

function columns(): Column[] {
  const left = missing();
  return [...CONTENDERS.filter((c) => left[c] === undefined), 'timer'];
}

function timeoutMs(workload: WorkloadName, quick: boolean): number {
  if (quick) return 30_000;
  return workload === 'spread' ? 90_000 : 120_000;
}

/**
 * Issue 14's comparison with peers: ours (SQLite and MemoryStore), BullMQ and plainjob (1 s and
 * 10 ms poll) on four workloads. Every run of every contender is a fresh process; the runs are
 * interleaved (run 1 of every contender on a workload, then the next workload, then run 2...,
 * with the contenders' order rotated each run) so that a noisy minute does not land on one alone.
 */
export const peers: ScenarioDef = {
  name: 'peers',
  title: 'Peers: ours vs BullMQ and plainjob on ingest, calls due over 10 s and a burst due at once (medians of fresh-process runs)',
  quickOnRequest: true,
  cases: (quick) => {
    const contenders = columns().filter((c): c is ContenderName => c !== 'timer');
    const specs: CaseSpec[] = [];
    const runs = quick ? 1 : RUNS;
    for (let run = 1; run <= runs; run++) {
      const shift = (run - 1) % contenders.length;
      const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
      for (const workload of WORKLOADS) {
        if (workload === 'spread') specs.push({ name: 'timer', id: caseId('spread', 'timer', run), timeoutMs: timeoutMs(workload, quick) });
        for (const contender of order) {
          specs.push({ name: workload, id: caseId(workload, contender, run), params: { contender }, timeoutMs: timeoutMs(workload, quick) });
        }
      }
    }
    return specs;
  },
  summarize: (results) => targetFigures(results),
  tables: (results) => comparisonTable(results, columns(), missing()),
};

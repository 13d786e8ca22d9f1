import { num, resultOf } from '../../lib/results.js';
import { fmt, mb } from '../../lib/stats.js';
import type { CaseResult, CaseSpec, Figure, ScenarioDef } from '../../lib/types.js';

function mem(result: CaseResult, key: string): number {
  const memory = result.memory as Record<string, number> | undefined;
  const value = memory?.[key];
  if (typeof value !== 'number') throw new Error(`no memory.${key} in result`);
  return value;
}

const FLAT_BYTES = 20e6;

function signed(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
}

/** Sizes of the SQLite cases: 0, 100,000 and 1,000,000 calls (quick: 0 and 10,000). */
function sizes(quick: boolean): number[] {
  return quick ? [0, 10_000] : [0, 100_000, 1_000_000];
}

function label(count: number): string {
  return count >= 1_000_000 ? `${count / 1_000_000}M` : count >= 1_000 ? `${count / 1_000}k` : String(count);
}

/** Memory of a scheduler process with a large SQLite backlog, and bytes per call in MemoryStore. */
export const memory: ScenarioDef = {
  name: 'memory',
  title: 'Memory: heap and RSS of a scheduler process with 0, 100k and 1M calls scheduled in SQLite; bytes per call in MemoryStore',
  cases: (quick) => [
    ...sizes(quick).map(
      (count): CaseSpec => ({
        name: 'sqlite',
        id: `sqlite-${label(count)}`,
        params: { count },
        prep: { name: 'prep-sqlite', params: { count } },
        nodeArgs: ['--expose-gc'],
        timeoutMs: count >= 1_000_000 ? 240_000 : 60_000,
      }),
    ),
    { name: 'memory-store', nodeArgs: ['--expose-gc'], timeoutMs: quick ? 30_000 : 120_000 },
  ],
  summarize(results, quick) {
    const counts = sizes(quick);
    const empty = resultOf(results, 'sqlite-0');
    const rows: Figure[] = [];
    for (const count of counts.slice(1)) {
      const r = resultOf(results, `sqlite-${label(count)}`);
      const rss = num(r, 'rssGrowth');
      const heap = num(r, 'heapGrowth');
      const last = count === counts[counts.length - 1];
      rows.push({
        figure: `SQLite, ${label(count)} calls: RSS growth (absolute)`,
        value: `${signed(rss)} (${mb(mem(r, 'rss'))})`,
        baseline: `${signed(num(empty, 'rssGrowth'))} (${mb(mem(empty, 'rss'))}), 0 calls`,
        target: last ? '< 0 calls + 20 MB' : '',
        met: last ? rss < num(empty, 'rssGrowth') + FLAT_BYTES : null,
      });
      rows.push({
        figure: `SQLite, ${label(count)} calls: heap growth (absolute)`,
        value: `${signed(heap)} (${mb(mem(r, 'heapUsed'))})`,
        baseline: `${signed(num(empty, 'heapGrowth'))} (${mb(mem(empty, 'heapUsed'))}), 0 calls`,
        target: '',
        met: null,
      });
    }
    const store = resultOf(results, 'memory-store');
    rows.push({
      figure: `MemoryStore: heap per call (${fmt(num(store, 'count'))} calls)`,
      value: `${fmt(num(store, 'heapBytesPerCall'))} B`,
      baseline: `${fmt(num(store, 'rssBytesPerCall'))} B RSS per call`,
      target: 'report',
      met: null,
    });
    return rows;
  },
};

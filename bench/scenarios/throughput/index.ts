import { num, resultOf } from '../../lib/results.js';
import { fmt } from '../../lib/stats.js';
import type { CaseSpec, Figure, ScenarioDef } from '../../lib/types.js';

const TARGET = 10_000;

function perSecond(value: number): string {
  return `${fmt(value)} calls/s`;
}

/** Calls per second through the whole life, SQLite and memory, against the same raw loop. */
export const throughput: ScenarioDef = {
  name: 'throughput',
  title: 'Throughput: 50,000 calls through claim, dial, status to completed and history (instant provider) vs the same raw loop',
  cases: (quick) => {
    // The same SQLite work on a RAM disk tells the library's cost from the disk's (WAL checkpoint fsyncs).
    const tmpfs = { tmpfs: 1, count: quick ? 500 : 20_000 };
    const list: CaseSpec[] = [
      { name: 'raw-sqlite', timeoutMs: quick ? 30_000 : 120_000 },
      { name: 'scheduler-sqlite', timeoutMs: quick ? 45_000 : 180_000 },
      { name: 'raw-sqlite', id: 'raw-sqlite-tmpfs', params: tmpfs, timeoutMs: quick ? 30_000 : 120_000 },
      { name: 'scheduler-sqlite', id: 'scheduler-sqlite-tmpfs', params: tmpfs, timeoutMs: quick ? 45_000 : 180_000 },
      { name: 'raw-memory', timeoutMs: quick ? 30_000 : 60_000 },
      { name: 'scheduler-memory', timeoutMs: quick ? 45_000 : 180_000 },
    ];
    // Where the CPU time goes: the tmpfs and memory runs again, smaller, under the V8 CPU profiler.
    if (quick) {
      // Only to prove that profiling works.
      list.push({ name: 'scheduler-memory', id: 'scheduler-memory-profile', timeoutMs: 30_000, profile: true, params: { count: 300 } });
    } else {
      list.push(
        { name: 'scheduler-sqlite', id: 'scheduler-sqlite-profile', timeoutMs: 120_000, profile: true, params: { tmpfs: 1, count: 10_000 } },
        { name: 'scheduler-memory', id: 'scheduler-memory-profile', timeoutMs: 120_000, profile: true, params: { count: 10_000 } },
      );
    }
    return list;
  },
  summarize(results) {
    const rawSqlite = num(resultOf(results, 'raw-sqlite'), 'callsPerSecond');
    const rawMemory = num(resultOf(results, 'raw-memory'), 'callsPerSecond');
    const sqlite = resultOf(results, 'scheduler-sqlite');
    const memory = resultOf(results, 'scheduler-memory');
    const sqliteRate = num(sqlite, 'callsPerSecond');
    const memoryRate = num(memory, 'callsPerSecond');
    const rawTmpfs = resultOf(results, 'raw-sqlite-tmpfs');
    const schedTmpfs = resultOf(results, 'scheduler-sqlite-tmpfs');
    const tmpfsRate = num(schedTmpfs, 'callsPerSecond');
    const rawTmpfsRate = num(rawTmpfs, 'callsPerSecond');
    const rows: Figure[] = [
      {
        figure: 'SQLite: calls/s',
        value: `${perSecond(sqliteRate)} (${fmt((sqliteRate / rawSqlite) * 100)}% of raw)`,
        baseline: perSecond(rawSqlite),
        target: `≥ ${fmt(TARGET)} calls/s or a profile`,
        met: sqliteRate >= TARGET,
      },
      { figure: 'SQLite: CPU per call', value: `${fmt(num(sqlite, 'cpuUsPerCall'))} µs`, baseline: `${fmt(num(resultOf(results, 'raw-sqlite'), 'cpuUsPerCall'))} µs`, target: '', met: null },
      {
        figure: 'SQLite on tmpfs: calls/s',
        value: `${perSecond(tmpfsRate)} (${fmt((tmpfsRate / rawTmpfsRate) * 100)}% of raw)`,
        baseline: perSecond(rawTmpfsRate),
        target: 'diagnostic: no disk',
        met: null,
      },
      { figure: 'SQLite on tmpfs: CPU per call', value: `${fmt(num(schedTmpfs, 'cpuUsPerCall'))} µs`, baseline: `${fmt(num(rawTmpfs, 'cpuUsPerCall'))} µs`, target: '', met: null },
      {
        figure: 'memory: calls/s',
        value: `${perSecond(memoryRate)} (${fmt((memoryRate / rawSqlite) * 100)}% of raw SQLite)`,
        baseline: `${perSecond(rawMemory)} (raw in-memory loop)`,
        target: 'report',
        met: null,
      },
      { figure: 'memory: CPU per call', value: `${fmt(num(memory, 'cpuUsPerCall'))} µs`, baseline: `${fmt(num(resultOf(results, 'raw-memory'), 'cpuUsPerCall'))} µs`, target: '', met: null },
    ];
    return rows;
  },
};

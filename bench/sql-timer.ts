/**
 * Times every SQLite statement a process runs through better-sqlite3, by SQL text: load it with
 * `--import` in front of a case, and it writes a table (total, count, mean, the statement's text)
 * to `SQL_TIMER_OUT` when the process exits. What it shows is the statements' cost inside the
 * running workload, where it differs from a tight loop on the same file (cold caches between timed
 * claims, the garbage of the JavaScript around them):
 *
 *   SQL_TIMER_OUT=/tmp/sql.txt node --conditions=@call-scheduler/source --import tsx --import ./bench/sql-timer.ts \
 *     bench/case.ts --scenario=peers --case=spread --tmp=$(mktemp -d) --out=/tmp/spread.json --param.contender=ours-sqlite
 *
 * Only for the main thread's connections (a store with `thread: 'worker'` runs its statements on
 * its own thread, which this module does not reach). The timing wraps each call of `run`, `all`,
 * `get` and `iterate` (an `iterate` is timed until it returns its iterator) and `exec`.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

interface Timing {
  count: number;
  us: number;
}

const out = process.env.SQL_TIMER_OUT;
if (out !== undefined && out !== '') {
  const require = createRequire(new URL('../packages/store-sqlite/package.json', import.meta.url));
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  const databaseProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
  probe.close();
  const timings = new Map<string, Timing>();
  const record = (key: string, startedAt: bigint): void => {
    const timing = timings.get(key) ?? { count: 0, us: 0 };
    timing.count += 1;
    timing.us += Number(process.hrtime.bigint() - startedAt) / 1000;
    timings.set(key, timing);
  };
  const shorten = (text: string): string => text.replace(/\s+/g, ' ').slice(0, 120);
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = statementProto[method] as (this: { source: string }, ...args: unknown[]) => unknown;
    statementProto[method] = function (this: { source: string }, ...args: unknown[]): unknown {
      const startedAt = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        record(`${method} ${shorten(this.source)}`, startedAt);
      }
    };
  }
  const exec = databaseProto.exec as (this: unknown, text: string) => unknown;
  databaseProto.exec = function (this: unknown, text: string): unknown {
    const startedAt = process.hrtime.bigint();
    try {
      return exec.call(this, text);
    } finally {
      record(`exec ${shorten(text)}`, startedAt);
    }
  };
  process.on('exit', () => {
    let totalUs = 0;
    for (const timing of timings.values()) totalUs += timing.us;
    const lines = [...timings.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([key, t]) => `${(t.us / 1000).toFixed(1).padStart(9)} ms ${String(t.count).padStart(8)} × ${(t.us / t.count).toFixed(1).padStart(8)} µs  ${key}`);
    writeFileSync(out, [`${(totalUs / 1000).toFixed(1)} ms in ${timings.size} statements`, ...lines].join('\n') + '\n');
  });
}

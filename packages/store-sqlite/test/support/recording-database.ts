import Database from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';
import type { SqliteStoreDatabase } from '../../src/index.js';

/** One statement run through a {@link recordingDatabase}. */
export interface RecordedQuery {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * `raw` as a database for `new SqliteStore({ database })` that calls `before` with each statement
 * and its parameters just before running it (a test records it, or dies there).
 */
export function hookedDatabase(raw: Database.Database, before: (sql: string, parameters: readonly unknown[]) => void): SqliteStoreDatabase {
  return {
    memory: raw.memory,
    name: raw.name,
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      const statement = raw.prepare(sql);
      return {
        reader: statement.reader,
        all: (parameters) => (before(sql, parameters), statement.all(parameters)),
        run: (parameters) => (before(sql, parameters), statement.run(parameters)),
        iterate: (parameters) => (before(sql, parameters), statement.iterate(parameters)),
      };
    },
  };
}

/**
 * A better-sqlite3 database for `new SqliteStore({ database })` that records every statement the
 * store runs with its parameters, so that a test can `EXPLAIN QUERY PLAN` exactly those.
 */
export function recordingDatabase(filename: string): {
  readonly database: SqliteStoreDatabase;
  readonly raw: Database.Database;
  readonly queries: RecordedQuery[];
} {
  const raw = new Database(filename);
  const queries: RecordedQuery[] = [];
  const database = hookedDatabase(raw, (sql, parameters) => {
    queries.push({ sql, parameters: [...parameters] });
  });
  return { database, raw, queries };
}

/** The `EXPLAIN QUERY PLAN` lines of `query` on `raw`. */
export function queryPlan(raw: Database.Database, query: RecordedQuery): string[] {
  const rows = raw.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as { detail: string }[];
  return rows.map((row) => row.detail);
}

/**
 * Plan lines that read a whole table: `SCAN <table>` without an index (`SCAN <table> USING INDEX`
 * walks an index in order and stops at the LIMIT; a VALUES clause or a constant row is no table).
 */
export function fullScans(plan: readonly string[]): string[] {
  return plan
    .map((line) => line.trim())
    .filter((line) => line.startsWith('SCAN ') && !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|VALUES CLAUSE|CONSTANT ROW/.test(line));
}

/** True for a statement that reads or writes data (not transaction control or a pragma). */
export function isDataQuery(query: RecordedQuery): boolean {
  return !/^\s*(begin|commit|rollback|pragma|savepoint|release)\b/i.test(query.sql);
}

/** Runs `operation` and returns the plans of the data statements it ran through `recorder`. */
export async function plansOf(
  recorder: ReturnType<typeof recordingDatabase>,
  operation: () => Promise<unknown>,
): Promise<{ sql: string; plan: string[] }[]> {
  recorder.queries.length = 0;
  await operation();
  const queries = recorder.queries.filter(isDataQuery);
  if (queries.length === 0) throw new Error('the operation ran no data statement');
  return queries.map((q) => ({ sql: q.sql, plan: queryPlan(recorder.raw, q) }));
}

import { CompiledQuery } from 'kysely';
import type { Insertable, Transaction } from 'kysely';
import type { DirectStatements } from './direct-statements.js';
import type { StoreTables } from './tables.js';

/*
 * The multi-row inserts of calls, events and claimed attempts, the store's hottest writes, without kysely's query
 * builder: building, typing and compiling an insert of 500 rows cost more than SQLite's own work
 * on it. The SQL text of each shape (table, columns, row count) is built once and kept,
 * so the statement cache (`statement-cache.ts`) finds the prepared statement by that same text;
 * only the parameters are made per insert. A batch whose rows do not all have the same columns, or
 * with an `undefined` value (which kysely leaves out of the statement), goes through kysely as
 * before.
 */

/** A table the hot inserts write. */
type HotTable = 'calls' | 'events' | 'attempts';

/** SQL text by shape: `table|columns|rows`. At most a few dozen shapes occur. */
const sqlByShape = new Map<string, string>();

/** Shapes kept before the cache starts over (a guard: the store only makes a handful). */
const MAX_SHAPES = 256;

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function insertSql(table: HotTable, columns: readonly string[], rows: number): string {
  const shape = `${table}|${columns.join(',')}|${rows}`;
  const cached = sqlByShape.get(shape);
  if (cached !== undefined) return cached;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ` + Array.from({ length: rows }, () => tuple).join(', ');
  if (sqlByShape.size >= MAX_SHAPES) sqlByShape.clear();
  sqlByShape.set(shape, text);
  return text;
}

/** The rows' values in column order, or `null` when a row has other columns or an `undefined` value. */
function flatParameters(rows: readonly object[], columns: readonly string[]): unknown[] | null {
  const width = columns.length;
  const parameters = new Array<unknown>(rows.length * width);
  let at = 0;
  for (const row of rows) {
    const record = row as Readonly<Record<string, unknown>>;
    if (Object.keys(record).length !== width) return null;
    for (const column of columns) {
      const value = record[column];
      if (value === undefined) return null;
      parameters[at++] = value;
    }
  }
  return parameters;
}

/**
 * Inserts `rows` (at least one) into `table` in one statement: through the compiled-once SQL, run
 * straight on the connection (`direct`, inside the transaction `trx` holds), when they share one
 * shape, else through kysely's builder. Answers the rowid of the last row inserted (SQLite's
 * `last_insert_rowid()`): the rows of one statement get consecutive rowids in `VALUES` order
 * (nothing else writes during the statement, and `AUTOINCREMENT` takes the next one for each row),
 * so the first is that minus `rows.length - 1`, with no `RETURNING` rows to build. (For a
 * `WITHOUT ROWID` table, `attempts`, the answer means nothing: SQLite leaves it unchanged; `NaN`
 * when the connection reports none.)
 */
export async function insertRows<T extends HotTable>(
  direct: DirectStatements,
  trx: Transaction<StoreTables>,
  table: T,
  rows: readonly Insertable<StoreTables[T]>[],
): Promise<number | bigint> {
  const first = rows[0];
  const columns = first === undefined ? [] : Object.keys(first);
  const parameters = columns.length === 0 ? null : flatParameters(rows, columns);
  if (parameters !== null) return direct.run(CompiledQuery.raw(insertSql(table, columns, rows.length), parameters)).lastInsertRowid;
  // Mixed shapes or undefined values: kysely's builder, exactly as before.
  const result = await trx.insertInto(table as 'events').values(rows as readonly Insertable<StoreTables['events']>[]).executeTakeFirst();
  // Unknown (NaN) when the connection reports none: only `insertEvents` uses the answer, and checks it.
  return result.insertId ?? Number.NaN;
}

import type { JsonColumnCodec } from '@call-scheduler/core/internal';

export { fromErrorColumns, int, intOrNull } from '@call-scheduler/core/internal';

/** A JSON value as column text, or null. */
export function toJsonColumn(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A JSON column's value, or null. */
export function fromJsonColumn<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** SQLite's JSON columns are text: parsed on reading. */
export const sqliteJson: JsonColumnCodec<string> = { decode: fromJsonColumn };

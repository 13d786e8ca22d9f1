import type { CallError } from '@call-scheduler/core';

/** A JSON value as column text, or null. */
export function toJsonColumn(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A JSON column's value, or null. */
export function fromJsonColumn<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/**
 * An integer column as a number (also when the caller's database was set to return `bigint`s with
 * better-sqlite3's `safeIntegers()`).
 */
export function int(value: number | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A nullable integer column as a number or null. */
export function intOrNull(value: number | bigint | null): number | null {
  return value === null ? null : int(value);
}

/** An error from its two columns. */
export function fromErrorColumns(code: string | null, message: string | null): CallError | null {
  return code === null ? null : { code, message: message ?? '' };
}

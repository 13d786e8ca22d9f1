import { initialSchema } from './0001-initial-schema.js';
import { callSeries } from './0002-call-series.js';

/** One migration: the statements it runs, given the store's quoted schema name. */
export type Migration = (quotedSchema: string) => readonly string[];

/**
 * Every migration this version of the package knows, by name, in the order they run; a new
 * migration gets the next number. They are code, not files read from disk, so a bundled build
 * carries them.
 */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = Object.freeze([
  ['0001_initial_schema', initialSchema] as const,
  ['0002_call_series', callSeries] as const,
]);

/** The table (in the store's schema) that records the migrations that ran. */
export const MIGRATION_TABLE = 'schema_migrations';

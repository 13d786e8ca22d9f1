import type { Migration, MigrationProvider } from 'kysely';
import { initialSchema } from './0001-initial-schema.js';
import { endedCallsIndex } from './0002-ended-calls-index.js';
import { attemptSchedulerId } from './0003-attempt-scheduler-id.js';
import { callSeries } from './0004-call-series.js';
import { endedAtPartialIndexes } from './0005-ended-at-partial-indexes.js';

/**
 * Every migration this version of the package knows, by name. Names sort in the order they run;
 * a new migration gets the next number. The migrations are code, not files read from disk, so a
 * bundled or packed build carries them.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial_schema': initialSchema,
  '0002_ended_calls_index': endedCallsIndex,
  '0003_attempt_scheduler_id': attemptSchedulerId,
  '0004_call_series': callSeries,
  '0005_ended_at_partial_indexes': endedAtPartialIndexes,
});

/** The table where kysely's `Migrator` records the migrations it ran. */
export const MIGRATION_TABLE = 'call_scheduler_migration';

/** The lock table of kysely's `Migrator`. */
export const MIGRATION_LOCK_TABLE = 'call_scheduler_migration_lock';

/** Hands kysely's `Migrator` the built-in {@link MIGRATIONS}. */
export class BuiltInMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  }
}

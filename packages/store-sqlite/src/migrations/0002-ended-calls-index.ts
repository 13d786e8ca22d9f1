import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';

/**
 * The terminal statuses. A query uses the partial index only when its own `WHERE` repeats this
 * condition word for word: `hot-queries.ts` spells it the same way (a migration never changes, so
 * it keeps its own copy).
 */
const TERMINAL_STATUSES = sql.raw(`('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired')`);

/**
 * Adds `calls_ended_idx`: the ended (terminal) calls by `ended_at`, then id, for retention
 * (`SqliteStore.purgeCalls` walks it oldest first and stops after its batch). Partial, so that
 * scheduled and live calls, the ones the hot paths write, never pay for it.
 *
 * On an existing file this builds the index once, at the first `init()` of this version: a scan of
 * `calls` inside the migration's transaction (other processes wait for it).
 */
export const endedCallsIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('calls_ended_idx')
      .on('calls')
      .columns(['ended_at', 'id'])
      .where(sql<SqlBool>`status in ${TERMINAL_STATUSES}`)
      .execute();
  },
};

// Frozen once released: a migration spells out its own columns and shares no code with other
// migrations or with the row types, so that a later change elsewhere can never alter what it
// does on a database that has not run it yet. Its likeness to other migrations is intentional.
import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';

/**
 * Recurring calls: the `call_series` table (a rule plus its cursor, see core's `SeriesStore`) and
 * two nullable columns on `calls`, `series_id` and `occurrence_at`, unique together where set, so
 * that no replay, race or restart can create one occurrence twice. Adding nullable columns
 * rewrites nothing; the new indexes are partial, so plain calls never pay for them.
 */
export const callSeries: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('call_series')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('disambiguation', 'text', (c) => c.notNull())
      .addColumn('start_at', 'integer')
      .addColumn('end_at', 'integer')
      .addColumn('max_count', 'integer')
      .addColumn('skip_dates', 'text', (c) => c.notNull())
      .addColumn('excluded_occurrences', 'text', (c) => c.notNull())
      .addColumn('catch_up', 'text', (c) => c.notNull())
      .addColumn('calling_window', 'text')
      .addColumn('expires_after_ms', 'integer')
      .addColumn('retry_policy', 'text')
      .addColumn('metadata', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('next_occurrence_at', 'integer')
      .addColumn('last_occurrence_at', 'integer')
      .addColumn('occurrences_created', 'integer', (c) => c.notNull())
      .addColumn('plan_at', 'integer')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('end_reason', 'text')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .modifyEnd(sql`strict`)
      .execute();
    await db.schema
      .createIndex('call_series_idempotency_key_uq')
      .unique()
      .on('call_series')
      .column('idempotency_key')
      .where(sql.ref('idempotency_key'), 'is not', null)
      .execute();
    // listDueSeries (status = 'active' AND plan_at <= ? ORDER BY plan_at, id) and min(plan_at).
    await db.schema
      .createIndex('call_series_plan_idx')
      .on('call_series')
      .columns(['plan_at', 'id'])
      .where(sql<SqlBool>`status = 'active'`)
      .execute();

    await db.schema.alterTable('calls').addColumn('series_id', 'text').execute();
    await db.schema.alterTable('calls').addColumn('occurrence_at', 'integer').execute();
    await db.schema
      .createIndex('calls_series_occurrence_uq')
      .unique()
      .on('calls')
      .columns(['series_id', 'occurrence_at'])
      .where(sql.ref('series_id'), 'is not', null)
      .execute();
  },
};

// Frozen once released: a migration spells out its own columns and shares no code with other
// migrations or with the row types, so that a later change elsewhere can never alter what it
// does on a database that has not run it yet. Its likeness to other migrations is intentional.
import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';

/** Statuses in which a call still occupies its number (for `onePerNumber` claims). */
const OPEN_STATUSES = sql.raw(`('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`);

/**
 * The first schema: `calls`, `attempts`, `events` and the indexes of the hot queries. Never edit a
 * shipped migration: add a new one.
 *
 * The partial indexes only serve queries that spell their `WHERE` the same way, with literals
 * (`status = 'scheduled'`), not parameters; `sqlite-store.ts` does.
 */
export const initialSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('calls')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      .addColumn('due_at', 'integer')
      .addColumn('time_zone', 'text')
      .addColumn('calling_window', 'text')
      .addColumn('expires_at', 'integer')
      .addColumn('retry_policy', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('metadata', 'text')
      .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('provider_call_id', 'text')
      .addColumn('provider_status', 'text')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'integer')
      .addColumn('fencing_token', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claimed_due_at', 'integer')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .modifyEnd(sql`strict`)
      .execute();

    // Idempotency: unique among the calls that have a key.
    await db.schema
      .createIndex('calls_idempotency_key_uq')
      .unique()
      .on('calls')
      .column('idempotency_key')
      .where(sql.ref('idempotency_key'), 'is not', null)
      .execute();
    // Claim (status = 'scheduled' AND due_at <= ? ORDER BY due_at, id) and min(due_at).
    await db.schema
      .createIndex('calls_due_idx')
      .on('calls')
      .columns(['due_at', 'id'])
      .where(sql<SqlBool>`status = 'scheduled'`)
      .execute();
    // Lease recovery (lease_expires_at <= ? ORDER BY lease_expires_at, id) and min(lease_expires_at).
    await db.schema
      .createIndex('calls_lease_idx')
      .on('calls')
      .columns(['lease_expires_at', 'id'])
      .where(sql.ref('lease_expires_at'), 'is not', null)
      .execute();
    // Lists filtered by status or by number, in id order.
    await db.schema.createIndex('calls_status_id_idx').on('calls').columns(['status', 'id']).execute();
    await db.schema.createIndex('calls_to_id_idx').on('calls').columns(['to_number', 'id']).execute();
    // onePerNumber: is another call to this number open?
    await db.schema
      .createIndex('calls_open_to_idx')
      .on('calls')
      .column('to_number')
      .where(sql<SqlBool>`status in ${OPEN_STATUSES}`)
      .execute();
    // Webhooks: the call of a provider call id.
    await db.schema
      .createIndex('calls_provider_call_id_idx')
      .on('calls')
      .column('provider_call_id')
      .where(sql.ref('provider_call_id'), 'is not', null)
      .execute();

    await db.schema
      .createTable('attempts')
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('provider_call_id', 'text')
      .addColumn('provider_status', 'text')
      .addColumn('started_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .addColumn('duration_seconds', 'real')
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addPrimaryKeyConstraint('attempts_pk', ['call_id', 'number'])
      .modifyEnd(sql`strict, without rowid`)
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('provider_status', 'text')
      .addColumn('data', 'text')
      .modifyEnd(sql`strict`)
      .execute();
    await db.schema.createIndex('events_call_id_idx').on('events').columns(['call_id', 'id']).execute();
  },
};

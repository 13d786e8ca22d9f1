// Owns: SqliteStore's claims: due calls (one per number when asked), expired leases, and the attempts counted per number.
import type { CallRecord, ClaimOptions, NewCallEvent, UpdateResult } from '@call-scheduler/core';
import { sql } from 'kysely';
import type { Insertable, Selectable, Transaction } from 'kysely';
import { ROWS_PER_INSERT, chunks } from './database/batches.js';
import type { SqliteAccess } from './database/store-access.js';
import type { AttemptsTable, CallsTable, StoreTables } from './database/tables.js';
import type { DirectStatements } from './database/direct-statements.js';
import { insertRows } from './database/hot-inserts.js';
import { anyDueCall, anyExpiredLease, claimDueCallsQuery, expiredLeaseIds } from './hot-queries.js';
import { toCallRecord } from './rows/call-row.js';
import { int } from './rows/columns.js';
import { toNewEventRow } from './rows/event-row.js';
import { insertEvents } from './sqlite-events.js';

/** The order a claim's `RETURNING` rows had in its subquery: `claimed_due_at`, then id. */
function byClaimOrder(a: CallsTable, b: CallsTable): number {
  const byDue = (a.claimed_due_at ?? 0) - (b.claimed_due_at ?? 0);
  if (byDue !== 0) return byDue;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The claimed or recovered `rows` as results, each with the one event `eventOf` makes for it (inserted in row order). */
async function withOneEventEach(
  direct: DirectStatements,
  trx: Transaction<StoreTables>,
  rows: readonly Selectable<CallsTable>[],
  eventOf: (row: Selectable<CallsTable>) => NewCallEvent,
): Promise<UpdateResult[]> {
  const events = await insertEvents(direct, trx, rows.map((row) => toNewEventRow(row.id, eventOf(row))));
  return rows.map((row, i) => ({ call: toCallRecord(row), events: events.slice(i, i + 1) }));
}

/**
 * Atomically claims up to `limit` due calls, earliest `dueAt` first (then id); see `CallStore.claimDueCalls`.
 *
 * One `UPDATE calls ... WHERE id IN (SELECT id ... ORDER BY due_at, id LIMIT n) RETURNING *`
 * (a walk of the partial index `calls_due_idx`, see `hot-queries.ts`), then the attempts and events of the claimed
 * calls, in the same immediate transaction. When nothing is due, a read answers without taking
 * the write lock. Every statement of it is written once (no query build per claim).
 */
export async function claimDueCalls(access: SqliteAccess, options: ClaimOptions): Promise<UpdateResult[]> {
  const { now, limit, owner, leaseExpiresAt } = options;
  const dueBy = options.dueBy ?? now;
  const { db, direct } = access;
  if (limit <= 0) return [];
  if ((await db.executeQuery(anyDueCall(dueBy))).rows.length === 0) return [];

  return db.transaction().execute(async (trx) => {
    const rows = direct.rows(claimDueCallsQuery({ owner, leaseExpiresAt, now, dueBy, limit, onePerNumber: options.onePerNumber === true }));
    if (rows.length === 0) return [];
    rows.sort(byClaimOrder);

    const attempts: Insertable<AttemptsTable>[] = rows.map((row) => ({
      call_id: row.id,
      number: int(row.attempt_count),
      status: 'dispatching',
      provider_call_id: null,
      provider_status: null,
      started_at: now,
      ended_at: null,
      duration_seconds: null,
      error_code: null,
      error_message: null,
      scheduler_id: owner,
    }));
    for (const chunk of chunks(attempts, ROWS_PER_INSERT)) await insertRows(direct, trx, 'attempts', chunk);
    return withOneEventEach(direct, trx, rows, (row) => ({
      type: 'dispatching',
      at: now,
      attempt: int(row.attempt_count),
      status: 'dispatching',
      providerStatus: null,
      // Who claimed it and when it was due: the history names the host that dialed.
      data: { owner, dueAt: int(row.claimed_due_at ?? now) },
    }));
  });
}


/**
 * Atomically takes over up to `limit` calls whose lease expired, earliest expiry first; see `CallStore.claimExpiredLeases`.
 *
 * One `UPDATE ... WHERE id IN (SELECT id ... WHERE lease_expires_at <= ? ORDER BY
 * lease_expires_at, id LIMIT n) RETURNING *` on the partial index `calls_lease_idx`, and the
 * `recovered` events, in one immediate transaction.
 */
export async function claimExpiredLeases(access: SqliteAccess, options: ClaimOptions): Promise<UpdateResult[]> {
  const { now, limit, owner, leaseExpiresAt } = options;
  const { db } = access;
  if (limit <= 0) return [];
  if ((await anyExpiredLease(now).execute(db)).rows.length === 0) return [];

  return db.transaction().execute(async (trx) => {
    // The owners whose leases are taken over, for the `recovered` events (RETURNING gives the
    // new row only). The same transaction runs the update, so it takes these same calls.
    const previous = await sql<{ id: string; lease_owner: string | null }>`select id, lease_owner from calls where id in ${expiredLeaseIds(now, limit)}`.execute(trx);
    const previousOwner = new Map(previous.rows.map((row) => [row.id, row.lease_owner]));
    const rows = await trx
      .updateTable('calls')
      .set({
        // The expiry this recovery was due at, to order the result (SET reads the old row).
        claimed_due_at: sql<number>`lease_expires_at`,
        fencing_token: sql<number>`fencing_token + 1`,
        lease_owner: owner,
        lease_expires_at: leaseExpiresAt,
        version: sql<number>`version + 1`,
        updated_at: now,
      })
      .where('id', 'in', expiredLeaseIds(now, limit))
      .returningAll()
      .execute();
    if (rows.length === 0) return [];
    rows.sort(byClaimOrder);
    return withOneEventEach(access.direct, trx, rows, (row) => ({
      type: 'recovered',
      at: now,
      attempt: int(row.attempt_count) > 0 ? int(row.attempt_count) : null,
      status: row.status as CallRecord['status'],
      providerStatus: null,
      data: { previousOwner: previousOwner.get(row.id) ?? null, owner },
    }));
  });
}

/** How many attempts to `to` started at or after `since`. */
export async function countAttempts(access: SqliteAccess, query: { readonly to: string; readonly since: number }): Promise<number> {
  const { db } = access;
  const row = await db
    .selectFrom('calls as c')
    .innerJoin('attempts as a', 'a.call_id', 'c.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('c.to_number', '=', query.to)
    .where('a.started_at', '>=', query.since)
    .executeTakeFirstOrThrow();
  return int(row.n);
}

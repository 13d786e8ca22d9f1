// Owns: SqliteStore's figures: calls per status, the due summary and the next wake-up, each read from one index.
import type { CallStatus, CallStatusCounts, DueSummary, DueSummaryQuery, WakeUpTimes } from '@call-scheduler/core';
import { earlierOf } from '@call-scheduler/core/internal';
import { sql } from 'kysely';
import type { SqliteAccess } from './database/store-access.js';
import { nextWakeUpTimes as nextWakeUpTimesQuery } from './hot-queries.js';
import { int } from './rows/columns.js';

/** See {@link SqliteStore.countByStatus}. */
export async function countByStatus(access: SqliteAccess): Promise<CallStatusCounts> {
  const { db } = access;
  const { rows } = await sql<{ status: CallStatus; n: number | bigint }>`select status, count(*) as n from calls indexed by calls_status_id_idx group by status`.execute(db);
  const counts: Partial<Record<CallStatus, number>> = {};
  for (const row of rows) counts[row.status] = int(row.n);
  return counts;
}

/** See {@link SqliteStore.dueSummary}. */
export async function dueSummary(access: SqliteAccess, query: DueSummaryQuery): Promise<DueSummary> {
  const { db } = access;
  const bound = query.now + query.horizonMs;
  const { rows } = await sql<{ earliest: number | bigint | null; within: number | bigint }>`select
    (select min(due_at) from calls indexed by calls_due_idx where status = 'scheduled') as earliest,
    (select count(*) from calls indexed by calls_due_idx where status = 'scheduled' and due_at <= ${bound}) as within`.execute(db);
  const row = rows[0];
  return { earliestDueAt: row?.earliest == null ? null : int(row.earliest), dueWithin: row === undefined ? 0 : int(row.within) };
}

/** The smallest `dueAt` of a `scheduled` call and `expiresAt` of a lease (see `CallStore.nextWakeUpTimes`). */
export async function nextWakeUpTimes(access: SqliteAccess): Promise<WakeUpTimes> {
  // Two index lookups in one statement: the first entry of calls_due_idx and of calls_lease_idx.
  const row = (await access.db.executeQuery(nextWakeUpTimesQuery())).rows[0];
  return { due: row?.due == null ? null : int(row.due), leaseExpiry: row?.lease == null ? null : int(row.lease) };
}

/** The smallest `dueAt` of a `scheduled` call or `expiresAt` of a lease, or `null`. */
export async function nextWakeUpAt(access: SqliteAccess): Promise<number | null> {
  return earlierOf(await nextWakeUpTimes(access));
}

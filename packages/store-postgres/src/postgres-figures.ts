// Owns: PostgresStore's figures: calls per status, the due summary and the next wake-up, each read from one index.
import type { CallStatus, CallStatusCounts, DueSummary, DueSummaryQuery, WakeUpTimes } from '@call-scheduler/core';
import { earlierOf } from '@call-scheduler/core/internal';
import type { OpenDatabase } from './database/open-database.js';
import { int } from './rows/rows.js';
import * as statements from './sql/statements.js';

/** See {@link PostgresStore.countByStatus}. */
export async function countByStatus(open: OpenDatabase): Promise<CallStatusCounts> {
  const { rows } = await statements.countByStatus(open.quoted).execute(open.db);
  const counts: Partial<Record<CallStatus, number>> = {};
  for (const row of rows) counts[row.status as CallStatus] = int(row.n);
  return counts;
}

/** See {@link PostgresStore.dueSummary}. */
export async function dueSummary(open: OpenDatabase, query: DueSummaryQuery): Promise<DueSummary> {
  const row = (await statements.dueSummary(open.quoted, query.now + query.horizonMs).execute(open.db)).rows[0];
  return { earliestDueAt: row?.earliest == null ? null : int(row.earliest), dueWithin: row === undefined ? 0 : int(row.within) };
}

/** The smallest `dueAt` of a `scheduled` call and `expiresAt` of a lease: two index lookups in one statement. */
export async function nextWakeUpTimes(open: Pick<OpenDatabase, 'db' | 'quoted' | 'prepared'>): Promise<WakeUpTimes> {
  const row = (await open.prepared.run(open.db, statements.nextWakeUpTimes(open.quoted))).rows[0];
  return { due: row?.due == null ? null : int(row.due), leaseExpiry: row?.lease == null ? null : int(row.lease) };
}

/** The smallest `dueAt` of a `scheduled` call or `expiresAt` of a lease, or `null`. */
export async function nextWakeUpAt(open: Pick<OpenDatabase, 'db' | 'quoted' | 'prepared'>): Promise<number | null> {
  return earlierOf(await nextWakeUpTimes(open));
}

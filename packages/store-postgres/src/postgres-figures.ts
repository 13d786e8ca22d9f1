// Owns: PostgresStore's figures: calls per status, the due summary and the next wake-up, each read from one index.
import type { CallStatus, CallStatusCounts, DueSummary, DueSummaryQuery } from '@call-scheduler/core';
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

/** The smallest `dueAt` of a `scheduled` call or `expiresAt` of a lease, or `null`: two index lookups. */
export async function nextWakeUpAt(open: Pick<OpenDatabase, 'db' | 'quoted'>): Promise<number | null> {
  const row = (await statements.nextWakeUpTimes(open.quoted).execute(open.db)).rows[0] ?? { due: null, lease: null };
  const times = [row.due, row.lease].filter((t) => t !== null).map(int);
  return times.length === 0 ? null : Math.min(...times);
}

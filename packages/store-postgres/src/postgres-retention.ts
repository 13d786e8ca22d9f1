// Owns: PostgresStore's retention: purging ended calls with their attempts and events in one statement.
import type { PurgeOptions } from '@call-scheduler/core';
import type { OpenDatabase } from './database/open-database.js';
import { int } from './rows/rows.js';
import * as statements from './sql/statements.js';

/**
 * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
 * in `statuses`), oldest first, with their attempts and events, in one statement; see
 * `CallStore.purgeCalls`. Event ids come from an identity column and are never handed out again.
 * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
 */
export async function purgeCalls(open: OpenDatabase, options: PurgeOptions): Promise<number> {
  const { db } = open;
  const statuses = options.statuses === undefined ? null : [...new Set(options.statuses)];
  if (statuses !== null && statuses.length === 0) return 0;
  const row = (await statements.purgeCalls(open.quoted, options.endedBefore, options.limit, statuses).execute(db)).rows[0];
  return row === undefined ? 0 : int(row.n);
}

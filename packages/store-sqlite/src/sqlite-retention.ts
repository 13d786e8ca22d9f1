// Owns: SqliteStore's retention: purging ended calls with their attempts and events.
import type { PurgeOptions } from '@call-scheduler/core';
import { VALUES_PER_IN, chunks } from './database/batches.js';
import type { SqliteAccess } from './database/store-access.js';
import { endedCallIds } from './hot-queries.js';

/**
 * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
 * in `statuses`), oldest `endedAt` first (then id), with their attempts and events; see
 * `CallStore.purgeCalls`. Returns how many calls it deleted.
 *
 * One `DELETE FROM calls WHERE id IN (SELECT id ... ORDER BY ended_at, id LIMIT n) RETURNING id`
 * (a walk of the partial index `calls_ended_at_idx`, which holds ended calls only, so a live
 * call cannot be chosen), then the attempts and events of those ids, in one immediate
 * transaction. Event ids are `AUTOINCREMENT`: the ids of deleted events are never handed out
 * again. The file does not shrink; SQLite reuses the freed pages.
 * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
 */
export async function purgeCalls(access: SqliteAccess, options: PurgeOptions): Promise<number> {
  const { db } = access;
  const statuses = options.statuses === undefined ? null : [...new Set(options.statuses)];
  if (statuses !== null && statuses.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .deleteFrom('calls')
      .where('id', 'in', endedCallIds(options.endedBefore, options.limit, statuses))
      .returning('id')
      .execute();
    const ids = rows.map((row) => row.id);
    for (const chunk of chunks(ids, VALUES_PER_IN)) {
      await trx.deleteFrom('attempts').where('call_id', 'in', chunk).execute();
      await trx.deleteFrom('events').where('call_id', 'in', chunk).execute();
    }
    return ids.length;
  });
}

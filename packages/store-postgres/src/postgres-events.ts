// Owns: PostgresStore's event log: reading it in (transaction id, id) order after a cursor, and its head.
import type { EventCursor, EventListQuery, EventPage } from '@call-scheduler/core';
import type { OpenDatabase } from './database/open-database.js';
import { decodeEventCursor, encodeEventCursor } from './event-cursor.js';
import { toEventRecord } from './rows/rows.js';
import * as statements from './sql/statements.js';

/**
 * The events committed after `query.after`, in (transaction id, id) order, only from
 * transactions that have all ended: an event whose transaction is still open (or that committed
 * after an older one still open) waits until everything before it has ended, so a reader that
 * resumes from the returned cursors never skips one. See `CallStore.listEvents`.
 * @throws CallSchedulerError `INVALID_INPUT` naming `after` or `limit`.
 */
export async function listEvents(open: OpenDatabase, query: EventListQuery): Promise<EventPage> {
  const { db } = open;
  const after = decodeEventCursor(query.after);
  const rows = (await statements.listEvents(open.quoted, after, query.limit, query.callId).execute(db)).rows;
  const items = rows.map(toEventRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: last !== undefined ? last.cursor : query.after };
}

/**
 * The cursor of the log's end: the oldest transaction still running (everything before it has
 * ended), or `null` when the log is empty. Events of transactions that were running at the call
 * follow it, also when they commit later.
 */
export async function eventLogHead(open: OpenDatabase): Promise<EventCursor | null> {
  const { db } = open;
  const row = (await statements.eventLogHead(open.quoted).execute(db)).rows[0];
  return row === undefined || !row.any ? null : encodeEventCursor(row.xmin, 0);
}

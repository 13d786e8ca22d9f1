// Owns: SqliteStore's event log: appending events, reading them after a cursor, and its head.
import { decodeSequenceCursor, encodeSequenceCursor } from '@call-scheduler/core/internal';
import type { CallEventRecord, EventCursor, EventListQuery, EventPage } from '@call-scheduler/core';
import type { Insertable, Transaction } from 'kysely';
import { ROWS_PER_INSERT, chunks } from './database/batches.js';
import type { DirectStatements } from './database/direct-statements.js';
import { insertRows } from './database/hot-inserts.js';
import type { SqliteAccess } from './database/store-access.js';
import type { EventsTable, StoreTables } from './database/tables.js';
import { int } from './rows/columns.js';
import { toEventRecord } from './rows/event-row.js';

/** Appends events in one multi-row insert per chunk (inside the transaction `trx` holds); returns them with their ids, in input order. */
export async function insertEvents(
  direct: DirectStatements,
  trx: Transaction<StoreTables>,
  rows: readonly Insertable<EventsTable>[],
): Promise<CallEventRecord[]> {
  const out: CallEventRecord[] = [];
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    // The rows of one statement get consecutive ids in VALUES order, ending at the last rowid.
    const first = int(await insertRows(direct, trx, 'events', chunk)) - chunk.length + 1;
    // A database object that does not report the last rowid (a wrapper) must fail here, not hand out wrong ids.
    if (!Number.isSafeInteger(first) || first < 1) throw new Error(`insert into events: the database reported no usable last rowid (${String(first)})`);
    chunk.forEach((row, i) => {
      out.push(toEventRecord({ ...row, id: first + i, attempt: row.attempt ?? null, provider_status: row.provider_status ?? null, data: row.data ?? null }));
    });
  }
  return out;
}

/**
 * Events committed after the cursor, in id order, at most `limit`; optionally of one call. The
 * cursor is the decimal event id: writers take turns (`BEGIN IMMEDIATE`), so id order is commit
 * order and "after id N" never skips an event.
 * @throws CallSchedulerError `INVALID_INPUT` naming `after` for a cursor this store did not make, or `limit`.
 */
export async function listEvents(access: SqliteAccess, query: EventListQuery): Promise<EventPage> {
  const { db } = access;
  const afterId = decodeSequenceCursor(query.after) ?? 0;
  let select = db.selectFrom('events').selectAll().where('id', '>', afterId);
  if (query.callId !== undefined) select = select.where('call_id', '=', query.callId);
  const rows = await select.orderBy('id').limit(query.limit).execute();
  const items = rows.map(toEventRecord);
  return { items, nextCursor: items[items.length - 1]?.cursor ?? query.after };
}

/** The cursor of the newest stored event (the largest id), or `null` when there is none. */
export async function eventLogHead(access: SqliteAccess): Promise<EventCursor | null> {
  const { db } = access;
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  const id = row?.id ?? null;
  return id === null ? null : encodeSequenceCursor(int(id));
}

import { encodeSequenceCursor, int, newEventColumns, toEventRecord as toEventRecordOf } from '@call-scheduler/core/internal';
import type { CallEventRecord, NewCallEvent } from '@call-scheduler/core';
import type { Insertable, Selectable } from 'kysely';
import type { EventsTable } from '../database/tables.js';
import { sqliteJson, toJsonColumn } from './columns.js';

/**
 * An `events` row as a {@link CallEventRecord}. The cursor is the decimal id: writers take turns
 * (`BEGIN IMMEDIATE`), so id order is commit order.
 */
export function toEventRecord(row: Selectable<EventsTable>): CallEventRecord {
  return toEventRecordOf(row, encodeSequenceCursor(int(row.id)), sqliteJson);
}

/** The row of an event to append to call `callId`. */
export function toNewEventRow(callId: string, event: NewCallEvent): Insertable<EventsTable> {
  return newEventColumns(callId, event, toJsonColumn);
}

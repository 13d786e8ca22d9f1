import { encodeSequenceCursor } from '@call-scheduler/core/internal';
import type { CallEventRecord, CallEventType, CallStatus, JsonObject, NewCallEvent } from '@call-scheduler/core';
import type { Insertable, Selectable } from 'kysely';
import type { EventsTable } from '../database/tables.js';
import { fromJsonColumn, int, intOrNull, toJsonColumn } from './columns.js';

/**
 * An `events` row as a {@link CallEventRecord}. The cursor is the decimal id: writers take turns
 * (`BEGIN IMMEDIATE`), so id order is commit order.
 */
export function toEventRecord(row: Selectable<EventsTable>): CallEventRecord {
  const id = int(row.id);
  return {
    id,
    cursor: encodeSequenceCursor(id),
    callId: row.call_id,
    type: row.type as CallEventType,
    at: int(row.at),
    attempt: intOrNull(row.attempt),
    status: row.status as CallStatus,
    providerStatus: row.provider_status,
    data: fromJsonColumn<JsonObject>(row.data),
  };
}

/** The row of an event to append to call `callId`. */
export function toNewEventRow(callId: string, event: NewCallEvent): Insertable<EventsTable> {
  return {
    call_id: callId,
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    provider_status: event.providerStatus,
    data: toJsonColumn(event.data),
  };
}

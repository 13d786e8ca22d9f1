import type { CallEventRecord, CallRecord, CallingWindow, JsonObject, NewCallEvent, NewCallRecord, RetryPolicy } from '@call-scheduler/core';
import { int, newCallColumns, newEventColumns, toCallRecord as toCallRecordOf, toEventRecord as toEventRecordOf } from '@call-scheduler/core/internal';
import type { JsonColumnCodec, NewCallColumns, NewEventColumns } from '@call-scheduler/core/internal';
import { encodeEventCursor } from '../event-cursor.js';

export { INITIAL_VERSION, fromErrorColumns, int, intOrNull, newCallRecord, toAttemptRecord } from '@call-scheduler/core/internal';

/** A `bigint` or `integer` column as `pg` returns it: `bigint`s come as decimal strings. */
export type IntColumn = string | number;

/** A row of `calls` as `pg` returns it (`jsonb` columns parsed). */
export interface CallRow {
  id: string;
  to_number: string;
  status: string;
  at: IntColumn;
  due_at: IntColumn | null;
  time_zone: string | null;
  calling_window: CallingWindow | null;
  expires_at: IntColumn | null;
  retry_policy: RetryPolicy | null;
  idempotency_key: string | null;
  metadata: JsonObject | null;
  attempt_count: IntColumn;
  provider_call_id: string | null;
  provider_status: string | null;
  lease_owner: string | null;
  lease_expires_at: IntColumn | null;
  fencing_token: IntColumn;
  version: IntColumn;
  error_code: string | null;
  error_message: string | null;
  created_at: IntColumn;
  updated_at: IntColumn;
  ended_at: IntColumn | null;
}

/** A row of `attempts` as `pg` returns it. */
export interface AttemptRow {
  call_id: string;
  number: IntColumn;
  status: string;
  provider_call_id: string | null;
  provider_status: string | null;
  started_at: IntColumn;
  ended_at: IntColumn | null;
  duration_seconds: number | null;
  error_code: string | null;
  error_message: string | null;
  scheduler_id: string | null;
}

/** A row of `events` as `pg` returns it, with `xid` as text. */
export interface EventRow {
  id: IntColumn;
  xid: string;
  call_id: string;
  type: string;
  at: IntColumn;
  attempt: IntColumn | null;
  status: string;
  provider_status: string | null;
  data: JsonObject | null;
}

/** `jsonb` columns arrive parsed from `pg`: read as they are. */
export const pgJson: JsonColumnCodec<unknown> = { decode: <T>(column: unknown) => (column ?? null) as T | null };

/** A `calls` row as a {@link CallRecord}. */
export function toCallRecord(row: CallRow): CallRecord {
  return toCallRecordOf<unknown>(row, pgJson);
}

/** An `events` row as a {@link CallEventRecord}. */
export function toEventRecord(row: EventRow): CallEventRecord {
  return toEventRecordOf<unknown>(row, encodeEventCursor(row.xid, int(row.id)), pgJson);
}

/** The record of an event just appended to `callId`, from its input and the `id`/`xid` the insert returned. */
export function appendedEvent(callId: string, event: NewCallEvent, key: { readonly id: IntColumn; readonly xid: string }): CallEventRecord {
  const id = int(key.id);
  // Every field written out, in the order of toEventRecord: one object shape for every event (a
  // spread of the input takes V8's slow path, and its shape follows the caller's object).
  return {
    id,
    cursor: encodeEventCursor(key.xid, id),
    callId,
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    providerStatus: event.providerStatus,
    data: event.data,
  };
}

/** A JSON column's value as it is: the statement reads the whole JSON array. */
const asIs = (value: unknown): unknown => value;

/** An event to append, as one element of the JSON array that `jsonb_to_recordset` reads. */
export function eventInput(callId: string, event: NewCallEvent, ord: number): NewEventColumns<unknown> & { ord?: number } {
  // `ord` added to the fresh object, not spread with it into a new one (V8's slow path, per event).
  const input: NewEventColumns<unknown> & { ord?: number } = newEventColumns(callId, event, asIs);
  input.ord = ord;
  return input;
}

/** A call to insert, as one element of the JSON array that `jsonb_to_recordset` reads. */
export function callInput(call: NewCallRecord, ord: number): NewCallColumns<unknown> & { ord?: number } {
  // `ord` added to the fresh object, not spread with it into a new one (V8's slow path, per call).
  const input: NewCallColumns<unknown> & { ord?: number } = newCallColumns(call, asIs);
  input.ord = ord;
  return input;
}

import type {
  AttemptRecord,
  CallError,
  CallEventRecord,
  CallEventType,
  CallRecord,
  CallStatus,
  CallingWindow,
  JsonObject,
  NewCallEvent,
  NewCallRecord,
  RetryPolicy,
} from '@call-scheduler/core';
import { encodeEventCursor } from '../event-cursor.js';

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

/** An integer column as a number. */
export function int(value: IntColumn): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A nullable integer column as a number or null. */
export function intOrNull(value: IntColumn | null): number | null {
  return value === null ? null : int(value);
}

/** An error from its two columns. */
export function fromErrorColumns(code: string | null, message: string | null): CallError | null {
  return code === null ? null : { code, message: message ?? '' };
}

/** A `calls` row as a {@link CallRecord}. */
export function toCallRecord(row: CallRow): CallRecord {
  const leaseExpiresAt = intOrNull(row.lease_expires_at);
  return {
    id: row.id,
    to: row.to_number,
    status: row.status as CallStatus,
    at: int(row.at),
    dueAt: intOrNull(row.due_at),
    timeZone: row.time_zone,
    window: row.calling_window,
    expiresAt: intOrNull(row.expires_at),
    retry: row.retry_policy,
    idempotencyKey: row.idempotency_key,
    metadata: row.metadata,
    attemptCount: int(row.attempt_count),
    providerCallId: row.provider_call_id,
    providerStatus: row.provider_status,
    lease:
      row.lease_owner !== null && leaseExpiresAt !== null
        ? { owner: row.lease_owner, token: int(row.fencing_token), expiresAt: leaseExpiresAt }
        : null,
    fencingToken: int(row.fencing_token),
    version: int(row.version),
    error: fromErrorColumns(row.error_code, row.error_message),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
    endedAt: intOrNull(row.ended_at),
  };
}

/** The version a call has when inserted; every write adds one. */
export const INITIAL_VERSION = 1;

/** The record of a call just inserted from `call` (what its row reads back as). */
export function newCallRecord(call: NewCallRecord): CallRecord {
  return {
    ...call,
    attemptCount: 0,
    providerCallId: null,
    providerStatus: null,
    lease: null,
    fencingToken: 0,
    version: INITIAL_VERSION,
    updatedAt: call.createdAt,
  };
}

/** An `attempts` row as an {@link AttemptRecord}. */
export function toAttemptRecord(row: AttemptRow): AttemptRecord {
  return {
    callId: row.call_id,
    number: int(row.number),
    status: row.status as CallStatus,
    providerCallId: row.provider_call_id,
    providerStatus: row.provider_status,
    startedAt: int(row.started_at),
    endedAt: intOrNull(row.ended_at),
    durationSeconds: row.duration_seconds,
    error: fromErrorColumns(row.error_code, row.error_message),
    schedulerId: row.scheduler_id,
  };
}

/** An `events` row as a {@link CallEventRecord}. */
export function toEventRecord(row: EventRow): CallEventRecord {
  const id = int(row.id);
  return {
    id,
    cursor: encodeEventCursor(row.xid, id),
    callId: row.call_id,
    type: row.type as CallEventType,
    at: int(row.at),
    attempt: intOrNull(row.attempt),
    status: row.status as CallStatus,
    providerStatus: row.provider_status,
    data: row.data,
  };
}

/** The record of an event just appended to `callId`, from its input and the `id`/`xid` the insert returned. */
export function appendedEvent(callId: string, event: NewCallEvent, key: { readonly id: IntColumn; readonly xid: string }): CallEventRecord {
  const id = int(key.id);
  return { ...event, id, cursor: encodeEventCursor(key.xid, id), callId };
}

/** An event to append, as one element of the JSON array that `json_to_recordset` reads. */
export function eventInput(callId: string, event: NewCallEvent, ord: number): Record<string, unknown> {
  return {
    ord,
    call_id: callId,
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    provider_status: event.providerStatus,
    data: event.data,
  };
}

/** A call to insert, as one element of the JSON array that `json_to_recordset` reads. */
export function callInput(call: NewCallRecord, ord: number): Record<string, unknown> {
  return {
    ord,
    id: call.id,
    to_number: call.to,
    status: call.status,
    at: call.at,
    due_at: call.dueAt,
    time_zone: call.timeZone,
    calling_window: call.window,
    expires_at: call.expiresAt,
    retry_policy: call.retry,
    idempotency_key: call.idempotencyKey,
    metadata: call.metadata,
    error_code: call.error?.code ?? null,
    error_message: call.error?.message ?? null,
    created_at: call.createdAt,
    ended_at: call.endedAt,
  };
}

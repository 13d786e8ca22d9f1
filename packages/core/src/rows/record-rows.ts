/**
 * Not API: the row <-> record mapping the SQL stores (`store-sqlite`, `store-postgres`) share.
 * Their tables have the same columns; they differ only in how a column arrives: integers as
 * numbers, bigints or decimal strings, JSON as text (SQLite) or already parsed (PostgreSQL
 * `jsonb`). Each store passes its {@link JsonColumnCodec}; the mapping itself exists once here.
 *
 * @internal
 */
import type { CallError, CallEventType } from '../call/call.js';
import type { CallStatus } from '../call/call-status.js';
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import type { AttemptRecord, CallEventRecord, CallRecord, NewCallEvent, NewCallRecord } from '../store/call-record.js';

/** An integer column as a driver returns it: a number, a bigint, or (`pg`'s `bigint`) a decimal string. */
export type IntColumn = number | bigint | string;

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

/** The two columns of an error. */
export function errorColumns(error: CallError | null): { error_code: string | null; error_message: string | null } {
  return { error_code: error?.code ?? null, error_message: error?.message ?? null };
}

/** How a store's JSON columns arrive: `J` is the column's type as read (text, or a parsed value). */
export interface JsonColumnCodec<J> {
  /** The column's value (`null` stays `null`). */
  decode<T>(column: J | null): T | null;
}

/** The columns of a `calls` row that a {@link CallRecord} is read from; `J` is the JSON columns' type. */
export interface CallRowColumns<J> {
  /** Call id. */
  readonly id: string;
  /** `CallRecord.to`. */
  readonly to_number: string;
  /** `CallRecord.status`. */
  readonly status: string;
  /** `CallRecord.at`. */
  readonly at: IntColumn;
  /** `CallRecord.dueAt`. */
  readonly due_at: IntColumn | null;
  /** `CallRecord.timeZone`. */
  readonly time_zone: string | null;
  /** `CallRecord.window` (JSON). */
  readonly calling_window: J | null;
  /** `CallRecord.expiresAt`. */
  readonly expires_at: IntColumn | null;
  /** `CallRecord.retry` (JSON). */
  readonly retry_policy: J | null;
  /** `CallRecord.idempotencyKey`. */
  readonly idempotency_key: string | null;
  /** `CallRecord.metadata` (JSON). */
  readonly metadata: J | null;
  /** `CallRecord.attemptCount`. */
  readonly attempt_count: IntColumn;
  /** `CallRecord.providerCallId`. */
  readonly provider_call_id: string | null;
  /** `CallRecord.providerStatus`. */
  readonly provider_status: string | null;
  /** The lease's owner (set together with `lease_expires_at`). */
  readonly lease_owner: string | null;
  /** The lease's expiry. */
  readonly lease_expires_at: IntColumn | null;
  /** `CallRecord.fencingToken`, also the lease's token. */
  readonly fencing_token: IntColumn;
  /** `CallRecord.version`. */
  readonly version: IntColumn;
  /** `CallRecord.error.code`. */
  readonly error_code: string | null;
  /** `CallRecord.error.message`. */
  readonly error_message: string | null;
  /** `CallRecord.createdAt`. */
  readonly created_at: IntColumn;
  /** `CallRecord.updatedAt`. */
  readonly updated_at: IntColumn;
  /** `CallRecord.endedAt`. */
  readonly ended_at: IntColumn | null;
}

/** A `calls` row as a {@link CallRecord}, its JSON columns read with `json`. */
export function toCallRecord<J>(row: CallRowColumns<J>, json: JsonColumnCodec<J>): CallRecord {
  const leaseExpiresAt = intOrNull(row.lease_expires_at);
  return {
    id: row.id,
    to: row.to_number,
    status: row.status as CallStatus,
    at: int(row.at),
    dueAt: intOrNull(row.due_at),
    timeZone: row.time_zone,
    window: json.decode<CallingWindow>(row.calling_window),
    expiresAt: intOrNull(row.expires_at),
    retry: json.decode<RetryPolicy>(row.retry_policy),
    idempotencyKey: row.idempotency_key,
    metadata: json.decode<JsonObject>(row.metadata),
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
  // Every field written out: a spread followed by new keys takes V8's slow path (about 25 µs and
  // 5 KB per call on Node 20, on the ingest's hot path).
  return {
    id: call.id,
    to: call.to,
    status: call.status,
    at: call.at,
    dueAt: call.dueAt,
    timeZone: call.timeZone,
    window: call.window,
    expiresAt: call.expiresAt,
    retry: call.retry,
    idempotencyKey: call.idempotencyKey,
    metadata: call.metadata,
    attemptCount: 0,
    providerCallId: null,
    providerStatus: null,
    lease: null,
    fencingToken: 0,
    version: INITIAL_VERSION,
    error: call.error,
    createdAt: call.createdAt,
    updatedAt: call.createdAt,
    endedAt: call.endedAt,
  };
}

/** Writes a value into a JSON column: `J` is the column's type as written (text, or the value itself). */
export type JsonColumnWriter<J> = (value: unknown) => J | null;

/** The columns of a new call that come from its {@link NewCallRecord}; `J` is the JSON columns' type. */
export interface NewCallColumns<J> {
  readonly id: string;
  readonly to_number: string;
  readonly status: CallStatus;
  readonly at: number;
  readonly due_at: number | null;
  readonly time_zone: string | null;
  readonly calling_window: J | null;
  readonly expires_at: number | null;
  readonly retry_policy: J | null;
  readonly idempotency_key: string | null;
  readonly metadata: J | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly created_at: number;
  readonly ended_at: number | null;
}

/** The columns of `call`'s row that come from the record, its JSON columns written with `json`. */
export function newCallColumns<J>(call: NewCallRecord, json: JsonColumnWriter<J>): NewCallColumns<J> {
  return {
    id: call.id,
    to_number: call.to,
    status: call.status,
    at: call.at,
    due_at: call.dueAt,
    time_zone: call.timeZone,
    calling_window: json(call.window),
    expires_at: call.expiresAt,
    retry_policy: json(call.retry),
    idempotency_key: call.idempotencyKey,
    metadata: json(call.metadata),
    error_code: call.error?.code ?? null,
    error_message: call.error?.message ?? null,
    created_at: call.createdAt,
    ended_at: call.endedAt,
  };
}

/** The columns of an event to append; `J` is the `data` column's type. */
export interface NewEventColumns<J> {
  readonly call_id: string;
  readonly type: CallEventType;
  readonly at: number;
  readonly attempt: number | null;
  readonly status: CallStatus;
  readonly provider_status: string | null;
  readonly data: J | null;
}

/** The columns of `event`, appended to call `callId`, its `data` written with `json`. */
export function newEventColumns<J>(callId: string, event: NewCallEvent, json: JsonColumnWriter<J>): NewEventColumns<J> {
  return {
    call_id: callId,
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    provider_status: event.providerStatus,
    data: json(event.data),
  };
}

/** The attempt a claim starts: number `number` of call `callId`, `dispatching` since `startedAt`, by `schedulerId`. */
export function claimedAttempt(callId: string, number: number, startedAt: number, schedulerId: string): AttemptRecord {
  return {
    callId,
    number,
    status: 'dispatching',
    providerCallId: null,
    providerStatus: null,
    startedAt,
    endedAt: null,
    durationSeconds: null,
    error: null,
    schedulerId,
  };
}

/** The columns of an `attempts` row that an {@link AttemptRecord} is read from. */
export interface AttemptRowColumns {
  /** `AttemptRecord.callId`. */
  readonly call_id: string;
  /** `AttemptRecord.number`. */
  readonly number: IntColumn;
  /** `AttemptRecord.status`. */
  readonly status: string;
  /** `AttemptRecord.providerCallId`. */
  readonly provider_call_id: string | null;
  /** `AttemptRecord.providerStatus`. */
  readonly provider_status: string | null;
  /** `AttemptRecord.startedAt`. */
  readonly started_at: IntColumn;
  /** `AttemptRecord.endedAt`. */
  readonly ended_at: IntColumn | null;
  /** `AttemptRecord.durationSeconds`. */
  readonly duration_seconds: number | null;
  /** `AttemptRecord.error.code`. */
  readonly error_code: string | null;
  /** `AttemptRecord.error.message`. */
  readonly error_message: string | null;
  /** `AttemptRecord.schedulerId` (missing or null on rows older than that column). */
  readonly scheduler_id?: string | null;
}

/** An `attempts` row as an {@link AttemptRecord}. */
export function toAttemptRecord(row: AttemptRowColumns): AttemptRecord {
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
    schedulerId: row.scheduler_id ?? null,
  };
}

/** The columns of an `events` row that a {@link CallEventRecord} is read from; `J` is the `data` column's type. */
export interface EventRowColumns<J> {
  /** `CallEventRecord.id`. */
  readonly id: IntColumn;
  /** `CallEventRecord.callId`. */
  readonly call_id: string;
  /** `CallEventRecord.type`. */
  readonly type: string;
  /** `CallEventRecord.at`. */
  readonly at: IntColumn;
  /** `CallEventRecord.attempt`. */
  readonly attempt: IntColumn | null;
  /** `CallEventRecord.status`. */
  readonly status: string;
  /** `CallEventRecord.providerStatus`. */
  readonly provider_status: string | null;
  /** `CallEventRecord.data` (JSON). */
  readonly data: J | null;
}

/** An `events` row as a {@link CallEventRecord} with the store's `cursor` for it, its `data` read with `json`. */
export function toEventRecord<J>(row: EventRowColumns<J>, cursor: string, json: JsonColumnCodec<J>): CallEventRecord {
  return {
    id: int(row.id),
    cursor,
    callId: row.call_id,
    type: row.type as CallEventType,
    at: int(row.at),
    attempt: intOrNull(row.attempt),
    status: row.status as CallStatus,
    providerStatus: row.provider_status,
    data: json.decode<JsonObject>(row.data),
  };
}

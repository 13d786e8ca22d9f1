import type { CallError, CallPatch, CallRecord, CallStatus, CallingWindow, JsonObject, NewCallRecord, RetryPolicy } from '@call-scheduler/core';
import type { Insertable, Updateable } from 'kysely';
import type { CallsTable } from '../database/tables.js';
import { fromErrorColumns, fromJsonColumn, int, intOrNull, toJsonColumn } from './columns.js';

/** The version a call has when inserted; every write adds one. */
export const INITIAL_VERSION = 1;

/** A `calls` row as a {@link CallRecord}. */
export function toCallRecord(row: CallsTable): CallRecord {
  const leaseExpiresAt = intOrNull(row.lease_expires_at);
  return {
    id: row.id,
    to: row.to_number,
    status: row.status as CallStatus,
    at: int(row.at),
    dueAt: intOrNull(row.due_at),
    timeZone: row.time_zone,
    window: fromJsonColumn<CallingWindow>(row.calling_window),
    expiresAt: intOrNull(row.expires_at),
    retry: fromJsonColumn<RetryPolicy>(row.retry_policy),
    idempotencyKey: row.idempotency_key,
    metadata: fromJsonColumn<JsonObject>(row.metadata),
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

/** The row of a call to insert. */
export function toNewCallRow(call: NewCallRecord): Insertable<CallsTable> {
  return {
    id: call.id,
    to_number: call.to,
    status: call.status,
    at: call.at,
    due_at: call.dueAt,
    time_zone: call.timeZone,
    calling_window: toJsonColumn(call.window),
    expires_at: call.expiresAt,
    retry_policy: toJsonColumn(call.retry),
    idempotency_key: call.idempotencyKey,
    metadata: toJsonColumn(call.metadata),
    attempt_count: 0,
    provider_call_id: null,
    provider_status: null,
    lease_owner: null,
    lease_expires_at: null,
    fencing_token: 0,
    claimed_due_at: null,
    version: INITIAL_VERSION,
    error_code: call.error?.code ?? null,
    error_message: call.error?.message ?? null,
    created_at: call.createdAt,
    updated_at: call.createdAt,
    ended_at: call.endedAt,
  };
}

/** The record of a call just inserted from `call` (what the row reads back as). */
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

/** The column changes of a {@link CallPatch} (without `version` and `updated_at`). */
export function toCallPatchRow(patch: CallPatch): Updateable<CallsTable> {
  const row: Updateable<CallsTable> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.dueAt !== undefined) row.due_at = patch.dueAt;
  if (patch.at !== undefined) row.at = patch.at;
  if (patch.timeZone !== undefined) row.time_zone = patch.timeZone;
  if (patch.window !== undefined) row.calling_window = toJsonColumn(patch.window);
  if (patch.expiresAt !== undefined) row.expires_at = patch.expiresAt;
  if (patch.retry !== undefined) row.retry_policy = toJsonColumn(patch.retry);
  if (patch.metadata !== undefined) row.metadata = toJsonColumn(patch.metadata);
  if (patch.providerCallId !== undefined) row.provider_call_id = patch.providerCallId;
  if (patch.providerStatus !== undefined) row.provider_status = patch.providerStatus;
  if (patch.error !== undefined) Object.assign(row, errorColumns(patch.error));
  if (patch.endedAt !== undefined) row.ended_at = patch.endedAt;
  if (patch.leaseExpiresAt === null) {
    row.lease_owner = null;
    row.lease_expires_at = null;
  } else if (patch.leaseExpiresAt !== undefined) {
    row.lease_expires_at = patch.leaseExpiresAt;
  }
  return row;
}

/** The two columns of an error. */
export function errorColumns(error: CallError | null): { error_code: string | null; error_message: string | null } {
  return { error_code: error?.code ?? null, error_message: error?.message ?? null };
}

import type { CallPatch, CallRecord, NewCallRecord } from '@call-scheduler/core';
import { INITIAL_VERSION, errorColumns, newCallColumns, toCallRecord as toCallRecordOf } from '@call-scheduler/core/internal';
import type { Insertable, Updateable } from 'kysely';
import type { CallsTable } from '../database/tables.js';
import { sqliteJson, toJsonColumn } from './columns.js';

export { INITIAL_VERSION, errorColumns, newCallRecord } from '@call-scheduler/core/internal';

/** A `calls` row as a {@link CallRecord}. */
export function toCallRecord(row: CallsTable): CallRecord {
  return toCallRecordOf(row, sqliteJson);
}

/** The row of a call to insert. */
export function toNewCallRow(call: NewCallRecord): Insertable<CallsTable> {
  return {
    ...newCallColumns(call, toJsonColumn),
    attempt_count: 0,
    provider_call_id: null,
    provider_status: null,
    lease_owner: null,
    lease_expires_at: null,
    fencing_token: 0,
    claimed_due_at: null,
    version: INITIAL_VERSION,
    updated_at: call.createdAt,
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

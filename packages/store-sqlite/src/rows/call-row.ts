import { isTerminalStatus, type CallPatch, type CallRecord, type NewCallRecord } from '@call-scheduler/core';
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
  // Keys added to the fresh object, not spread into a new one (a spread then new keys takes V8's
  // slow path on the ingest's hot path).
  const row: { -readonly [K in keyof Insertable<CallsTable>]?: Insertable<CallsTable>[K] } = newCallColumns(call, toJsonColumn);
  row.attempt_count = 0;
  row.provider_call_id = null;
  row.provider_status = null;
  row.lease_owner = null;
  row.lease_expires_at = null;
  row.fencing_token = 0;
  row.claimed_due_at = null;
  row.version = INITIAL_VERSION;
  row.updated_at = call.createdAt;
  // An open call has no `ended_at` (see toCallPatchRow).
  if (!isTerminalStatus(call.status)) row.ended_at = null;
  return row as Insertable<CallsTable>;
}

/**
 * The column changes of a {@link CallPatch} (without `version` and `updated_at`).
 *
 * An open call never has an `ended_at`: the partial index of open calls by number
 * (`onePerNumber`, `calls_unended_to_idx`) selects on `ended_at IS NULL`, so that the status
 * changes of a live call never touch it (migration 0005). A patch to an open status drops an
 * `endedAt` it gives; one that gives `endedAt` without a status is made conditional on the
 * stored status by `callUpdateQuery`.
 */
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
  if (patch.status !== undefined && row.ended_at !== undefined && !isTerminalStatus(patch.status)) row.ended_at = null;
  if (patch.leaseExpiresAt === null) {
    row.lease_owner = null;
    row.lease_expires_at = null;
  } else if (patch.leaseExpiresAt !== undefined) {
    row.lease_expires_at = patch.leaseExpiresAt;
  }
  return row;
}

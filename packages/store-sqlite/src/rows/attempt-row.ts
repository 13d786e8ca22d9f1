import type { AttemptPatch, AttemptRecord, CallStatus } from '@call-scheduler/core';
import type { Updateable } from 'kysely';
import type { AttemptsTable } from '../database/tables.js';
import { errorColumns } from './call-row.js';
import { fromErrorColumns, int, intOrNull } from './columns.js';

/** An `attempts` row as an {@link AttemptRecord}. */
export function toAttemptRecord(row: AttemptsTable): AttemptRecord {
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

/** The column changes of an {@link AttemptPatch}. */
export function toAttemptPatchRow(patch: AttemptPatch): Updateable<AttemptsTable> {
  const row: Updateable<AttemptsTable> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.providerCallId !== undefined) row.provider_call_id = patch.providerCallId;
  if (patch.providerStatus !== undefined) row.provider_status = patch.providerStatus;
  if (patch.endedAt !== undefined) row.ended_at = patch.endedAt;
  if (patch.durationSeconds !== undefined) row.duration_seconds = patch.durationSeconds;
  if (patch.error !== undefined) Object.assign(row, errorColumns(patch.error));
  return row;
}

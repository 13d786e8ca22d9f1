import type { AttemptPatch } from '@call-scheduler/core';
import { errorColumns } from '@call-scheduler/core/internal';
import type { Updateable } from 'kysely';
import type { AttemptsTable } from '../database/tables.js';

export { toAttemptRecord } from '@call-scheduler/core/internal';

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

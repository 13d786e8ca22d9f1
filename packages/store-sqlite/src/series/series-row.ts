import type { CallSeriesRecord, NewCallSeriesRecord, SeriesPatch } from '@call-scheduler/core';
import { toSeriesRecord as toSeriesRecordOf } from '@call-scheduler/core/internal';
import { sqliteJson, toJsonColumn } from '../rows/columns.js';
import type { CallSeriesTable } from './series-tables.js';

/** A `call_series` row as a {@link CallSeriesRecord}. */
export function toSeriesRecord(row: CallSeriesTable): CallSeriesRecord {
  return toSeriesRecordOf(row, sqliteJson);
}

/** The row of a new series (`version` 1, `updated_at = created_at`). */
export function toNewSeriesRow(series: NewCallSeriesRecord): CallSeriesTable {
  return {
    id: series.id,
    ...toSeriesPatchRow(series),
    idempotency_key: series.idempotencyKey,
    version: 1,
    created_at: series.createdAt,
    updated_at: series.createdAt,
  } as CallSeriesTable;
}

/** The columns of the fields a patch sets (absent fields stay out). */
export function toSeriesPatchRow(patch: SeriesPatch): Partial<CallSeriesTable> {
  const row: Partial<CallSeriesTable> = {};
  if (patch.to !== undefined) row.to_number = patch.to;
  if (patch.cron !== undefined) row.cron = patch.cron;
  if (patch.timeZone !== undefined) row.time_zone = patch.timeZone;
  if (patch.disambiguation !== undefined) row.disambiguation = patch.disambiguation;
  if (patch.startAt !== undefined) row.start_at = patch.startAt;
  if (patch.endAt !== undefined) row.end_at = patch.endAt;
  if (patch.count !== undefined) row.max_count = patch.count;
  if (patch.skipDates !== undefined) row.skip_dates = JSON.stringify(patch.skipDates);
  if (patch.excludedOccurrences !== undefined) row.excluded_occurrences = JSON.stringify(patch.excludedOccurrences);
  if (patch.catchUp !== undefined) row.catch_up = patch.catchUp;
  if (patch.window !== undefined) row.calling_window = toJsonColumn(patch.window);
  if (patch.expiresAfterMs !== undefined) row.expires_after_ms = patch.expiresAfterMs;
  if (patch.retry !== undefined) row.retry_policy = toJsonColumn(patch.retry);
  if (patch.metadata !== undefined) row.metadata = toJsonColumn(patch.metadata);
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.nextOccurrenceAt !== undefined) row.next_occurrence_at = patch.nextOccurrenceAt;
  if (patch.lastOccurrenceAt !== undefined) row.last_occurrence_at = patch.lastOccurrenceAt;
  if (patch.occurrencesCreated !== undefined) row.occurrences_created = patch.occurrencesCreated;
  if (patch.planAt !== undefined) row.plan_at = patch.planAt;
  if (patch.endReason !== undefined) row.end_reason = patch.endReason;
  if (patch.endedAt !== undefined) row.ended_at = patch.endedAt;
  return row;
}

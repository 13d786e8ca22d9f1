/**
 * Not API: the `call_series` row -> {@link CallSeriesRecord} mapping the SQL stores share; each
 * store passes its JSON column codec (see `./record-rows.ts`).
 *
 * @internal
 */
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { Disambiguation } from '../policy/zoned-time.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import type { CatchUpPolicy } from '../series/series-input.js';
import type { CallSeriesRecord, CallSeriesStatus, SeriesEndReason } from '../series/series-store.js';
import { int, intOrNull, type IntColumn, type JsonColumnCodec } from './record-rows.js';

/** The columns of a `call_series` row that a {@link CallSeriesRecord} is read from; `J` is the JSON columns' type. */
export interface SeriesRowColumns<J> {
  /** Series id. */
  readonly id: string;
  /** `CallSeriesRecord.to`. */
  readonly to_number: string;
  /** `CallSeriesRecord.cron`. */
  readonly cron: string;
  /** `CallSeriesRecord.timeZone`. */
  readonly time_zone: string;
  /** `CallSeriesRecord.disambiguation`. */
  readonly disambiguation: string;
  /** `CallSeriesRecord.startAt`. */
  readonly start_at: IntColumn | null;
  /** `CallSeriesRecord.endAt`. */
  readonly end_at: IntColumn | null;
  /** `CallSeriesRecord.count`. */
  readonly max_count: IntColumn | null;
  /** `CallSeriesRecord.skipDates` (JSON array, never null). */
  readonly skip_dates: J;
  /** `CallSeriesRecord.excludedOccurrences` (JSON array, never null). */
  readonly excluded_occurrences: J;
  /** `CallSeriesRecord.catchUp`. */
  readonly catch_up: string;
  /** `CallSeriesRecord.window` (JSON). */
  readonly calling_window: J | null;
  /** `CallSeriesRecord.expiresAfterMs`. */
  readonly expires_after_ms: IntColumn | null;
  /** `CallSeriesRecord.retry` (JSON). */
  readonly retry_policy: J | null;
  /** `CallSeriesRecord.metadata` (JSON). */
  readonly metadata: J | null;
  /** `CallSeriesRecord.idempotencyKey`. */
  readonly idempotency_key: string | null;
  /** `CallSeriesRecord.status`. */
  readonly status: string;
  /** `CallSeriesRecord.nextOccurrenceAt`. */
  readonly next_occurrence_at: IntColumn | null;
  /** `CallSeriesRecord.lastOccurrenceAt`. */
  readonly last_occurrence_at: IntColumn | null;
  /** `CallSeriesRecord.occurrencesCreated`. */
  readonly occurrences_created: IntColumn;
  /** `CallSeriesRecord.planAt`. */
  readonly plan_at: IntColumn | null;
  /** `CallSeriesRecord.version`. */
  readonly version: IntColumn;
  /** `CallSeriesRecord.endReason`. */
  readonly end_reason: string | null;
  /** `CallSeriesRecord.createdAt`. */
  readonly created_at: IntColumn;
  /** `CallSeriesRecord.updatedAt`. */
  readonly updated_at: IntColumn;
  /** `CallSeriesRecord.endedAt`. */
  readonly ended_at: IntColumn | null;
}

/** A `call_series` row as a {@link CallSeriesRecord}, its JSON columns read with `json`. */
export function toSeriesRecord<J>(row: SeriesRowColumns<J>, json: JsonColumnCodec<J>): CallSeriesRecord {
  return {
    id: row.id,
    to: row.to_number,
    cron: row.cron,
    timeZone: row.time_zone,
    disambiguation: row.disambiguation as Disambiguation,
    startAt: intOrNull(row.start_at),
    endAt: intOrNull(row.end_at),
    count: intOrNull(row.max_count),
    skipDates: json.decode<string[]>(row.skip_dates) ?? [],
    excludedOccurrences: (json.decode<IntColumn[]>(row.excluded_occurrences) ?? []).map(int),
    catchUp: row.catch_up as CatchUpPolicy,
    window: json.decode<CallingWindow>(row.calling_window),
    expiresAfterMs: intOrNull(row.expires_after_ms),
    retry: json.decode<RetryPolicy>(row.retry_policy),
    metadata: json.decode<JsonObject>(row.metadata),
    idempotencyKey: row.idempotency_key,
    status: row.status as CallSeriesStatus,
    nextOccurrenceAt: intOrNull(row.next_occurrence_at),
    lastOccurrenceAt: intOrNull(row.last_occurrence_at),
    occurrencesCreated: int(row.occurrences_created),
    planAt: intOrNull(row.plan_at),
    version: int(row.version),
    endReason: row.end_reason as SeriesEndReason | null,
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
    endedAt: intOrNull(row.ended_at),
  };
}

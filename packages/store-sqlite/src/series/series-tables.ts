import type { CallsTable, StoreTables } from '../database/tables.js';

/** A row of `call_series` (migration 0004). Times are epoch ms; lists and policies are JSON text. */
export interface CallSeriesTable {
  id: string;
  to_number: string;
  cron: string;
  time_zone: string;
  disambiguation: string;
  start_at: number | null;
  end_at: number | null;
  /** `count` of the series (a reserved word in SQL). */
  max_count: number | null;
  skip_dates: string;
  excluded_occurrences: string;
  catch_up: string;
  calling_window: string | null;
  expires_after_ms: number | null;
  retry_policy: string | null;
  metadata: string | null;
  idempotency_key: string | null;
  status: string;
  next_occurrence_at: number | null;
  last_occurrence_at: number | null;
  occurrences_created: number;
  plan_at: number | null;
  version: number;
  end_reason: string | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** `calls` with the two columns of migration 0004 (null for a call that is not an occurrence). */
export interface SeriesCallsTable extends CallsTable {
  series_id: string | null;
  occurrence_at: number | null;
}

/** The tables the series half of the store reads and writes. */
export interface SeriesTables extends Omit<StoreTables, 'calls'> {
  calls: SeriesCallsTable;
  call_series: CallSeriesTable;
}

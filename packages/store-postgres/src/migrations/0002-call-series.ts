// Frozen once released: a migration spells out its own columns and shares no code with other
// migrations or with the row types, so that a later change elsewhere can never alter what it
// does on a database that has not run it yet. Its likeness to other migrations is intentional.
/**
 * Recurring calls: the `call_series` table (a rule plus its cursor, see core's `SeriesStore`) and
 * two nullable columns on `calls`, `series_id` and `occurrence_at`, unique together where set (the
 * arbiter of `insert ... on conflict do nothing`), so that no replay, race or restart on any host
 * creates one occurrence twice. Adding nullable columns without a default rewrites nothing; the
 * unique index is built once, at the first `init()` of this version.
 */
export function callSeries(s: string): string[] {
  return [
    `create table ${s}.call_series (
      id text primary key,
      to_number text not null,
      cron text not null,
      time_zone text not null,
      disambiguation text not null,
      start_at bigint,
      end_at bigint,
      max_count integer,
      skip_dates jsonb not null,
      excluded_occurrences jsonb not null,
      catch_up text not null,
      calling_window jsonb,
      expires_after_ms bigint,
      retry_policy jsonb,
      metadata jsonb,
      idempotency_key text,
      status text not null,
      next_occurrence_at bigint,
      last_occurrence_at bigint,
      occurrences_created integer not null,
      plan_at bigint,
      version bigint not null,
      end_reason text,
      created_at bigint not null,
      updated_at bigint not null,
      ended_at bigint
    )`,
    `create unique index call_series_idempotency_key_uq on ${s}.call_series (idempotency_key) where idempotency_key is not null`,
    // listDueSeries (status = 'active' and plan_at <= $now order by plan_at, id) and min(plan_at).
    `create index call_series_plan_idx on ${s}.call_series (plan_at, id) where status = 'active'`,
    `alter table ${s}.calls add column series_id text, add column occurrence_at bigint`,
    `create unique index calls_series_occurrence_uq on ${s}.calls (series_id, occurrence_at) where series_id is not null`,
  ];
}

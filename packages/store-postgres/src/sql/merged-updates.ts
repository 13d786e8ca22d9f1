import type { CallUpdate, NewCallEvent } from '@call-scheduler/core';
import { CompiledQuery, sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import { eventInput } from '../rows/rows.js';
import { insertEventsCte, type UpdatedRow } from './statements.js';

/*
 * Several `updateCall`s of one group commit as ONE statement (each a row of a JSON recordset), for
 * calls that are all different: one round trip and one plan instead of one per write. Every row
 * keeps its own conditions (token, statuses, version, the attempt's existence) in the WHERE, so a
 * write whose condition fails changes nothing while the others go through, exactly as if each had
 * run alone. A field is written only when its name is in the row's `k` (patch keys) or `ak`
 * (attempt patch keys) list: "set to null" and "leave alone" stay apart.
 */

/** One write of a merged statement. */
export interface MergedWrite {
  /** The write. */
  readonly update: CallUpdate;
  /** Its events. */
  readonly events: readonly NewCallEvent[];
}

/** Whether `update` can be merged: everything but `unclaim`. */
export function isMergeable(update: CallUpdate): boolean {
  return update.unclaim !== true;
}

function callRow(update: CallUpdate, ord: number): Record<string, unknown> {
  const set = update.set;
  const k: string[] = [];
  const row: Record<string, unknown> = {
    ord,
    id: update.id,
    now: update.now,
    e_token: update.expect.token ?? null,
    e_statuses: update.expect.statuses === undefined ? null : [...update.expect.statuses],
    e_version: update.expect.version ?? null,
  };
  const put = (key: string, column: string, value: unknown): void => {
    if (value === undefined) return;
    k.push(key);
    row[column] = value;
  };
  put('status', 'status', set.status);
  put('due_at', 'due_at', set.dueAt);
  put('at', 'at', set.at);
  put('time_zone', 'time_zone', set.timeZone);
  put('calling_window', 'calling_window', set.window);
  put('expires_at', 'expires_at', set.expiresAt);
  put('retry_policy', 'retry_policy', set.retry);
  put('metadata', 'metadata', set.metadata);
  put('provider_call_id', 'provider_call_id', set.providerCallId);
  put('provider_status', 'provider_status', set.providerStatus);
  if (set.error !== undefined) {
    k.push('error');
    row.error_code = set.error?.code ?? null;
    row.error_message = set.error?.message ?? null;
  }
  put('ended_at', 'ended_at', set.endedAt);
  if (set.leaseExpiresAt === null) k.push('lease_clear');
  else put('lease_expires_at', 'lease_expires_at', set.leaseExpiresAt);
  row.k = k;
  const attempt = update.attempt;
  if (attempt !== undefined) {
    const ak: string[] = [];
    const a = attempt.set;
    row.a_number = attempt.number;
    const aput = (key: string, value: unknown): void => {
      if (value === undefined) return;
      ak.push(key);
      row[`a_${key}`] = value;
    };
    aput('status', a.status);
    aput('provider_call_id', a.providerCallId);
    aput('provider_status', a.providerStatus);
    aput('ended_at', a.endedAt);
    aput('duration_seconds', a.durationSeconds);
    if (a.error !== undefined) {
      ak.push('error');
      row.a_error_code = a.error?.code ?? null;
      row.a_error_message = a.error?.message ?? null;
    }
    aput('scheduler_id', a.schedulerId);
    row.ak = ak;
  }
  return row;
}

/** `column = case when '<key>' = any(x.k) then x.<column> else c.<column> end`. */
function keep(column: string, key = column): RawBuilder<unknown> {
  return sql.raw(`${column} = case when '${key}' = any(x.k) then x.${column} else c.${column} end`);
}

/** The same for an attempt column. */
function keepAttempt(column: string, key = column): RawBuilder<unknown> {
  return sql.raw(`${column} = case when '${key}' = any(x.ak) then x.a_${column} else a.${column} end`);
}

/**
 * The merged statement of `writes` (all on different calls). Its rows: the calls it changed, as
 * {@link UpdatedRow}s plus `job_ord`, the index of the write in `writes`.
 */
export function mergedUpdates(s: string, writes: readonly MergedWrite[]): RawBuilder<MergedRow> {
  return mergedStatement(s, mergedInputs(writes));
}

/** A row of the merged statement. */
export type MergedRow = UpdatedRow & { job_ord: number };

/** The merged statement's three parameters, and which of its two texts it needs. */
interface MergedInputs {
  readonly calls: string;
  readonly ids: readonly string[];
  readonly events: string;
  readonly reschedules: boolean;
}

function mergedInputs(writes: readonly MergedWrite[]): MergedInputs {
  const calls = JSON.stringify(writes.map((write, i) => callRow(write.update, i)));
  const ids = writes.map((write) => write.update.id);
  let ord = 0;
  const events = JSON.stringify(writes.flatMap((write) => write.events.map((event) => eventInput(write.update.id, event, ord++))));
  // Only a write that schedules the call again can move the earliest due time: the others skip the
  // walk of calls_due_idx (after a burst of claims, thousands of dead entries to step over).
  const reschedules = writes.some((write) => write.update.set.status === 'scheduled' && typeof write.update.set.dueAt === 'number');
  return { calls, ids, events, reschedules };
}

/** The merged statement's SQL text by schema and `reschedules`: built and compiled once, not per group commit. */
const mergedText = new Map<string, string>();

/**
 * {@link mergedUpdates}, compiled: the SQL text (the same for every group commit of a schema, but
 * for whether a write schedules a call again) is compiled by kysely once and kept; only the three
 * parameters are made per statement.
 */
export function mergedUpdatesQuery(db: Kysely<unknown>, s: string, writes: readonly MergedWrite[]): CompiledQuery<MergedRow> {
  const inputs = mergedInputs(writes);
  const parameters = [inputs.calls, inputs.ids, inputs.events];
  const shape = `${inputs.reschedules ? 'r' : '-'}${s}`;
  let text = mergedText.get(shape);
  if (text === undefined) {
    const compiled = mergedStatement(s, inputs).compile(db);
    // The kept text is only right if the statement's parameters are exactly these three, in this order.
    if (compiled.parameters.length !== parameters.length || compiled.parameters.some((value, i) => value !== parameters[i])) {
      throw new Error('merged-updates: the statement parameters are not (calls, ids, events)');
    }
    text = compiled.sql;
    if (mergedText.size >= 64) mergedText.clear();
    mergedText.set(shape, text);
  }
  return CompiledQuery.raw(text, parameters);
}

function mergedStatement(s: string, inputs: MergedInputs): RawBuilder<MergedRow> {
  const { calls, ids, events, reschedules } = inputs;
  const t = (name: string): RawBuilder<unknown> => sql.raw(`${s}.${name}`);
  const earliestBefore = reschedules
    ? sql`(select min(due_at) from ${t('calls')} where status = 'scheduled')`
    : sql`null::bigint`;
  return sql<MergedRow>`with x as (
      select * from jsonb_to_recordset(${calls}::jsonb) as x(
        ord integer, id text, now bigint, e_token bigint, e_statuses text[], e_version bigint, k text[],
        status text, due_at bigint, at bigint, time_zone text, calling_window jsonb, expires_at bigint,
        retry_policy jsonb, metadata jsonb, provider_call_id text, provider_status text, error_code text,
        error_message text, ended_at bigint, lease_expires_at bigint,
        a_number integer, ak text[], a_status text, a_provider_call_id text, a_provider_status text,
        a_ended_at bigint, a_duration_seconds double precision, a_error_code text, a_error_message text, a_scheduler_id text)
    ),
    u as (
      update ${t('calls')} as c set
        ${keep('status')}, ${keep('due_at')}, ${keep('at')}, ${keep('time_zone')}, ${keep('calling_window')},
        ${keep('expires_at')}, ${keep('retry_policy')}, ${keep('metadata')}, ${keep('provider_call_id')},
        ${keep('provider_status')}, ${keep('error_code', 'error')}, ${keep('error_message', 'error')}, ${keep('ended_at')},
        lease_owner = case when 'lease_clear' = any(x.k) then null else c.lease_owner end,
        lease_expires_at = case when 'lease_clear' = any(x.k) then null when 'lease_expires_at' = any(x.k) then x.lease_expires_at else c.lease_expires_at end,
        version = c.version + 1, updated_at = x.now
      from x
      where c.id = x.id
        -- The ids again as an array: the rows are found through calls_pkey (a JSON recordset is
        -- estimated at 100 rows, so on a table of some thousands the join alone reads it all).
        and c.id = any(${ids}::text[])
        and (x.e_token is null or (c.fencing_token = x.e_token and c.lease_expires_at is not null))
        and (x.e_statuses is null or c.status = any(x.e_statuses))
        and (x.e_version is null or c.version = x.e_version)
        and (x.a_number is null or exists (select 1 from ${t('attempts')} as a where a.call_id = c.id and a.number = x.a_number))
      returning c.*, x.ord as job_ord, 'status' = any(x.k) as status_set
    ),
    att as (
      update ${t('attempts')} as a set
        ${keepAttempt('status')}, ${keepAttempt('provider_call_id')}, ${keepAttempt('provider_status')},
        ${keepAttempt('ended_at')}, ${keepAttempt('duration_seconds')}, ${keepAttempt('error_code', 'error')},
        ${keepAttempt('error_message', 'error')}, ${keepAttempt('scheduler_id')}
      from u join x on x.ord = u.job_ord
      where a.call_id = u.id and a.number = x.a_number
      returning a.call_id
    ),
    ${insertEventsCte(s, events, 'u')},
    rel as (
      delete from ${t('number_claims')} as n using u
      where n.to_number = u.to_number and n.call_id = u.id
        and u.status_set and u.status not in ('dispatching', 'initiated', 'ringing', 'connected')
    ),
    -- Each aggregate once (materialized): joined as subqueries, they ran again for every call.
    hits as materialized (select call_id, count(*) as n from att group by call_id),
    keys as materialized (
      select call_id, json_agg(json_build_object('id', id, 'xid', xid, 'call_id', call_id) order by id) as list
      from ev group by call_id
    )
    select u.*, coalesce(hits.n, 0) as attempt_hits, coalesce(keys.list, '[]'::json) as event_keys,
      ${earliestBefore} as earliest_before
    from u
    left join hits on hits.call_id = u.id
    left join keys on keys.call_id = u.id`;
}

import type { AttemptPatch, CallPatch, CallStatus, CallUpdate, ClaimOptions } from '@call-scheduler/core';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { CallRow, EventRow, IntColumn } from '../rows/rows.js';

/*
 * The statements of PostgresStore, one function each. `s` is the store's quoted schema name (a
 * checked identifier). Every parameter carries an explicit cast, so that PostgreSQL never has to
 * guess a type from context. The status literals in the hot queries must stay literals: a partial
 * index only serves a query whose `WHERE` repeats the index's condition.
 */

/** The statuses in which a call occupies its number (`onePerNumber`), as in `calls_open_to_idx`. */
const OPEN_STATUSES = sql.raw(`('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`);
/** The terminal statuses, as in `calls_ended_idx`. */
const TERMINAL_STATUSES = sql.raw(`('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired')`);

/** A table of the store's schema. */
function table(s: string, name: string): RawBuilder<unknown> {
  return sql.raw(`${s}.${name}`);
}

/** A JSON value as a `jsonb` parameter (pg would turn an array into a PostgreSQL array). */
function jsonb(value: unknown): RawBuilder<unknown> {
  return sql`${value === null || value === undefined ? null : JSON.stringify(value)}::jsonb`;
}

/** `{id, xid}` of the events a statement appended, in id order. */
export interface EventKey {
  readonly id: IntColumn;
  readonly xid: string;
  readonly call_id: string;
}

/** A row of a claim: the call after the claim, the instant the claim was due at, its event. */
export type ClaimedRow = CallRow & {
  claimed_due_at: IntColumn;
  event_id: IntColumn;
  event_xid: string;
  /** The owner of the lease taken over (recoveries only). */
  previous_owner?: string | null;
};

/**
 * The claim of due calls (due by `dueBy`, default `now`), in one statement: a `FOR UPDATE SKIP
 * LOCKED` walk of `calls_due_idx` (earliest `due_at`, then id, stopping after `limit` rows) in a CTE, the `UPDATE ... RETURNING` of
 * those rows, and the inserts of their attempts and `dispatching` events.
 *
 * With `onePerNumber`, a candidate is skipped when another call to its number is being dialed or
 * live, or is scheduled, due and earlier (so one claim takes at most one call per number, the
 * earliest); and every candidate must also insert its number into `number_claims`
 * (`on conflict do nothing`). That insert is what makes the rule hold across hosts: under READ
 * COMMITTED two claimers can both pass the `NOT EXISTS` check on snapshots taken before either
 * committed, but a primary-key insert waits for the other's uncommitted row and then yields.
 */
export function claimDueCalls(s: string, options: ClaimOptions): RawBuilder<ClaimedRow> {
  return claimStatement(s, options, false) as RawBuilder<ClaimedRow>;
}

/**
 * The columns of a {@link CallRow}, listed: the prepared statements return these and never `c.*`,
 * so that a migration adding a column to `calls` does not change their result type under a
 * connection that prepared them (PostgreSQL would refuse the cached plan).
 */
const CALL_COLUMNS = [
  'id', 'to_number', 'status', 'at', 'due_at', 'time_zone', 'calling_window', 'expires_at', 'retry_policy', 'idempotency_key',
  'metadata', 'attempt_count', 'provider_call_id', 'provider_status', 'lease_owner', 'lease_expires_at', 'fencing_token',
  'version', 'error_code', 'error_message', 'created_at', 'updated_at', 'ended_at',
] as const satisfies readonly (keyof CallRow)[];
/** The {@link CallRow} columns missing from {@link CALL_COLUMNS}: none, or the next line does not compile. */
type UnlistedColumn = Exclude<keyof CallRow, (typeof CALL_COLUMNS)[number]>;
export const EVERY_CALL_COLUMN_LISTED: [UnlistedColumn] extends [never] ? true : UnlistedColumn = true;

/** `c.id, c.to_number, ...`: every {@link CallRow} column of the table aliased `c`. */
const RETURNED_CALL_COLUMNS = sql.raw(CALL_COLUMNS.map((column) => `c.${column}`).join(', '));

/** A row of {@link claimDueCallsWithWakeUp}: a claimed call (all its columns `null` when none was claimed) and the wake-up times. */
export type ClaimedRowWithWakeUp = { [K in keyof ClaimedRow]: ClaimedRow[K] | null } & {
  /** The earliest `due_at` of a scheduled call not claimed by this statement. */
  wake_due: IntColumn | null;
  /** The earliest lease expiry as the statement's snapshot saw it (the leases it took are not in it). */
  wake_lease: IntColumn | null;
};

/**
 * {@link claimDueCalls} and the next wake-up in one statement: every row carries `wake_due` (the
 * first entry of `calls_due_idx` that this claim did not take: the statement's snapshot still
 * shows the claimed rows as scheduled, so they are left out by id) and `wake_lease` (the first
 * entry of `calls_lease_idx` in that snapshot). A claim that takes nothing answers one row with the
 * call's columns `null`.
 */
export function claimDueCallsWithWakeUp(s: string, options: ClaimOptions): RawBuilder<ClaimedRowWithWakeUp> {
  return claimStatement(s, options, true) as RawBuilder<ClaimedRowWithWakeUp>;
}

function claimStatement(s: string, options: ClaimOptions, withWakeUp: boolean): RawBuilder<unknown> {
  const { now, limit, owner, leaseExpiresAt } = options;
  const dueBy = options.dueBy ?? now;
  const onePerNumber = options.onePerNumber === true;
  const numberIsFree = onePerNumber
    ? sql`and not exists (
        select 1 from ${table(s, 'calls')} as o
        where o.to_number = c.to_number and o.status in ${OPEN_STATUSES} and o.id <> c.id
          and (o.status <> 'scheduled' or (o.due_at <= ${dueBy}::bigint and (o.due_at < c.due_at or (o.due_at = c.due_at and o.id < c.id)))))`
    : sql``;
  const held = onePerNumber
    ? sql`held as (
        insert into ${table(s, 'number_claims')} (to_number, call_id)
        select to_number, id from due
        on conflict (to_number) do nothing
        returning call_id
      ),`
    : sql``;
  const heldJoin = onePerNumber ? sql`join held on held.call_id = due.id` : sql``;
  return sql<ClaimedRow>`with due as (
      select c.id, c.to_number, c.due_at from ${table(s, 'calls')} as c
      where c.status = 'scheduled' and c.due_at <= ${dueBy}::bigint ${numberIsFree}
      order by c.due_at, c.id
      limit ${limit}::bigint
      for update of c skip locked
    ),
    ${held}
    claimed as (
      update ${table(s, 'calls')} as c set
        status = 'dispatching', due_at = null, attempt_count = c.attempt_count + 1,
        fencing_token = c.fencing_token + 1, lease_owner = ${owner}::text,
        lease_expires_at = ${leaseExpiresAt}::bigint, version = c.version + 1, updated_at = ${now}::bigint
      from due ${heldJoin}
      where c.id = due.id
        -- The ids again as an array: the rows are found through calls_pkey (on a table of some
        -- thousands the planner would rather read it all for a hash join).
        and c.id = any(array(select id from due))
      returning ${RETURNED_CALL_COLUMNS}, due.due_at as claimed_due_at
    ),
    attempt as (
      insert into ${table(s, 'attempts')} (call_id, number, status, started_at, scheduler_id)
      select id, attempt_count, 'dispatching', ${now}::bigint, ${owner}::text from claimed
    ),
    event as (
      insert into ${table(s, 'events')} (call_id, type, at, attempt, status, data)
      select id, 'dispatching', ${now}::bigint, attempt_count, 'dispatching',
        jsonb_build_object('owner', ${owner}::text, 'dueAt', claimed_due_at) from claimed
      order by claimed_due_at, id
      returning id, xid::text as xid, call_id
    )
    ${withWakeUp ? wakeUpSelect(s) : claimedSelect}`;
}

/** The last part of a claim: its rows. */
const claimedSelect = sql`select claimed.*, event.id as event_id, event.xid as event_xid
    from claimed join event on event.call_id = claimed.id
    order by claimed.claimed_due_at, claimed.id`;

/** The last part of a claim with the wake-up: its rows (or one row of `null`s) beside the two times. */
function wakeUpSelect(s: string): RawBuilder<unknown> {
  return sql`, result as (
      select claimed.*, event.id as event_id, event.xid as event_xid
      from claimed join event on event.call_id = claimed.id
    )
    select wake.wake_due, wake.wake_lease, result.*
    from (select
      (select min(w.due_at) from ${table(s, 'calls')} as w where w.status = 'scheduled' and w.id not in (select id from claimed)) as wake_due,
      (select min(w.lease_expires_at) from ${table(s, 'calls')} as w where w.lease_expires_at is not null) as wake_lease) as wake
    left join result on true
    order by result.claimed_due_at, result.id`;
}

/**
 * The takeover of expired leases, in one statement: a `FOR UPDATE SKIP LOCKED` walk of
 * `calls_lease_idx`, the `UPDATE ... RETURNING` (new owner, token + 1) and the `recovered` events.
 */
export function claimExpiredLeases(s: string, options: ClaimOptions): RawBuilder<ClaimedRow> {
  const { now, limit, owner, leaseExpiresAt } = options;
  return sql<ClaimedRow>`with expired as (
      select c.id, c.lease_expires_at, c.lease_owner from ${table(s, 'calls')} as c
      where c.lease_expires_at is not null and c.lease_expires_at <= ${now}::bigint
      order by c.lease_expires_at, c.id
      limit ${limit}::bigint
      for update of c skip locked
    ),
    claimed as (
      update ${table(s, 'calls')} as c set
        fencing_token = c.fencing_token + 1, lease_owner = ${owner}::text,
        lease_expires_at = ${leaseExpiresAt}::bigint, version = c.version + 1, updated_at = ${now}::bigint
      from expired
      where c.id = expired.id
        and c.id = any(array(select id from expired))
      returning ${RETURNED_CALL_COLUMNS}, expired.lease_expires_at as claimed_due_at, expired.lease_owner as previous_owner
    ),
    event as (
      insert into ${table(s, 'events')} (call_id, type, at, attempt, status, data)
      select id, 'recovered', ${now}::bigint, case when attempt_count > 0 then attempt_count end, status,
        jsonb_build_object('previousOwner', previous_owner, 'owner', ${owner}::text) from claimed
      order by claimed_due_at, id
      returning id, xid::text as xid, call_id
    )
    select claimed.*, event.id as event_id, event.xid as event_xid
    from claimed join event on event.call_id = claimed.id
    order by claimed.claimed_due_at, claimed.id`;
}

/**
 * The `ev` CTE of a write: inserts the events of a JSON array of `eventInput`s whose call is a row
 * of the CTE `calls` (matched by id: the events of a call not written are dropped), in input
 * order, returning each event's id, transaction and call.
 */
export function insertEventsCte(s: string, events: string, calls: 'ins' | 'u'): RawBuilder<unknown> {
  const written = sql.raw(calls);
  return sql`ev as (
      insert into ${table(s, 'events')} (call_id, type, at, attempt, status, provider_status, data)
      select e.call_id, e.type, e.at, e.attempt, e.status, e.provider_status, e.data
      from jsonb_to_recordset(${events}::jsonb) as e(
        ord integer, call_id text, type text, at bigint, attempt integer, status text, provider_status text, data jsonb)
      join ${written} on ${written}.id = e.call_id
      order by e.ord
      returning id, xid::text as xid, call_id
    )`;
}

/** What {@link insertCalls} answers. */
export interface InsertCallsRow {
  /** Ids of the calls inserted (the others had an idempotency key already stored). */
  readonly inserted: string[];
  /** The events appended, in id order. */
  readonly events: EventKey[];
  /** The earliest due time of a scheduled call before this statement, or null. */
  readonly earliest_before: IntColumn | null;
}

/**
 * Inserts calls (a JSON array of `callInput`s) and the events of those actually inserted (a JSON
 * array of `eventInput`s) in one statement. A call whose idempotency key is already stored is
 * skipped (`on conflict do nothing`: a concurrent insert of the same key by another host is waited
 * for, then yielded to); a call whose id is stored fails with a primary-key violation.
 */
export function insertCalls(s: string, calls: string, events: string): RawBuilder<InsertCallsRow> {
  return sql<InsertCallsRow>`with input as (
      select * from jsonb_to_recordset(${calls}::jsonb) as x(
        ord integer, id text, to_number text, status text, at bigint, due_at bigint, time_zone text,
        calling_window jsonb, expires_at bigint, retry_policy jsonb, idempotency_key text, metadata jsonb,
        error_code text, error_message text, created_at bigint, ended_at bigint)
    ),
    ins as (
      insert into ${table(s, 'calls')} (id, to_number, status, at, due_at, time_zone, calling_window, expires_at,
        retry_policy, idempotency_key, metadata, version, error_code, error_message, created_at, updated_at, ended_at)
      select id, to_number, status, at, due_at, time_zone, calling_window, expires_at, retry_policy, idempotency_key,
        metadata, 1, error_code, error_message, created_at, created_at, ended_at
      from input order by ord
      on conflict (idempotency_key) where idempotency_key is not null do nothing
      returning id
    ),
    ${insertEventsCte(s, events, 'ins')}
    select
      (select coalesce(json_agg(id), '[]'::json) from ins) as inserted,
      (select coalesce(json_agg(json_build_object('id', id, 'xid', xid, 'call_id', call_id) order by id), '[]'::json) from ev) as events,
      (select min(due_at) from ${table(s, 'calls')} where status = 'scheduled') as earliest_before`;
}

/** The stored calls with one of these idempotency keys. */
export function callsByIdempotencyKey(s: string, keys: readonly string[]): RawBuilder<CallRow> {
  return sql<CallRow>`select * from ${table(s, 'calls')} where idempotency_key = any(${[...keys]}::text[])`;
}

/** The `SET` list of a call patch (without `version` and `updated_at`). */
function callPatchSets(patch: CallPatch): RawBuilder<unknown>[] {
  const sets: RawBuilder<unknown>[] = [];
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}::text`);
  if (patch.dueAt !== undefined) sets.push(sql`due_at = ${patch.dueAt}::bigint`);
  if (patch.at !== undefined) sets.push(sql`at = ${patch.at}::bigint`);
  if (patch.timeZone !== undefined) sets.push(sql`time_zone = ${patch.timeZone}::text`);
  if (patch.window !== undefined) sets.push(sql`calling_window = ${jsonb(patch.window)}`);
  if (patch.expiresAt !== undefined) sets.push(sql`expires_at = ${patch.expiresAt}::bigint`);
  if (patch.retry !== undefined) sets.push(sql`retry_policy = ${jsonb(patch.retry)}`);
  if (patch.metadata !== undefined) sets.push(sql`metadata = ${jsonb(patch.metadata)}`);
  if (patch.providerCallId !== undefined) sets.push(sql`provider_call_id = ${patch.providerCallId}::text`);
  if (patch.providerStatus !== undefined) sets.push(sql`provider_status = ${patch.providerStatus}::text`);
  if (patch.error !== undefined) {
    sets.push(sql`error_code = ${patch.error?.code ?? null}::text`, sql`error_message = ${patch.error?.message ?? null}::text`);
  }
  if (patch.endedAt !== undefined) sets.push(sql`ended_at = ${patch.endedAt}::bigint`);
  if (patch.leaseExpiresAt === null) {
    sets.push(sql`lease_owner = null`, sql`lease_expires_at = null`);
  } else if (patch.leaseExpiresAt !== undefined) {
    sets.push(sql`lease_expires_at = ${patch.leaseExpiresAt}::bigint`);
  }
  return sets;
}

/** The `SET` list of an attempt patch. */
function attemptPatchSets(patch: AttemptPatch): RawBuilder<unknown>[] {
  const sets: RawBuilder<unknown>[] = [];
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}::text`);
  if (patch.providerCallId !== undefined) sets.push(sql`provider_call_id = ${patch.providerCallId}::text`);
  if (patch.providerStatus !== undefined) sets.push(sql`provider_status = ${patch.providerStatus}::text`);
  if (patch.endedAt !== undefined) sets.push(sql`ended_at = ${patch.endedAt}::bigint`);
  if (patch.durationSeconds !== undefined) sets.push(sql`duration_seconds = ${patch.durationSeconds}::double precision`);
  if (patch.error !== undefined) {
    sets.push(sql`error_code = ${patch.error?.code ?? null}::text`, sql`error_message = ${patch.error?.message ?? null}::text`);
  }
  if (patch.schedulerId !== undefined) sets.push(sql`scheduler_id = ${patch.schedulerId}::text`);
  return sets;
}

/** A row of {@link updateCall}: the call after the write and what else the statement did. */
export type UpdatedRow = CallRow & {
  /** Attempt rows the attempt patch matched (with `update.attempt`). */
  attempt_hits?: IntColumn;
  /** Attempt rows the unclaim deleted (with `update.unclaim`). */
  unclaimed?: IntColumn;
  /** The events appended, in id order. */
  event_keys?: EventKey[];
  /** With a reschedule: the earliest due time of a scheduled call before this statement. */
  earliest_before?: IntColumn | null;
};

/** True when a status leaves the call's number free (the call is neither being dialed nor live). */
function releasesNumber(status: CallStatus | undefined): boolean {
  return status !== undefined && !['dispatching', 'initiated', 'ringing', 'connected'].includes(status);
}

/**
 * One conditional write as one statement: the `UPDATE` of the call with its conditions in the
 * `WHERE` (no row: a condition failed), and, only when it changed the row, the attempt's update (or
 * the unclaimed attempt's delete), the events, and the release of the call's `number_claims` row
 * when the call leaves the live statuses. `events` is a JSON array of `eventInput`s.
 */
export function updateCall(s: string, update: CallUpdate, events: string | null): RawBuilder<UpdatedRow> {
  const unclaim = update.unclaim === true;
  const sets = [
    ...callPatchSets(update.set),
    ...(unclaim ? [sql`attempt_count = attempt_count - 1`] : []),
    sql`version = version + 1`,
    sql`updated_at = ${update.now}::bigint`,
  ];
  const conditions = updateConditions(update);
  // Guards that make the statement write nothing when the attempt it must change does not exist,
  // so that it is atomic alone (no transaction needed); the caller then tells why with updateProbe.
  if (update.attempt !== undefined) {
    conditions.push(sql`exists (select 1 from ${table(s, 'attempts')} as a where a.call_id = c.id and a.number = ${update.attempt.number}::integer)`);
  }
  if (unclaim) {
    conditions.push(sql`c.attempt_count > 0 and exists (select 1 from ${table(s, 'attempts')} as a where a.call_id = c.id and a.number = c.attempt_count)`);
  }

  const ctes: RawBuilder<unknown>[] = [
    sql`u as (update ${table(s, 'calls')} as c set ${sql.join(sets)} where ${sql.join(conditions, sql` and `)} returning ${RETURNED_CALL_COLUMNS})`,
  ];
  const selects: RawBuilder<unknown>[] = [sql`u.*`];
  if (update.attempt !== undefined) {
    const attemptSets = attemptPatchSets(update.attempt.set);
    ctes.push(
      attemptSets.length > 0
        ? sql`att as (update ${table(s, 'attempts')} as a set ${sql.join(attemptSets)} from u
            where a.call_id = u.id and a.number = ${update.attempt.number}::integer returning 1)`
        : sql`att as (select 1 from ${table(s, 'attempts')} as a, u where a.call_id = u.id and a.number = ${update.attempt.number}::integer)`,
    );
    selects.push(sql`(select count(*) from att) as attempt_hits`);
  }
  if (unclaim) {
    ctes.push(sql`del as (delete from ${table(s, 'attempts')} as a using u where a.call_id = u.id and a.number = u.attempt_count + 1 returning 1)`);
    selects.push(sql`(select count(*) from del) as unclaimed`);
  }
  if (events !== null) {
    // The events' call_id is the update's id: the join keeps them only when the update matched.
    ctes.push(insertEventsCte(s, events, 'u'));
    selects.push(sql`(select coalesce(json_agg(json_build_object('id', id, 'xid', xid, 'call_id', call_id) order by id), '[]'::json) from ev) as event_keys`);
  }
  if (releasesNumber(update.set.status)) {
    ctes.push(sql`rel as (delete from ${table(s, 'number_claims')} as n using u where n.to_number = u.to_number and n.call_id = u.id)`);
  }
  if (update.set.status === 'scheduled' && typeof update.set.dueAt === 'number') {
    selects.push(sql`(select min(due_at) from ${table(s, 'calls')} where status = 'scheduled') as earliest_before`);
  }
  return sql<UpdatedRow>`with ${sql.join(ctes)} select ${sql.join(selects)} from u`;
}

/** The conditions of an update's `expect`, on `calls as c`. */
function updateConditions(update: CallUpdate): RawBuilder<unknown>[] {
  const { expect } = update;
  const conditions = [sql`c.id = ${update.id}::text`];
  if (expect.token !== undefined) conditions.push(sql`c.fencing_token = ${expect.token}::bigint and c.lease_expires_at is not null`);
  if (expect.statuses !== undefined) conditions.push(sql`c.status = any(${[...expect.statuses]}::text[])`);
  if (expect.version !== undefined) conditions.push(sql`c.version = ${expect.version}::bigint`);
  return conditions;
}

/**
 * Why an update with an attempt patch or `unclaim` wrote nothing: whether its conditions hold
 * (`matches`) and whether the attempt it names exists (`has_attempt`). No row: no such call.
 */
export function updateProbe(s: string, update: CallUpdate): RawBuilder<{ matches: boolean; has_attempt: boolean }> {
  const number = update.attempt !== undefined ? sql`${update.attempt.number}::integer` : sql`c.attempt_count`;
  return sql<{ matches: boolean; has_attempt: boolean }>`select (${sql.join(updateConditions(update), sql` and `)}) as matches,
    exists (select 1 from ${table(s, 'attempts')} as a where a.call_id = c.id and a.number = ${number}) as has_attempt
    from ${table(s, 'calls')} as c where c.id = ${update.id}::text`;
}

/** One call. */
export function selectCall(s: string, id: string): RawBuilder<CallRow> {
  return sql<CallRow>`select * from ${table(s, 'calls')} where id = ${id}::text`;
}

/** A call with its attempts and events (as JSON arrays), read from one snapshot by one statement. */
export function selectCallDetails(s: string, id: string): RawBuilder<CallRow & { attempts: unknown[]; events: unknown[] }> {
  return sql<CallRow & { attempts: unknown[]; events: unknown[] }>`select c.*,
      (select coalesce(json_agg(a order by a.number), '[]'::json) from ${table(s, 'attempts')} as a where a.call_id = c.id) as attempts,
      (select coalesce(json_agg(json_build_object('id', e.id, 'xid', e.xid::text, 'call_id', e.call_id, 'type', e.type, 'at', e.at,
          'attempt', e.attempt, 'status', e.status, 'provider_status', e.provider_status, 'data', e.data) order by e.id), '[]'::json)
        from ${table(s, 'events')} as e where e.call_id = c.id) as events
    from ${table(s, 'calls')} as c where c.id = ${id}::text`;
}

/** The latest call whose current or last attempt has this provider id. */
export function selectCallByProviderCallId(s: string, providerCallId: string): RawBuilder<CallRow> {
  return sql<CallRow>`select * from ${table(s, 'calls')} where provider_call_id = ${providerCallId}::text order by id desc limit 1`;
}

/** Filters and page of a keyset list. */
export interface ListFilter {
  readonly statuses?: readonly string[];
  readonly to?: string;
  readonly atFrom?: number;
  readonly atUntil?: number;
  readonly after: string | null;
  readonly desc: boolean;
  readonly limit: number;
}

/** A page of calls by id (keyset), one row more than the page to tell whether another follows. */
export function listCalls(s: string, filter: ListFilter): RawBuilder<CallRow> {
  const conditions: RawBuilder<unknown>[] = [sql`true`];
  if (filter.statuses !== undefined) conditions.push(sql`status = any(${[...filter.statuses]}::text[])`);
  if (filter.to !== undefined) conditions.push(sql`to_number = ${filter.to}::text`);
  if (filter.atFrom !== undefined) conditions.push(sql`at >= ${filter.atFrom}::bigint`);
  if (filter.atUntil !== undefined) conditions.push(sql`at < ${filter.atUntil}::bigint`);
  if (filter.after !== null) conditions.push(filter.desc ? sql`id < ${filter.after}::text` : sql`id > ${filter.after}::text`);
  return sql<CallRow>`select * from ${table(s, 'calls')} where ${sql.join(conditions, sql` and `)}
    order by id ${sql.raw(filter.desc ? 'desc' : 'asc')} limit ${filter.limit + 1}::bigint`;
}

/**
 * The log's horizon: the oldest transaction still running that could write to this database (its
 * id, or the snapshot's xmax when there is none). Every event below it is committed and no event
 * can ever appear below it again. Transactions of OTHER databases of the server are left out (they
 * cannot write these tables, and a long one elsewhere would otherwise hold the log back): a
 * transaction counts as another database's only while `pg_stat_activity` shows it running there,
 * so one that ended meanwhile, or that this role may not see, still holds the line.
 */
const HORIZON = sql`(select coalesce(
    (select min(x) from pg_snapshot_xip(pg_current_snapshot()) as x
      where not exists (select 1 from pg_stat_activity as a
        where a.datname is distinct from current_database() and a.backend_xid = xid(x))),
    pg_snapshot_xmax(pg_current_snapshot())))`;

/**
 * Events after a position in (xid, id) order, only below the log's horizon (see `HORIZON`), so
 * that nothing can later appear before the returned cursors.
 */
export function listEvents(
  s: string,
  after: { readonly xid: string; readonly id: string } | null,
  limit: number,
  callId: string | undefined,
): RawBuilder<EventRow> {
  // Qualified names: the output column `xid` is text, and ORDER BY must use the xid8 column.
  const conditions: RawBuilder<unknown>[] = [sql`e.xid < ${HORIZON}`];
  if (after !== null) conditions.push(sql`(e.xid, e.id) > (${after.xid}::xid8, ${after.id}::bigint)`);
  if (callId !== undefined) conditions.push(sql`e.call_id = ${callId}::text`);
  return sql<EventRow>`select e.id, e.xid::text as xid, e.call_id, e.type, e.at, e.attempt, e.status, e.provider_status, e.data
    from ${table(s, 'events')} as e where ${sql.join(conditions, sql` and `)}
    order by e.xid, e.id limit ${limit}::bigint`;
}

/** The log's head: its horizon (everything below it has ended) and whether any event exists. */
export function eventLogHead(s: string): RawBuilder<{ xmin: string; any: boolean }> {
  return sql<{ xmin: string; any: boolean }>`select ${HORIZON}::text as xmin,
    (select min(id) from ${table(s, 'events')}) is not null as any`;
}

/** The earliest due time and the earliest lease expiry: the first entry of each partial index. */
export function nextWakeUpTimes(s: string): RawBuilder<{ due: IntColumn | null; lease: IntColumn | null }> {
  return sql<{ due: IntColumn | null; lease: IntColumn | null }>`select
    (select min(due_at) from ${table(s, 'calls')} where status = 'scheduled') as due,
    (select min(lease_expires_at) from ${table(s, 'calls')} where lease_expires_at is not null) as lease`;
}

/** Calls per status: a walk of `calls_status_id_idx` (an index-only scan once the table is vacuumed). */
export function countByStatus(s: string): RawBuilder<{ status: string; n: IntColumn }> {
  return sql<{ status: string; n: IntColumn }>`select status, count(*) as n from ${table(s, 'calls')} group by status`;
}

/** The earliest due call and how many are due by `bound`: two reads of the partial index `calls_due_idx`. */
export function dueSummary(s: string, bound: number): RawBuilder<{ earliest: IntColumn | null; within: IntColumn }> {
  return sql<{ earliest: IntColumn | null; within: IntColumn }>`select
    (select min(due_at) from ${table(s, 'calls')} where status = 'scheduled') as earliest,
    (select count(*) from ${table(s, 'calls')} where status = 'scheduled' and due_at <= ${bound}::bigint) as within`;
}

/** Attempts to `to` started at or after `since`. */
export function countAttempts(s: string, to: string, since: number): RawBuilder<{ n: IntColumn }> {
  return sql<{ n: IntColumn }>`select count(*) as n from ${table(s, 'attempts')} as a
    join ${table(s, 'calls')} as c on c.id = a.call_id
    where c.to_number = ${to}::text and a.started_at >= ${since}::bigint`;
}

/**
 * Retention in one statement: up to `limit` terminal calls ended before `endedBefore` (a walk of
 * `calls_ended_idx`, oldest first, skipping rows another transaction holds), with their attempts
 * and events. Returns how many calls it deleted.
 */
export function purgeCalls(s: string, endedBefore: number, limit: number, statuses: readonly string[] | null): RawBuilder<{ n: IntColumn }> {
  const only = statuses === null ? sql`` : sql`and c.status = any(${[...statuses]}::text[])`;
  return sql<{ n: IntColumn }>`with victims as (
      select c.id from ${table(s, 'calls')} as c
      where c.status in ${TERMINAL_STATUSES} and c.ended_at < ${endedBefore}::bigint ${only}
      order by c.ended_at, c.id
      limit ${limit}::bigint
      for update of c skip locked
    ),
    a as (delete from ${table(s, 'attempts')} as a using victims where a.call_id = victims.id),
    e as (delete from ${table(s, 'events')} as e using victims where e.call_id = victims.id),
    d as (delete from ${table(s, 'calls')} as c using victims where c.id = victims.id returning c.id)
    select count(*) as n from d`;
}

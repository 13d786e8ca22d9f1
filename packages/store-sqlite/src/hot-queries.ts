import { CompiledQuery, sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { CallsTable } from './database/tables.js';

/*
 * The statements the scheduler runs all the time, written out so that each names its index with
 * `INDEXED BY`. Without statistics (a new file) SQLite's planner would otherwise rate
 * `calls_status_id_idx (status = 'scheduled')` above `calls_due_idx`, read every scheduled call
 * and sort them: a claim would cost O(backlog) instead of O(limit). `INDEXED BY` makes the plan
 * fixed, and turns a missing index into an error instead of a silent full scan. The literals
 * (`status = 'scheduled'`) must stay literals: a partial index only serves a query whose `WHERE`
 * spells out the index's condition.
 */

/** The terminal statuses, as an SQL list. */
export const TERMINAL_STATUSES_SQL = `('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired')`;

/** {@link TERMINAL_STATUSES_SQL} for a query. */
const TERMINAL_STATUSES = sql.raw(TERMINAL_STATUSES_SQL);

/** The statuses in which a call occupies its number, as an SQL list. */
const OPEN_STATUSES_SQL = `('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`;

/**
 * The ids of up to `limit` scheduled calls due by `dueBy`, earliest `due_at` first, then id: a walk
 * of `calls_due_idx` that stops after `limit` rows. With `onePerNumber`, a call is skipped when
 * another call to its number is open and either not scheduled (being dialed, live) or due before
 * it, so that one claim takes at most one call per number. `calls_unended_to_idx` holds every
 * open call (the store never gives one an `ended_at`), and the status is checked on its rows (a
 * terminal call stored without `ended_at` is in the index too, and occupies nothing).
 *
 * Its parameters, in order: `dueBy`, `dueBy` again with `onePerNumber`, `limit`.
 */
function dueCallIdsSql(onePerNumber: boolean): string {
  const numberIsFree = onePerNumber
    ? `and not exists (
        select 1 from calls as o indexed by calls_unended_to_idx
        where o.to_number = c.to_number and o.ended_at is null and o.status in ${OPEN_STATUSES_SQL} and o.id <> c.id
          and (o.status <> 'scheduled' or (o.due_at <= ? and (o.due_at < c.due_at or (o.due_at = c.due_at and o.id < c.id)))))`
    : '';
  return `(select c.id from calls as c indexed by calls_due_idx
    where c.status = 'scheduled' and c.due_at <= ? ${numberIsFree}
    order by c.due_at, c.id limit ?)`;
}

/**
 * The claim of due calls, one statement: the calls of {@link dueCallIdsSql} become `dispatching`
 * under a new lease and fencing token, keep the due time they were claimed at in
 * `claimed_due_at` (SET reads the row as it was before the update), and come back whole.
 * Its parameters, in order: the lease owner, the lease expiry, `now`, then those of
 * {@link dueCallIdsSql}.
 */
function claimDueSql(onePerNumber: boolean): string {
  return `update "calls" set "status" = 'dispatching', "claimed_due_at" = "due_at", "due_at" = null,
    "attempt_count" = "attempt_count" + 1, "fencing_token" = "fencing_token" + 1, "lease_owner" = ?,
    "lease_expires_at" = ?, "version" = "version" + 1, "updated_at" = ?
    where "id" in ${dueCallIdsSql(onePerNumber)} returning *`;
}

/** The claim's text for each `onePerNumber`, written once (the statement cache finds it prepared by this text). */
const CLAIM_DUE_SQL = { one: claimDueSql(true), any: claimDueSql(false) } as const;

/** What a claim of due calls is asked for. */
export interface ClaimDueParameters {
  readonly owner: string;
  readonly leaseExpiresAt: number;
  readonly now: number;
  readonly dueBy: number;
  readonly limit: number;
  readonly onePerNumber: boolean;
}

/** The claim of up to `limit` calls due by `dueBy` (see {@link claimDueSql}), compiled once: no query build per claim. */
export function claimDueCallsQuery(p: ClaimDueParameters): CompiledQuery<CallsTable> {
  return p.onePerNumber
    ? CompiledQuery.raw(CLAIM_DUE_SQL.one, [p.owner, p.leaseExpiresAt, p.now, p.dueBy, p.dueBy, p.limit])
    : CompiledQuery.raw(CLAIM_DUE_SQL.any, [p.owner, p.leaseExpiresAt, p.now, p.dueBy, p.limit]);
}

/** The ids of up to `limit` calls whose lease expired at `now`, earliest expiry first (`calls_lease_idx`). */
export function expiredLeaseIds(now: number, limit: number): RawBuilder<string> {
  return sql`(select c.id from calls as c indexed by calls_lease_idx
    where c.lease_expires_at is not null and c.lease_expires_at <= ${now}
    order by c.lease_expires_at, c.id limit ${limit})`;
}

const ANY_DUE_SQL = `select 1 as one from calls indexed by calls_due_idx where status = 'scheduled' and due_at <= ? limit 1`;

/** One row when some scheduled call is due by `dueBy` (a read, so an empty claim takes no write lock). */
export function anyDueCall(dueBy: number): CompiledQuery<{ one: number }> {
  return CompiledQuery.raw(ANY_DUE_SQL, [dueBy]);
}

/** One row when some lease expired at `now`. */
export function anyExpiredLease(now: number): RawBuilder<{ one: number }> {
  return sql`select 1 as one from calls indexed by calls_lease_idx where lease_expires_at is not null and lease_expires_at <= ${now} limit 1`;
}

const NEXT_WAKE_UP_SQL = `select
    (select min(due_at) from calls indexed by calls_due_idx where status = 'scheduled') as due,
    (select min(lease_expires_at) from calls indexed by calls_lease_idx where lease_expires_at is not null) as lease`;

/** The earliest due time and the earliest lease expiry: the first entry of each index. */
export function nextWakeUpTimes(): CompiledQuery<{ due: number | bigint | null; lease: number | bigint | null }> {
  return CompiledQuery.raw(NEXT_WAKE_UP_SQL, []);
}

/**
 * The ids of up to `limit` terminal calls that ended before `endedBefore`, oldest `ended_at` first,
 * then id (optionally only those in `statuses`): a walk of the partial index `calls_ended_at_idx`
 * that stops after `limit` rows. An open call has no `ended_at`, so it is not in the index; the
 * status is checked too, so it can never be chosen, whatever `statuses` says.
 */
export function endedCallIds(endedBefore: number, limit: number, statuses: readonly string[] | null): RawBuilder<string> {
  const only = statuses === null ? sql`` : sql`and c.status in (${sql.join([...statuses])})`;
  return sql`(select c.id from calls as c indexed by calls_ended_at_idx
    where c.ended_at is not null and c.ended_at < ${endedBefore} and c.status in ${TERMINAL_STATUSES} ${only}
    order by c.ended_at, c.id limit ${limit})`;
}

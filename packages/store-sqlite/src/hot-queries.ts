import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

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

/** The statuses in which a call occupies its number. */
const OPEN_STATUSES = sql.raw(`('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`);

/**
 * The ids of up to `limit` scheduled calls due by `dueBy`, earliest `due_at` first, then id: a walk
 * of `calls_due_idx` that stops after `limit` rows. With `onePerNumber`, a call is skipped when
 * another call to its number is open and either not scheduled (being dialed, live) or due before
 * it, so that one claim takes at most one call per number. `calls_unended_to_idx` holds every
 * open call (the store never gives one an `ended_at`), and the status is checked on its rows (a
 * terminal call stored without `ended_at` is in the index too, and occupies nothing).
 */
export function dueCallIds(dueBy: number, limit: number, onePerNumber: boolean): RawBuilder<string> {
  const numberIsFree = onePerNumber
    ? sql`and not exists (
        select 1 from calls as o indexed by calls_unended_to_idx
        where o.to_number = c.to_number and o.ended_at is null and o.status in ${OPEN_STATUSES} and o.id <> c.id
          and (o.status <> 'scheduled' or (o.due_at <= ${dueBy} and (o.due_at < c.due_at or (o.due_at = c.due_at and o.id < c.id)))))`
    : sql``;
  return sql`(select c.id from calls as c indexed by calls_due_idx
    where c.status = 'scheduled' and c.due_at <= ${dueBy} ${numberIsFree}
    order by c.due_at, c.id limit ${limit})`;
}

/** The ids of up to `limit` calls whose lease expired at `now`, earliest expiry first (`calls_lease_idx`). */
export function expiredLeaseIds(now: number, limit: number): RawBuilder<string> {
  return sql`(select c.id from calls as c indexed by calls_lease_idx
    where c.lease_expires_at is not null and c.lease_expires_at <= ${now}
    order by c.lease_expires_at, c.id limit ${limit})`;
}

/** One row when some scheduled call is due by `dueBy` (a read, so an empty claim takes no write lock). */
export function anyDueCall(dueBy: number): RawBuilder<{ one: number }> {
  return sql`select 1 as one from calls indexed by calls_due_idx where status = 'scheduled' and due_at <= ${dueBy} limit 1`;
}

/** One row when some lease expired at `now`. */
export function anyExpiredLease(now: number): RawBuilder<{ one: number }> {
  return sql`select 1 as one from calls indexed by calls_lease_idx where lease_expires_at is not null and lease_expires_at <= ${now} limit 1`;
}

/** The earliest due time and the earliest lease expiry: the first entry of each index. */
export function nextWakeUpTimes(): RawBuilder<{ due: number | bigint | null; lease: number | bigint | null }> {
  return sql`select
    (select min(due_at) from calls indexed by calls_due_idx where status = 'scheduled') as due,
    (select min(lease_expires_at) from calls indexed by calls_lease_idx where lease_expires_at is not null) as lease`;
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

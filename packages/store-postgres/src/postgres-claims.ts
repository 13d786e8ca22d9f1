// Owns: PostgresStore's claims: due calls (one per number across hosts when asked), expired leases, and the attempts counted per number.
import type { ClaimOptions, ClaimWithWakeUp, UpdateResult } from '@call-scheduler/core';
import type { OpenDatabase } from './database/open-database.js';
import { appendedEvent, int, toCallRecord } from './rows/rows.js';
import { nextWakeUpTimes } from './postgres-figures.js';
import * as statements from './sql/statements.js';
import type { ClaimedRow } from './sql/statements.js';

/** The result of a claim row: the call and its one event. */
function claimedResult(row: ClaimedRow, type: 'dispatching' | 'recovered', now: number): UpdateResult {
  const call = toCallRecord(row);
  const attempt = type === 'dispatching' ? call.attemptCount : call.attemptCount > 0 ? call.attemptCount : null;
  const event = appendedEvent(
    call.id,
    {
      type,
      at: now,
      attempt,
      status: type === 'dispatching' ? 'dispatching' : call.status,
      providerStatus: null,
      // As the statement wrote it: who claimed the call (and when it was due), or whose lease was taken over.
      data:
        type === 'dispatching'
          ? { owner: call.lease?.owner ?? null, dueAt: int(row.claimed_due_at) }
          : { previousOwner: row.previous_owner ?? null, owner: call.lease?.owner ?? null },
    },
    { id: row.event_id, xid: row.event_xid },
  );
  return { call, events: [event] };
}

/**
 * Atomically claims up to `limit` due calls, earliest `dueAt` first (then id), in one statement;
 * see `CallStore.claimDueCalls` and `sql/statements.ts`.
 */
export async function claimDueCalls(open: OpenDatabase, options: ClaimOptions): Promise<UpdateResult[]> {
  const { db, notifier } = open;
  if (options.limit <= 0) return [];
  const rows = (await open.prepared.run(db, statements.claimDueCalls(open.quoted, options))).rows;
  if (rows.length > 0) notifier?.announce({ events: true });
  return rows.map((row) => claimedResult(row, 'dispatching', options.now));
}

/**
 * {@link claimDueCalls} and the next wake-up after it, in one statement (one round trip); see
 * `CallStore.claimDueCallsWithWakeUp`. The statement's snapshot does not show the leases it
 * took: the earliest lease expiry is the earlier of what it read and the new leases' expiry.
 */
export async function claimDueCallsWithWakeUp(open: OpenDatabase, options: ClaimOptions): Promise<ClaimWithWakeUp> {
  const { db, notifier } = open;
  if (options.limit <= 0) return { claimed: [], wakeUp: await nextWakeUpTimes(open) };
  const rows = (await open.prepared.run(db, statements.claimDueCallsWithWakeUp(open.quoted, options))).rows;
  const first = rows[0];
  const claimed: UpdateResult[] = [];
  for (const row of rows) if (row.id !== null) claimed.push(claimedResult(row as ClaimedRow, 'dispatching', options.now));
  if (claimed.length > 0) notifier?.announce({ events: true });
  const due = first?.wake_due == null ? null : int(first.wake_due);
  const read = first?.wake_lease == null ? null : int(first.wake_lease);
  const leaseExpiry = claimed.length === 0 ? read : Math.min(read ?? Number.POSITIVE_INFINITY, options.leaseExpiresAt);
  return { claimed, wakeUp: { due, leaseExpiry } };
}

/** Atomically takes over up to `limit` calls whose lease expired, earliest expiry first, in one statement. */
export async function claimExpiredLeases(open: OpenDatabase, options: ClaimOptions): Promise<UpdateResult[]> {
  const { db, notifier } = open;
  if (options.limit <= 0) return [];
  const rows = (await open.prepared.run(db, statements.claimExpiredLeases(open.quoted, options))).rows;
  if (rows.length > 0) notifier?.announce({ events: true });
  return rows.map((row) => claimedResult(row, 'recovered', options.now));
}

/** How many attempts to `to` started at or after `since`. */
export async function countAttempts(open: OpenDatabase, query: { readonly to: string; readonly since: number }): Promise<number> {
  const { db } = open;
  const row = (await statements.countAttempts(open.quoted, query.to, query.since).execute(db)).rows[0];
  return row === undefined ? 0 : int(row.n);
}

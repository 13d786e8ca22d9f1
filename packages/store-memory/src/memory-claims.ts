// Owns: MemoryStore's claims: due calls (earliest first, one per number when asked), expired leases, and the attempts counted per number.
import type { CallRecord, ClaimOptions, UpdateResult } from '@call-scheduler/core';
import { claimedAttempt } from '@call-scheduler/core/internal';
import { copyCall, copyEvent } from './memory-copies.js';
import type { MemoryState, Mutable, TimeHeapEntry } from './memory-state.js';

/** Atomically claims due calls, earliest `dueAt` first; see {@link CallStore.claimDueCalls}. */
export async function claimDueCalls(state: MemoryState, options: ClaimOptions): Promise<UpdateResult[]> {
  const { now, limit, owner, leaseExpiresAt } = options;
  const dueBy = options.dueBy ?? now;
  const onePerNumber = options.onePerNumber ?? false;
  const results: UpdateResult[] = [];
  const skipped: TimeHeapEntry[] = [];
  while (results.length < limit) {
    const top = state.due.peek();
    if (top === undefined) break;
    const stored = state.calls.get(top.id);
    if (stored === undefined || stored.dueEntry !== top) {
      state.due.pop(); // stale: the call was claimed, rescheduled or ended since
      continue;
    }
    if (top.at > dueBy) break;
    state.due.pop();
    const { record } = stored;
    if (onePerNumber && (state.activeByNumber.get(record.to) ?? 0) > 0) {
      skipped.push(top);
      continue;
    }
    // Claim: the call is no longer due; a new attempt under a new lease begins.
    stored.dueEntry = null;
    const attemptNumber = record.attemptCount + 1;
    const token = record.fencingToken + 1;
    const next: Mutable<CallRecord> = {
      ...record,
      status: 'dispatching',
      dueAt: null,
      attemptCount: attemptNumber,
      fencingToken: token,
      lease: { owner, token, expiresAt: leaseExpiresAt },
      version: record.version + 1,
      updatedAt: now,
    };
    state.replaceRecord(stored, next);
    stored.attempts.push(claimedAttempt(record.id, attemptNumber, now, owner));
    state.recordAttemptStart(record.to, now);
    const event = state.appendEvent(stored, {
      type: 'dispatching',
      at: now,
      attempt: attemptNumber,
      status: 'dispatching',
      providerStatus: null,
      // Who claimed it and when it was due: the history names the host that dialed.
      data: { owner, dueAt: record.dueAt ?? now },
    });
    results.push({ call: copyCall(next), events: [copyEvent(event)] });
  }
  for (const entry of skipped) state.due.push(entry);
  return results;
}

/** Atomically takes over expired leases, earliest first; see {@link CallStore.claimExpiredLeases}. */
export async function claimExpiredLeases(state: MemoryState, options: ClaimOptions): Promise<UpdateResult[]> {
  const { now, limit, owner, leaseExpiresAt } = options;
  const results: UpdateResult[] = [];
  // New leases enter the heap after the loop, so that a lease handed out already expired
  // (leaseExpiresAt <= now) is not taken over again by this same claim.
  const renewed: TimeHeapEntry[] = [];
  while (results.length < limit) {
    const top = state.leases.peek();
    if (top === undefined) break;
    const stored = state.calls.get(top.id);
    if (stored === undefined || stored.leaseEntry !== top) {
      state.leases.pop(); // stale: the lease was renewed, released or taken over since
      continue;
    }
    if (top.at > now) break;
    state.leases.pop();
    const { record } = stored;
    const previous = record.lease as NonNullable<CallRecord['lease']>;
    const token = record.fencingToken + 1;
    const next: Mutable<CallRecord> = {
      ...record,
      fencingToken: token,
      lease: { owner, token, expiresAt: leaseExpiresAt },
      version: record.version + 1,
      updatedAt: now,
    };
    state.replaceRecord(stored, next, renewed);
    const event = state.appendEvent(stored, {
      type: 'recovered',
      at: now,
      attempt: record.attemptCount > 0 ? record.attemptCount : null,
      status: record.status,
      providerStatus: null,
      data: { previousOwner: previous.owner, owner, previousToken: previous.token, previousExpiresAt: previous.expiresAt },
    });
    results.push({ call: copyCall(next), events: [copyEvent(event)] });
  }
  for (const entry of renewed) state.leases.push(entry);
  return results;
}

/** Attempts to a number started at or after `since`; see {@link CallStore.countAttempts}. */
export async function countAttempts(state: MemoryState, query: { readonly to: string; readonly since: number }): Promise<number> {
  const starts = state.attemptStartsByNumber.get(query.to);
  if (starts === undefined) return 0;
  let count = 0;
  for (const start of starts) if (start >= query.since) count++;
  return count;
}

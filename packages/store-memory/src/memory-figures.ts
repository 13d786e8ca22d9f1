// Owns: MemoryStore's figures: calls per status, the due summary and the next wake-up.
import type { CallStatus, CallStatusCounts, DueSummary, DueSummaryQuery, WakeUpTimes } from '@call-scheduler/core';
import { earlierOf } from '@call-scheduler/core/internal';
import type { MemoryState } from './memory-state.js';

/** Calls per status (see {@link MemoryStore.countByStatus}). */
export async function countByStatus(state: MemoryState): Promise<CallStatusCounts> {
  const counts: Partial<Record<CallStatus, number>> = {};
  for (const [status, count] of state.statusCounts) if (count > 0) counts[status] = count;
  return counts;
}

/** See {@link MemoryStore.dueSummary}. */
export async function dueSummary(state: MemoryState, query: DueSummaryQuery): Promise<DueSummary> {
  const top = state.validTop(state.due, (stored) => stored.dueEntry);
  const bound = query.now + query.horizonMs;
  let dueWithin = 0;
  if (top !== undefined && top.at <= bound) {
    for (const { record } of state.calls.values()) {
      if (record.status === 'scheduled' && record.dueAt !== null && record.dueAt <= bound) dueWithin++;
    }
  }
  return { earliestDueAt: top?.at ?? null, dueWithin };
}

/** The earliest due time and the earliest lease expiry; see {@link CallStore.nextWakeUpTimes}. */
export async function nextWakeUpTimes(state: MemoryState): Promise<WakeUpTimes> {
  const due = state.validTop(state.due, (stored) => stored.dueEntry);
  const lease = state.validTop(state.leases, (stored) => stored.leaseEntry);
  return { due: due?.at ?? null, leaseExpiry: lease?.at ?? null };
}

/** The earliest due time or lease expiry, or `null`; see {@link CallStore.nextWakeUpAt}. */
export async function nextWakeUpAt(state: MemoryState): Promise<number | null> {
  return earlierOf(await nextWakeUpTimes(state));
}

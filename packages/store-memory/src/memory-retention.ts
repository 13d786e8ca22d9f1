// Owns: MemoryStore's retention: purging ended calls with their attempts and events, and compacting the lists they leave.
import type { CallStatus, PurgeOptions } from '@call-scheduler/core';
import { HEAP_SLACK, type MemoryState, type StoredCall, type TimeHeapEntry } from './memory-state.js';

/**
 * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
 * in `statuses`), oldest `endedAt` first, with their attempts and events; see
 * {@link CallStore.purgeCalls}. Idempotency keys and provider ids of the deleted calls are
 * forgotten; event ids are never reused.
 *
 * Finding the calls walks a min-heap of ended calls by (endedAt, id), O(k log n) for k calls
 * (plus the ones that a `statuses` filter skips). Their ids and events are marked and skipped by
 * readers, and the lists are compacted once purged entries are half of them, so a purge costs
 * O(k log n + events of the k calls), amortized.
 * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
 */
export async function purgeCalls(state: MemoryState, options: PurgeOptions): Promise<number> {
  const { endedBefore, limit } = options;
  const statuses = options.statuses === undefined ? null : new Set<CallStatus>(options.statuses);
  const victims: StoredCall[] = [];
  const skipped: TimeHeapEntry[] = [];
  while (victims.length < limit) {
    const top = state.ended.peek();
    if (top === undefined) break;
    const stored = state.calls.get(top.id);
    if (stored === undefined || stored.endedEntry !== top) {
      state.ended.pop(); // stale: the call was purged, or its end time changed
      continue;
    }
    if (top.at >= endedBefore) break;
    state.ended.pop();
    if (statuses !== null && !statuses.has(stored.record.status)) skipped.push(top);
    else victims.push(stored);
  }
  for (const entry of skipped) state.ended.push(entry);
  if (victims.length === 0) return 0;

  for (const stored of victims) {
    const { record } = stored;
    state.calls.delete(record.id);
    state.countStatus(record.status, -1);
    state.purgedIds += 1;
    for (const event of stored.events) state.purgedEvents.add(event);
    state.purgedEventCount += stored.events.length;
    stored.endedEntry = null;
    if (record.idempotencyKey !== null && state.byIdempotencyKey.get(record.idempotencyKey) === record.id) {
      state.byIdempotencyKey.delete(record.idempotencyKey);
    }
    for (const providerCallId of [record.providerCallId, ...stored.attempts.map((a) => a.providerCallId)]) {
      if (providerCallId !== null && state.byProviderCallId.get(providerCallId) === record.id) state.byProviderCallId.delete(providerCallId);
    }
    for (const attempt of stored.attempts) state.forgetAttemptStart(record.to, attempt.startedAt);
    // A terminal call is neither due nor counted as active; a lease it still held goes stale in its heap.
  }
  // Compact once purged entries are half of a list: one pass per as many deletions (amortized O(1)).
  if (state.purgedIds > HEAP_SLACK && 2 * state.purgedIds > state.order.length) {
    state.order = state.order.filter((id) => state.calls.has(id));
    state.purgedIds = 0;
  }
  if (state.purgedEventCount > HEAP_SLACK && 2 * state.purgedEventCount > state.events.length) {
    state.events = state.events.filter((event) => !state.purgedEvents.has(event));
    state.purgedEventCount = 0;
  }
  return victims.length;
}

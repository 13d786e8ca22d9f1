// Owns: what MemoryStore keeps (calls, the id order, the event log, the heaps, per-number counts) and keeping every index in step with a call's record.
import { isLiveStatus, isTerminalStatus, type AttemptRecord, type CallEventRecord, type CallRecord, type CallStatus, type NewCallEvent } from '@call-scheduler/core';
import { MinHeap, encodeSequenceCursor } from '@call-scheduler/core/internal';

/** An entry of the store's heaps: a time and the call it is about. */
export interface TimeHeapEntry {
  /** The time (epoch ms) the heap orders by. */
  readonly at: number;
  /** The call's id: entries with the same time come out in id order. */
  readonly id: string;
}

/** Earliest time first, then smallest id. */
const byTimeThenId = (a: TimeHeapEntry, b: TimeHeapEntry): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);

/** A min-heap of (time, id) entries with lazy deletion (core's heap). */
export class TimeHeap extends MinHeap<TimeHeapEntry> {
  constructor() {
    super(byTimeThenId);
  }
}

/** `T` with its `readonly` taken off. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Everything the store keeps about one call. Never handed out: callers get copies. */
export interface StoredCall {
  record: Mutable<CallRecord>;
  readonly attempts: Mutable<AttemptRecord>[];
  /** This call's events, by id (the same objects as in the store-wide list). */
  readonly events: CallEventRecord[];
  /** The due-heap entry that is current for this call, or `null` when it is not due-able. */
  dueEntry: TimeHeapEntry | null;
  /** The lease-heap entry that is current for this call, or `null` when it holds no lease. */
  leaseEntry: TimeHeapEntry | null;
  /** The ended-heap entry that is current for this call, or `null` when it has not ended. */
  endedEntry: TimeHeapEntry | null;
}

/** Heaps are compacted when stale entries outnumber live ones by this much. */
export const HEAP_SLACK = 1024;

/**
 * The state of one MemoryStore: its calls and every index over them. The operations (in
 * `memory-calls.ts`, `memory-claims.ts`, `memory-events.ts`, `memory-figures.ts`,
 * `memory-retention.ts`) read the fields and change a call only through {@link MemoryState.replaceRecord}
 * and the other methods here, so that the indexes stay in step.
 */
export class MemoryState {
  readonly calls = new Map<string, StoredCall>();
  /**
   * Every call id, sorted (ids are time-ordered, so this is creation order). Ids of purged calls
   * stay until a purge compacts the list (readers skip them).
   */
  order: string[] = [];
  /** How many ids in `order` are of purged calls. */
  purgedIds = 0;
  /**
   * Every event, in id order. Events of purged calls stay (in `purgedEvents`, skipped by readers)
   * until a purge compacts the list.
   */
  events: CallEventRecord[] = [];
  /** The events in `events` whose call was purged. */
  readonly purgedEvents = new WeakSet<CallEventRecord>();
  purgedEventCount = 0;
  /** The last event id handed out: ids are never reused, not even after a purge. */
  lastEventId = 0;
  readonly byIdempotencyKey = new Map<string, string>();
  readonly byProviderCallId = new Map<string, string>();
  /** Scheduled calls by (dueAt, id). */
  readonly due = new TimeHeap();
  /** Leases by (expiresAt, id). */
  readonly leases = new TimeHeap();
  /** Ended (terminal) calls by (endedAt, id), for retention. */
  readonly ended = new TimeHeap();
  /** Per number: how many of its calls are `dispatching` or live. */
  readonly activeByNumber = new Map<string, number>();
  /** Per number: the start times of every attempt to it. */
  readonly attemptStartsByNumber = new Map<string, number[]>();
  /** How many calls are in each status (for `countByStatus`). */
  readonly statusCounts = new Map<CallStatus, number>();

  countStatus(status: CallStatus, delta: number): void {
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + delta);
  }

  /**
   * Installs `next` as the call's record and keeps every index in step with it. A new lease entry
   * goes to `deferLeases` instead of the heap when given.
   */
  replaceRecord(stored: StoredCall, next: Mutable<CallRecord>, deferLeases?: TimeHeapEntry[]): void {
    const previous = stored.record;
    stored.record = next;
    if (previous.status !== next.status) {
      this.countStatus(previous.status, -1);
      this.countStatus(next.status, +1);
      this.countActive(previous.to, previous.status, -1);
      this.countActive(next.to, next.status, +1);
    }
    if (previous.status !== next.status || previous.dueAt !== next.dueAt) this.syncDueEntry(stored);
    if (previous.lease !== next.lease) this.syncLeaseEntry(stored, deferLeases);
    if (previous.status !== next.status || previous.endedAt !== next.endedAt) this.syncEndedEntry(stored);
    if (next.providerCallId !== null && next.providerCallId !== previous.providerCallId) {
      this.byProviderCallId.set(next.providerCallId, next.id);
    }
  }

  /** Points the call's due entry at its current (status, dueAt), pushing a new entry if needed. */
  syncDueEntry(stored: StoredCall): void {
    const { record } = stored;
    if (record.status !== 'scheduled' || record.dueAt === null) {
      stored.dueEntry = null;
      return;
    }
    if (stored.dueEntry !== null && stored.dueEntry.at === record.dueAt) return;
    const entry = { at: record.dueAt, id: record.id };
    stored.dueEntry = entry;
    this.due.push(entry);
    if (this.due.size > 2 * this.calls.size + HEAP_SLACK) {
      this.due.retain((e) => this.calls.get(e.id)?.dueEntry === e);
    }
  }

  /** Points the call's lease entry at its current lease, pushing a new entry (or deferring it). */
  syncLeaseEntry(stored: StoredCall, defer?: TimeHeapEntry[]): void {
    const { lease } = stored.record;
    if (lease === null) {
      stored.leaseEntry = null;
      return;
    }
    const entry = { at: lease.expiresAt, id: stored.record.id };
    stored.leaseEntry = entry;
    if (defer !== undefined) {
      defer.push(entry);
      return;
    }
    this.leases.push(entry);
    if (this.leases.size > 2 * this.calls.size + HEAP_SLACK) {
      this.leases.retain((e) => this.calls.get(e.id)?.leaseEntry === e);
    }
  }

  /** Points the call's ended entry at its current `endedAt` when it is terminal, pushing a new entry if needed. */
  syncEndedEntry(stored: StoredCall): void {
    const { record } = stored;
    if (!isTerminalStatus(record.status) || record.endedAt === null) {
      stored.endedEntry = null;
      return;
    }
    if (stored.endedEntry !== null && stored.endedEntry.at === record.endedAt) return;
    const entry = { at: record.endedAt, id: record.id };
    stored.endedEntry = entry;
    this.ended.push(entry);
    if (this.ended.size > 2 * this.calls.size + HEAP_SLACK) {
      this.ended.retain((e) => this.calls.get(e.id)?.endedEntry === e);
    }
  }

  /** The earliest entry of `heap` that is still current, dropping stale ones on the way. */
  validTop(heap: TimeHeap, current: (stored: StoredCall) => TimeHeapEntry | null): TimeHeapEntry | undefined {
    for (;;) {
      const top = heap.peek();
      if (top === undefined) return undefined;
      const stored = this.calls.get(top.id);
      if (stored !== undefined && current(stored) === top) return top;
      heap.pop();
    }
  }

  countActive(to: string, status: CallStatus, delta: 1 | -1): void {
    if (status !== 'dispatching' && !isLiveStatus(status)) return;
    const count = (this.activeByNumber.get(to) ?? 0) + delta;
    if (count <= 0) this.activeByNumber.delete(to);
    else this.activeByNumber.set(to, count);
  }

  recordAttemptStart(to: string, startedAt: number): void {
    const starts = this.attemptStartsByNumber.get(to);
    if (starts === undefined) this.attemptStartsByNumber.set(to, [startedAt]);
    else starts.push(startedAt);
  }

  /** Removes one recorded start at `startedAt` (an attempt undone by `unclaim`). */
  forgetAttemptStart(to: string, startedAt: number): void {
    const starts = this.attemptStartsByNumber.get(to);
    if (starts === undefined) return;
    const index = starts.lastIndexOf(startedAt);
    if (index >= 0) starts.splice(index, 1);
    if (starts.length === 0) this.attemptStartsByNumber.delete(to);
  }

  appendEvent(stored: StoredCall, event: NewCallEvent): CallEventRecord {
    this.lastEventId += 1;
    const id = this.lastEventId;
    const record: CallEventRecord = { ...event, id, cursor: encodeSequenceCursor(id), callId: stored.record.id };
    this.events.push(record);
    stored.events.push(record);
    return record;
  }

  /** Adds `id` to the sorted id list: appended in O(1) when it is the newest, as usual. */
  insertOrdered(id: string): void {
    const ids = this.order;
    const last = ids[ids.length - 1];
    if (last === undefined || last < id) {
      ids.push(id);
      return;
    }
    const index = lowerBound(ids, id);
    if (ids[index] === id) this.purgedIds -= 1; // the id of a purged call, stored again: it is live once more
    else ids.splice(index, 0, id);
  }
}

/** The first index whose id is greater than `id`. */
export function upperBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ids[mid] as string) <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose id is not less than `id`. */
export function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ids[mid] as string) < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

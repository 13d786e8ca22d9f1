// Owns: MemoryStore's calls: inserting them (idempotency keys), reading and listing them, and the conditional update.
import type {
  AttemptRecord,
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallPatch,
  CallRecord,
  CallStatus,
  CallUpdate,
  InsertResult,
  NewCallEvent,
  UpdateResult,
} from '@call-scheduler/core';
import { decodeListCursor, encodeListCursor, invalidInput as invalidInputOf, newCallRecord } from '@call-scheduler/core/internal';
import { cloneJson, copyAttempt, copyCall, copyEvent, copyNewEvent } from './memory-copies.js';
import { lowerBound, upperBound, type MemoryState, type Mutable, type StoredCall } from './memory-state.js';

/** The fields of {@link CallPatch} that are copied onto the record as they are. */
const PATCH_FIELDS = [
  'status',
  'dueAt',
  'at',
  'timeZone',
  'window',
  'expiresAt',
  'retry',
  'metadata',
  'providerCallId',
  'providerStatus',
  'error',
  'endedAt',
] as const satisfies readonly (keyof CallPatch & keyof CallRecord)[];

/** The fields of an attempt an update may change. */
const ATTEMPT_PATCH_FIELDS = ['status', 'providerCallId', 'providerStatus', 'endedAt', 'durationSeconds', 'error'] as const;

/** Inserts calls in one transaction, de-duplicating by idempotency key; see {@link CallStore.insertCalls}. */
export async function insertCalls(state: MemoryState, items: readonly CallInsert[]): Promise<InsertResult[]> {
  // First decide and copy everything (this may throw); then write (this cannot).
  type Plan = { readonly kind: 'existing'; readonly id: string } | { readonly kind: 'new'; readonly stored: StoredCall; readonly events: readonly NewCallEvent[] };
  const plans: Plan[] = [];
  const batchKeys = new Map<string, string>();
  items.forEach(({ call, events }, index) => {
    const key = call.idempotencyKey;
    const earlier = key === null ? undefined : (state.byIdempotencyKey.get(key) ?? batchKeys.get(key));
    if (earlier !== undefined) {
      plans.push({ kind: 'existing', id: earlier });
      return;
    }
    // A batch holding one id twice was refused by the store guard (GuardedCallStore).
    if (state.calls.has(call.id)) {
      throw invalidInput(`items.${index}.call.id`, `a call with id ${call.id} is already stored`);
    }
    if (key !== null) batchKeys.set(key, call.id);
    // The stored record owns its JSON values: copies, not the caller's objects.
    const record: Mutable<CallRecord> = newCallRecord(call);
    record.window = cloneJson(call.window);
    record.retry = cloneJson(call.retry);
    record.metadata = cloneJson(call.metadata);
    record.error = cloneJson(call.error);
    const stored: StoredCall = { record, attempts: [], events: [], dueEntry: null, leaseEntry: null, endedEntry: null };
    plans.push({ kind: 'new', stored, events: events.map(copyNewEvent) });
  });

  return plans.map((plan) => {
    if (plan.kind === 'existing') {
      const existing = state.calls.get(plan.id) as StoredCall;
      return { call: copyCall(existing.record), created: false, events: [] };
    }
    const { stored } = plan;
    const { record } = stored;
    state.calls.set(record.id, stored);
    state.countStatus(record.status, +1);
    state.insertOrdered(record.id);
    if (record.idempotencyKey !== null) state.byIdempotencyKey.set(record.idempotencyKey, record.id);
    state.countActive(record.to, record.status, +1);
    state.syncDueEntry(stored);
    state.syncEndedEntry(stored);
    const appended = plan.events.map((event) => state.appendEvent(stored, event));
    return { call: copyCall(record), created: true, events: appended.map(copyEvent) };
  });
}

/** One call, or `undefined`; see {@link CallStore.getCall}. */
export async function getCall(state: MemoryState, id: string): Promise<CallRecord | undefined> {
  const stored = state.calls.get(id);
  return stored === undefined ? undefined : copyCall(stored.record);
}

/** One call with its attempts and events, or `undefined`; see {@link CallStore.getCallDetails}. */
export async function getCallDetails(state: MemoryState, id: string): Promise<CallDetailsRecord | undefined> {
  const stored = state.calls.get(id);
  if (stored === undefined) return undefined;
  return {
    call: copyCall(stored.record),
    attempts: stored.attempts.map(copyAttempt),
    events: stored.events.map(copyEvent),
  };
}

/**
 * The call that has (or last had) this provider id, on the call or on any of its attempts, or
 * `undefined`. When two calls were given the same provider id, the one that got it last wins.
 */
export async function findCallByProviderCallId(state: MemoryState, providerCallId: string): Promise<CallRecord | undefined> {
  const id = state.byProviderCallId.get(providerCallId);
  const stored = id === undefined ? undefined : state.calls.get(id);
  return stored === undefined ? undefined : copyCall(stored.record);
}

/**
 * A page of calls in id order; see {@link CallStore.listCalls}.
 *
 * Walks ids in order from the cursor and filters on the way: O(log n) to find the start, then one
 * step per call visited, so a filter that matches few calls may visit many. The cursor is the
 * base64url of the last id returned.
 */
export async function listCalls(state: MemoryState, query: CallListQuery): Promise<CallPage> {
  const { limit, order } = query;
  const after = query.cursor === null ? null : decodeListCursor(query.cursor);
  const statuses = query.statuses === undefined ? null : new Set<CallStatus>(query.statuses);
  const matches = (record: CallRecord): boolean =>
    (statuses === null || statuses.has(record.status)) &&
    (query.to === undefined || record.to === query.to) &&
    (query.atFrom === undefined || record.at >= query.atFrom) &&
    (query.atUntil === undefined || record.at < query.atUntil);

  const ids = state.order;
  const items: CallRecord[] = [];
  let more = false;
  const step = order === 'asc' ? 1 : -1;
  let index: number;
  if (order === 'asc') index = after === null ? 0 : upperBound(ids, after);
  else index = (after === null ? ids.length : lowerBound(ids, after)) - 1;
  for (; index >= 0 && index < ids.length; index += step) {
    const record = state.calls.get(ids[index] as string)?.record;
    if (record === undefined || !matches(record)) continue; // undefined: a purged call's id

    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(copyCall(record));
  }
  const last = items[items.length - 1];
  return { items, nextCursor: more && last !== undefined ? encodeListCursor(last.id) : null };
}

/**
 * Applies a conditional write; see {@link CallStore.updateCall}.
 *
 * An `attempt` patch for an attempt that does not exist is a caller's mistake: it rejects with
 * `INVALID_INPUT` (naming `attempt.number`) and writes nothing. So does `unclaim` on a call with
 * no attempt, or together with an `attempt` patch (naming `unclaim`).
 */
export async function updateCall(state: MemoryState, update: CallUpdate): Promise<UpdateResult | undefined> {
  const stored = state.calls.get(update.id);
  if (stored === undefined) return undefined;
  const { record } = stored;
  const { token, statuses, version } = update.expect;
  if (token !== undefined && (record.lease === null || record.lease.token !== token)) return undefined;
  if (statuses !== undefined && !statuses.includes(record.status)) return undefined;
  if (version !== undefined && record.version !== version) return undefined;

  // Copy everything first (this may throw); then write (this cannot).
  let attempt: Mutable<AttemptRecord> | undefined;
  let attemptNext: Mutable<AttemptRecord> | undefined;
  if (update.attempt !== undefined) {
    const { number } = update.attempt;
    attempt = stored.attempts[number - 1];
    if (attempt === undefined || attempt.number !== number) {
      throw invalidInput('attempt.number', `call ${record.id} has no attempt ${String(number)}`);
    }
    attemptNext = { ...attempt };
    const patch = update.attempt.set as Partial<Record<(typeof ATTEMPT_PATCH_FIELDS)[number], unknown>>;
    for (const field of ATTEMPT_PATCH_FIELDS) {
      const value = patch[field];
      if (value !== undefined) (attemptNext as Record<string, unknown>)[field] = cloneJson(value);
    }
  }
  let unclaimed: AttemptRecord | undefined;
  if (update.unclaim === true) {
    unclaimed = stored.attempts[stored.attempts.length - 1];
    if (record.attemptCount < 1 || unclaimed === undefined || unclaimed.number !== record.attemptCount) {
      throw invalidInput('unclaim', `call ${record.id} has no attempt to unclaim`);
    }
  }
  const next: Mutable<CallRecord> = { ...record, version: record.version + 1, updatedAt: update.now };
  if (unclaimed !== undefined) next.attemptCount = record.attemptCount - 1;
  const set = update.set as Partial<Record<(typeof PATCH_FIELDS)[number], unknown>>;
  for (const field of PATCH_FIELDS) {
    const value = set[field];
    if (value !== undefined) (next as Record<string, unknown>)[field] = cloneJson(value);
  }
  const leaseExpiresAt = update.set.leaseExpiresAt;
  if (leaseExpiresAt === null) next.lease = null;
  else if (leaseExpiresAt !== undefined && record.lease !== null) next.lease = { ...record.lease, expiresAt: leaseExpiresAt };
  const events = (update.events ?? []).map(copyNewEvent);

  state.replaceRecord(stored, next);
  if (attempt !== undefined && attemptNext !== undefined) {
    stored.attempts[attempt.number - 1] = attemptNext;
    if (attemptNext.providerCallId !== null) state.byProviderCallId.set(attemptNext.providerCallId, record.id);
  }
  if (unclaimed !== undefined) {
    stored.attempts.pop();
    state.forgetAttemptStart(record.to, unclaimed.startedAt);
  }
  const appended = events.map((event) => state.appendEvent(stored, event));
  return { call: copyCall(next), events: appended.map(copyEvent) };
}

function invalidInput(path: string, message: string): ReturnType<typeof invalidInputOf> {
  return invalidInputOf([{ path, message, rule: 'custom' }], 'call write');
}

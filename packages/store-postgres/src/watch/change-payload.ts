import type { CallStoreChange } from '@call-scheduler/core';

/*
 * The payload of the store's NOTIFY: a small JSON object, `{"d":<due ms>}` when a call became due
 * earlier than anything stored before, `{"e":1}` when events were committed, or both.
 */

/** The NOTIFY payload of a change. */
export function encodeChange(change: CallStoreChange): string {
  const out: { d?: number; e?: 1 } = {};
  if (change.dueAt !== undefined) out.d = change.dueAt;
  if (change.events === true) out.e = 1;
  return JSON.stringify(out);
}

/** The change a NOTIFY payload announces; an unreadable payload is treated as "re-read everything". */
export function decodeChange(payload: string | undefined): CallStoreChange {
  try {
    const parsed = JSON.parse(payload ?? '') as { d?: unknown; e?: unknown };
    const change: { dueAt?: number; events?: boolean } = {};
    if (typeof parsed.d === 'number' && Number.isFinite(parsed.d)) change.dueAt = parsed.d;
    if (parsed.e === 1) change.events = true;
    return change;
  } catch {
    return { events: true };
  }
}

/** Merges two changes: the earlier due time, and events if either had them. */
export function mergeChanges(a: CallStoreChange, b: CallStoreChange): CallStoreChange {
  const dueAt = a.dueAt === undefined ? b.dueAt : b.dueAt === undefined ? a.dueAt : Math.min(a.dueAt, b.dueAt);
  const events = a.events === true || b.events === true;
  return { ...(dueAt !== undefined ? { dueAt } : {}), ...(events ? { events: true } : {}) };
}

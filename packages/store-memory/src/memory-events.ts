// Owns: MemoryStore's event log: reading it after a cursor, and its head.
import type { CallEventRecord, EventCursor, EventListQuery, EventPage } from '@call-scheduler/core';
import { decodeSequenceCursor, encodeSequenceCursor } from '@call-scheduler/core/internal';
import { copyEvent } from './memory-copies.js';
import type { MemoryState } from './memory-state.js';

/**
 * Events committed after the cursor, in log order, optionally of one call; see
 * {@link CallStore.listEvents}. The cursor is the decimal event id: writes are serialized, so
 * id order is commit order.
 */
export async function listEvents(state: MemoryState, query: EventListQuery): Promise<EventPage> {
  const { limit } = query;
  const afterId = decodeSequenceCursor(query.after) ?? 0;
  let items: CallEventRecord[];
  if (query.callId !== undefined) {
    const events = state.calls.get(query.callId)?.events ?? [];
    const start = firstAfter(events, afterId);
    items = events.slice(start, start + limit).map(copyEvent);
  } else {
    const events = state.events;
    items = [];
    for (let i = firstAfter(events, afterId); i < events.length && items.length < limit; i++) {
      const event = events[i] as CallEventRecord;
      if (!state.purgedEvents.has(event)) items.push(copyEvent(event));
    }
  }
  return { items, nextCursor: items[items.length - 1]?.cursor ?? query.after };
}

/** The cursor of the last event ever appended, or `null`; see {@link CallStore.eventLogHead}. */
export async function eventLogHead(state: MemoryState): Promise<EventCursor | null> {
  return state.lastEventId === 0 ? null : encodeSequenceCursor(state.lastEventId);
}

/** The index of the first event with an id greater than `afterId` in `events` (in id order). */
function firstAfter(events: readonly CallEventRecord[], afterId: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((events[mid] as CallEventRecord).id <= afterId) low = mid + 1;
    else high = mid;
  }
  return low;
}

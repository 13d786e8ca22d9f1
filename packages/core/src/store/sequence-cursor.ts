import type { EventCursor } from './call-record.js';
import { invalidInput } from '../schema/schedule-input.js';

/*
 * The event cursor of a store whose writers are serialized (MemoryStore, SqliteStore): the
 * decimal event id. There, id order is commit order, so "after id N" never skips an event. A store
 * whose writers commit concurrently (PostgreSQL) needs a cursor of its own.
 */

/** The largest id a sequence cursor carries: 15 digits, well inside `Number.MAX_SAFE_INTEGER`. */
const SEQUENCE_CURSOR = /^(0|[1-9]\d{0,14})$/;

/**
 * The {@link EventCursor} of the event with id `id` in a store whose id order is its commit order:
 * the decimal id.
 */
export function encodeSequenceCursor(id: number): EventCursor {
  return String(id);
}

/**
 * The event id a cursor from {@link encodeSequenceCursor} stands for; `null` stays `null` (the
 * start of the log).
 * @throws CallSchedulerError `INVALID_INPUT` naming `after` for a string this kind of store did not make.
 */
export function decodeSequenceCursor(cursor: EventCursor | null): number | null {
  if (cursor === null) return null;
  if (typeof cursor !== 'string' || !SEQUENCE_CURSOR.test(cursor)) {
    throw invalidInput([{ path: 'after', message: 'is not an event cursor of this store', rule: 'invalid_cursor' }], 'events query');
  }
  return Number(cursor);
}

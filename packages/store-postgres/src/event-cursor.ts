import { invalidInput } from '@call-scheduler/core/internal';
import type { EventCursor } from '@call-scheduler/core';

/*
 * The event cursor of PostgresStore. Event ids come from a sequence, which hands them out in insert
 * order, not commit order: a transaction that took id 7 may commit after one that took id 8, so a
 * reader that resumed "after id 8" would skip 7 for ever. Instead, every event records the id of
 * the transaction that wrote it (`xid`, a `pg_current_xact_id()`), and the log is read in (xid, id)
 * order, only below the oldest transaction still running (of this database; `HORIZON` in
 * `sql/statements.ts`). Every transaction below that line has ended, so the set of events below it
 * never changes again, and a cursor (xid, id) taken from it never has an event appear before it later.
 *
 * The cursor is `<xid>.<id>` in decimal: opaque to clients, checked when it comes back.
 */

const CURSOR = /^(0|[1-9]\d{0,19})\.(0|[1-9]\d{0,18})$/;

/** A decoded cursor: the position just after the event (`xid`, `id`). */
export interface EventPosition {
  /** The writing transaction's id, as decimal text (an `xid8` may pass 2^53). */
  readonly xid: string;
  /** The event id, as decimal text. */
  readonly id: string;
}

/** The cursor just after the event `id` written by transaction `xid`. */
export function encodeEventCursor(xid: string, id: number | string): EventCursor {
  return `${xid}.${String(id)}`;
}

/**
 * The position a cursor from {@link encodeEventCursor} stands for; `null` stays `null`.
 * @throws CallSchedulerError `INVALID_INPUT` naming `after` for a string this store did not make.
 */
export function decodeEventCursor(cursor: EventCursor | null): EventPosition | null {
  if (cursor === null) return null;
  const match = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  if (match === null) {
    throw invalidInput([{ path: 'after', message: 'is not an event cursor of this PostgreSQL store', rule: 'invalid_cursor' }], 'events query');
  }
  return { xid: match[1] as string, id: match[2] as string };
}

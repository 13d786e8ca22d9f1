import { invalidInput } from '../schema/schedule-input.js';
import type { CallSchedulerError } from '../errors/call-scheduler-error.js';

/*
 * The one `listCalls` cursor format of every store: the id of the page's last call, as base64url
 * JSON (`{"id":"..."}`). Opaque to clients; the next page continues after that id (keyset
 * pagination), so rows inserted meanwhile never shift a page. A store may continue after any id,
 * also one of a call purged since.
 */

/** The `nextCursor` of a page whose last call has id `lastId`. */
export function encodeListCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ id: lastId }), 'utf8').toString('base64url');
}

/**
 * The call id a cursor from {@link encodeListCursor} continues after.
 * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for anything else.
 */
export function decodeListCursor(cursor: string): string {
  const invalid = (reason: string): CallSchedulerError =>
    invalidInput([{ path: 'cursor', message: `is not a cursor returned by a previous page (${reason})`, rule: 'invalid_cursor' }], 'list query');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('expected a base64url string of at most 512 characters');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('it does not decode');
  }
  const id = (parsed as { id?: unknown } | null)?.id;
  if (typeof parsed !== 'object' || parsed === null || typeof id !== 'string' || id.length === 0) {
    throw invalid('it does not name a call');
  }
  return id;
}

/**
 * A keyset page from the rows of a query that asked for one row more than `limit`: the first
 * `limit` rows as items (through `toItem`), and a cursor after the last of them (its key by
 * `keyOf`) only when that extra row shows a next page.
 */
export function keysetPage<R, T>(rows: readonly R[], limit: number, toItem: (row: R) => T, keyOf: (item: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeListCursor(keyOf(last)) : null };
}

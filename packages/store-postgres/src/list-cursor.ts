import { invalidInput } from '@call-scheduler/core/internal';
import type { CallSchedulerError } from '@call-scheduler/core';

/**
 * The `nextCursor` of a page: the id of the page's last call, as base64url JSON. Opaque to
 * clients; the next page continues after that id (keyset pagination), so rows inserted meanwhile
 * never shift a page.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ id: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor from {@link encodeCursor} continues after; `INVALID_INPUT` naming `cursor` otherwise. */
export function decodeCursor(cursor: string): string {
  const invalid = (reason: string): CallSchedulerError =>
    invalidInput([{ path: 'cursor', message: `is not a cursor returned by a previous page (${reason})`, rule: 'invalid_cursor' }], 'list query');
  if (cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
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

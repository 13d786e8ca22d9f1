/** PostgreSQL's SQLSTATE of an error from `pg`, if it has one. */
export function sqlState(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The message of an unknown thrown value, with PostgreSQL's SQLSTATE when it has one. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = sqlState(cause);
    return code !== undefined ? `${cause.message} (SQLSTATE ${code})` : cause.message;
  }
  return String(cause);
}

/**
 * A deadlock, a serialization failure, or a prepared statement refused because its result type
 * changed (see `database/prepared-statements.ts`; the store sends nothing by name afterwards):
 * the write can simply run again.
 */
export function isRetryableConflict(cause: unknown): boolean {
  const code = sqlState(cause);
  return code === '40P01' || code === '40001' || isResultTypeChange(cause);
}

/**
 * PostgreSQL's refusal to run a prepared statement whose result type changed under it ("cached
 * plan must not change result type"), raised before the statement ran anything. Told by its
 * SQLSTATE and the server routine that raises it, which are never translated (the message
 * follows the server's `lc_messages`); the English message as a last resort.
 */
export function isResultTypeChange(cause: unknown): boolean {
  const e = cause as { code?: unknown; routine?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null || e.code !== '0A000') return false;
  return e.routine === 'RevalidateCachedQuery' || (typeof e.message === 'string' && e.message.includes('cached plan must not change result type'));
}

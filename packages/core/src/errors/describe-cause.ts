/**
 * The message of an unknown thrown value for an error message of ours, with the driver's error
 * `code` (SQLite's `SQLITE_BUSY`, PostgreSQL's `40001`...) when it has one the message lacks.
 */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}

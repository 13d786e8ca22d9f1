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

/** A deadlock or a serialization failure: the transaction can simply run again. */
export function isRetryableConflict(cause: unknown): boolean {
  const code = sqlState(cause);
  return code === '40P01' || code === '40001';
}

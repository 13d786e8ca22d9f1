import { CallSchedulerError, ErrorCode, isCallSchedulerError } from '@call-scheduler/core';

/** The error of every method after `close()`. */
export function storeClosedError(): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.STORE_CLOSED, 'The SQLite store is closed');
}

/** The message of an unknown thrown value, with SQLite's error code when it has one. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}

/** A failure of operation `operation`: library errors pass through, others become `STORE_ERROR`. */
export function toStoreError(operation: string, cause: unknown): CallSchedulerError {
  if (isCallSchedulerError(cause)) return cause;
  return new CallSchedulerError(ErrorCode.STORE_ERROR, `SQLite store: ${operation} failed: ${describeCause(cause)}`, { cause });
}

// Owns: what SqliteStore's main thread and its store thread say to each other, and how an error crosses between them.
import { CallSchedulerError, isCallSchedulerError, type ErrorCode, type InputIssue } from '@call-scheduler/core';

/** Main thread → store thread: run operation `op` of the driver with `args`; `id` pairs the answer. */
export interface OperationRequest {
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
}

/** Store thread → main thread: the answer to request `id`. */
export type OperationAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SentError };

/** An error as it crosses threads (structured clone keeps neither the class nor `cause` reliably). */
export interface SentError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** `CallSchedulerError`'s code, or a driver's (`SQLITE_BUSY`). */
  readonly code?: string;
  readonly issues?: readonly InputIssue[];
  readonly callId?: string;
  readonly currentStatus?: string;
  readonly cause?: SentError;
}

/** `error` as it can cross to the other thread (depth-limited through `cause`). */
export function sendError(error: unknown, depth = 0): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const e = error as Error & { code?: unknown; issues?: readonly InputIssue[]; callId?: string; currentStatus?: string };
  return {
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(isCallSchedulerError(error) && error.issues.length > 0 ? { issues: error.issues } : {}),
    ...(typeof e.callId === 'string' ? { callId: e.callId } : {}),
    ...(typeof e.currentStatus === 'string' ? { currentStatus: e.currentStatus } : {}),
    ...(e.cause !== undefined && depth < 4 ? { cause: sendError(e.cause, depth + 1) } : {}),
  };
}

/** The error `sent` stood for: a `CallSchedulerError` again when it was one, else an `Error` with its `code`. */
export function receiveError(sent: SentError): Error {
  const cause = sent.cause === undefined ? undefined : receiveError(sent.cause);
  let error: Error;
  if ((sent.name === 'CallSchedulerError' || sent.name === 'ProviderError') && sent.code !== undefined) {
    error = new CallSchedulerError(sent.code as ErrorCode, sent.message, {
      ...(cause === undefined ? {} : { cause }),
      ...(sent.issues === undefined ? {} : { issues: sent.issues }),
      ...(sent.callId === undefined ? {} : { callId: sent.callId }),
      ...(sent.currentStatus === undefined ? {} : { currentStatus: sent.currentStatus }),
    });
  } else {
    error = new Error(sent.message, cause === undefined ? undefined : { cause });
    error.name = sent.name;
    if (sent.code !== undefined) Object.assign(error, { code: sent.code });
  }
  if (sent.stack !== undefined) error.stack = sent.stack;
  return error;
}

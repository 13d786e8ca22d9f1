import type { ErrorCode } from './error-codes.js';

/** One problem with one field of an input, as reported in {@link CallSchedulerError.issues}. */
export interface InputIssue {
  /** Dotted path of the field, e.g. `to` or `retry.busy.delays.0`; empty for the input as a whole. */
  readonly path: string;
  /** What is wrong, for a person. */
  readonly message: string;
  /** The rule that failed (zod's issue code, such as `invalid_type` or `custom`). */
  readonly rule: string;
}

/** Options of {@link CallSchedulerError}. */
export interface CallSchedulerErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Per-field problems, for `INVALID_INPUT`. */
  issues?: readonly InputIssue[];
  /** The call the error is about. */
  callId?: string;
  /** For `INVALID_STATE`: the call's status when the operation was refused. */
  currentStatus?: string;
}

/**
 * The one error class the library throws. Check `code` (a value of {@link ErrorCode}), never the
 * message. Use {@link isCallSchedulerError} rather than `instanceof` across package copies.
 */
export class CallSchedulerError extends Error {
  /** A stable code from {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Per-field problems (for `INVALID_INPUT`); empty otherwise. */
  readonly issues: readonly InputIssue[];
  /** The call the error is about, when there is one. */
  readonly callId: string | undefined;
  /** For `INVALID_STATE`: the call's status when the operation was refused. */
  readonly currentStatus: string | undefined;

  constructor(code: ErrorCode, message: string, options: CallSchedulerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallSchedulerError';
    this.code = code;
    this.issues = Object.freeze([...(options.issues ?? [])]);
    this.callId = options.callId;
    this.currentStatus = options.currentStatus;
  }

  /** A plain object for logs and JSON answers (no stack). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
      ...(this.callId !== undefined ? { callId: this.callId } : {}),
      ...(this.currentStatus !== undefined ? { currentStatus: this.currentStatus } : {}),
    };
  }
}

const ERROR_NAMES = new Set(['CallSchedulerError', 'ProviderError']);

/**
 * True for a {@link CallSchedulerError} (including {@link ProviderError}), also when it comes from
 * another installed copy of the package: the check looks at `name` and `code`, not the prototype.
 */
export function isCallSchedulerError(value: unknown): value is CallSchedulerError {
  if (value instanceof CallSchedulerError) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    ERROR_NAMES.has((value as { name?: unknown }).name as string) &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

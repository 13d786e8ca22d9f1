/**
 * Every stable error code the library uses. Codes never change meaning; new ones may be added.
 *
 * - Input and state: `INVALID_INPUT`, `CALL_NOT_FOUND`, `INVALID_STATE`, `IDEMPOTENCY_CONFLICT`.
 * - Lifecycle: `SCHEDULER_STOPPED`, `STORE_CLOSED`, `STORE_INIT_FAILED`, `STORE_SCHEMA_TOO_NEW`, `STORE_ERROR`.
 * - Outcomes recorded on a failed call: `DISPATCH_OUTCOME_UNKNOWN`, `PROVIDER_CALL_LOST`,
 *   `PROVIDER_REJECTED`, `PROVIDER_UNAVAILABLE`, `MAX_RING_TIME_EXCEEDED`, `MAX_DURATION_EXCEEDED`,
 *   `CALL_FAILED`, `CALL_EXPIRED`.
 * - Reasons a claimed call was put back without dialing (in the `rescheduled` event's `data.code`):
 *   `OUTSIDE_CALLING_WINDOW`, `NUMBER_ATTEMPT_CAP`.
 * - Provider errors ({@link ProviderError}): `PROVIDER_REJECTED`, `PROVIDER_UNAVAILABLE`,
 *   `PROVIDER_RATE_LIMITED`, `PROVIDER_TIMEOUT`, `PROVIDER_CALL_NOT_FOUND`, `PROVIDER_BAD_RESPONSE`.
 */
export const ErrorCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  CALL_NOT_FOUND: 'CALL_NOT_FOUND',
  INVALID_STATE: 'INVALID_STATE',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  SCHEDULER_STOPPED: 'SCHEDULER_STOPPED',
  STORE_CLOSED: 'STORE_CLOSED',
  STORE_INIT_FAILED: 'STORE_INIT_FAILED',
  STORE_SCHEMA_TOO_NEW: 'STORE_SCHEMA_TOO_NEW',
  STORE_ERROR: 'STORE_ERROR',
  DISPATCH_OUTCOME_UNKNOWN: 'DISPATCH_OUTCOME_UNKNOWN',
  PROVIDER_CALL_LOST: 'PROVIDER_CALL_LOST',
  PROVIDER_REJECTED: 'PROVIDER_REJECTED',
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  PROVIDER_RATE_LIMITED: 'PROVIDER_RATE_LIMITED',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  PROVIDER_CALL_NOT_FOUND: 'PROVIDER_CALL_NOT_FOUND',
  PROVIDER_BAD_RESPONSE: 'PROVIDER_BAD_RESPONSE',
  MAX_RING_TIME_EXCEEDED: 'MAX_RING_TIME_EXCEEDED',
  MAX_DURATION_EXCEEDED: 'MAX_DURATION_EXCEEDED',
  CALL_FAILED: 'CALL_FAILED',
  /** The call could not be dialed before its `expiresAt` (its window did not open in time): it ended `expired`, never dialed late. */
  CALL_EXPIRED: 'CALL_EXPIRED',
  /** A claimed call was outside its calling window (e.g. after the scheduler was down) and went back to wait for the next opening. */
  OUTSIDE_CALLING_WINDOW: 'OUTSIDE_CALLING_WINDOW',
  /** A claimed call's number had had `perNumberCap.maxAttempts` attempts in the period; the call went back to wait. */
  NUMBER_ATTEMPT_CAP: 'NUMBER_ATTEMPT_CAP',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

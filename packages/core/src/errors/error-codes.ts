/**
 * Every stable error code the library uses. Codes never change meaning; new ones may be added.
 *
 * - Input and state: `INVALID_INPUT`, `CALL_NOT_FOUND`, `SERIES_NOT_FOUND`, `INVALID_STATE`, `IDEMPOTENCY_CONFLICT`.
 * - Lifecycle: `SCHEDULER_STOPPED`, `LEASE_LOST`, `STORE_CLOSED`, `STORE_INIT_FAILED`, `STORE_SCHEMA_TOO_NEW`, `STORE_ERROR`,
 *   `NOT_SUPPORTED`.
 * - Outcomes recorded on a failed call: `DISPATCH_OUTCOME_UNKNOWN`, `PROVIDER_CALL_LOST`,
 *   `PROVIDER_REJECTED`, `PROVIDER_UNAVAILABLE`, `MAX_RING_TIME_EXCEEDED`, `MAX_DURATION_EXCEEDED`,
 *   `CALL_FAILED`, `CALL_EXPIRED`.
 * - Reasons a claimed call was put back without dialing (in the `rescheduled` event's `data.code`):
 *   `OUTSIDE_CALLING_WINDOW`, `NUMBER_ATTEMPT_CAP`.
 * - Provider errors ({@link ProviderError}): `PROVIDER_REJECTED`, `PROVIDER_UNAVAILABLE`,
 *   `PROVIDER_RATE_LIMITED`, `PROVIDER_TIMEOUT`, `PROVIDER_CALL_NOT_FOUND`, `PROVIDER_BAD_RESPONSE`.
 */
export const ErrorCode = {
  /** Bad input: `issues` names each field at fault, and nothing was stored. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** No call has this id. */
  CALL_NOT_FOUND: 'CALL_NOT_FOUND',
  /** No series (recurring call) has this id. */
  SERIES_NOT_FOUND: 'SERIES_NOT_FOUND',
  /** The call is no longer in a status that allows this (e.g. `cancel` of a call being dialed); see `currentStatus`. */
  INVALID_STATE: 'INVALID_STATE',
  /** An idempotency key was reused for a different request. */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** The scheduler was stopped; create a new one. */
  SCHEDULER_STOPPED: 'SCHEDULER_STOPPED',
  /**
   * Reported as `scheduler:error` (with `callId`) when this scheduler lost its lease on a call it was
   * working on (another scheduler took it over after the lease expired, or the call ended elsewhere):
   * it stopped working on that call, and its writes for it are refused by the fencing token.
   */
  LEASE_LOST: 'LEASE_LOST',
  /** The store was closed; every later operation fails with this code. */
  STORE_CLOSED: 'STORE_CLOSED',
  /** The store could not be opened or migrated; the message names the cause. */
  STORE_INIT_FAILED: 'STORE_INIT_FAILED',
  /** The database was written by a newer version of the store; downgrades are not supported. */
  STORE_SCHEMA_TOO_NEW: 'STORE_SCHEMA_TOO_NEW',
  /** The store failed an operation. */
  STORE_ERROR: 'STORE_ERROR',
  /** The store does not implement an optional operation (e.g. `CallScheduler.purge` on a store without `purgeCalls`). */
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  /** A dial may or may not have placed a call (timeout, lost answer, crash before the answer was stored); it is not dialed again. */
  DISPATCH_OUTCOME_UNKNOWN: 'DISPATCH_OUTCOME_UNKNOWN',
  /** The provider no longer knows a call it once reported (404, confirmed once). */
  PROVIDER_CALL_LOST: 'PROVIDER_CALL_LOST',
  /** The provider refused the request for good (e.g. an invalid number); the message is the provider's. */
  PROVIDER_REJECTED: 'PROVIDER_REJECTED',
  /** The provider could not be reached or failed (5xx); retried with backoff, then recorded when retries run out. */
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  /** The provider asked to slow down (HTTP 429), with `retryAfterMs` when it said how long. */
  PROVIDER_RATE_LIMITED: 'PROVIDER_RATE_LIMITED',
  /** The provider did not answer in time, or the connection broke after sending: the request may have taken effect. */
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  /** The provider does not know this call id (HTTP 404 on a status read). */
  PROVIDER_CALL_NOT_FOUND: 'PROVIDER_CALL_NOT_FOUND',
  /** The provider answered with something that is not a valid call. */
  PROVIDER_BAD_RESPONSE: 'PROVIDER_BAD_RESPONSE',
  /** The call was still `initiated` or `ringing` after `maxRingMs`; it ended `no-answer`. */
  MAX_RING_TIME_EXCEEDED: 'MAX_RING_TIME_EXCEEDED',
  /** The call was `connected` for longer than `maxDurationMs`; it ended `failed` and is no longer followed. */
  MAX_DURATION_EXCEEDED: 'MAX_DURATION_EXCEEDED',
  /** The provider reported that the call ended `failed`, `busy` or `no-answer`. */
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

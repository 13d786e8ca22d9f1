import type { CallStatus } from './call-status.js';
import type { JsonObject } from './json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';

/** Why a call or an attempt failed: a stable `code` from {@link ErrorCode} and a message. */
export interface CallError {
  /** A stable code, e.g. `PROVIDER_REJECTED` or `DISPATCH_OUTCOME_UNKNOWN`. */
  readonly code: string;
  /** For a person; for `PROVIDER_REJECTED` it is the provider's own message. */
  readonly message: string;
}

/** A call: the intent to phone one number, as the scheduler returns it. Times are `Date`s (UTC). */
export interface Call {
  /** Stable id (a time-ordered UUID v7). */
  readonly id: string;
  /** The number to dial, in E.164 (`+14155550123`). */
  readonly to: string;
  /** Current status. */
  readonly status: CallStatus;
  /** When the call was asked to happen. */
  readonly at: Date;
  /** When the next attempt is due, while `scheduled`; `null` otherwise. */
  readonly nextAttemptAt: Date | null;
  /** The recipient's IANA time zone, or `null`. */
  readonly timeZone: string | null;
  /** Allowed local calling hours, or `null` for any time. */
  readonly window: CallingWindow | null;
  /** After this instant the call is not dialed any more and ends `expired`; `null` for never. */
  readonly expiresAt: Date | null;
  /** The retry policy of this call, or `null` for the scheduler's default. */
  readonly retry: RetryPolicy | null;
  /** The key that de-duplicates scheduling, or `null`. */
  readonly idempotencyKey: string | null;
  /** The caller's own data, stored and returned as given. */
  readonly metadata: JsonObject | null;
  /** How many attempts (dials) were started. */
  readonly attemptCount: number;
  /** The provider's id for the current or last attempt, or `null`. */
  readonly providerCallId: string | null;
  /** Why the call failed, expired or was last retried; `null` when nothing went wrong. */
  readonly error: CallError | null;
  /** When the call was scheduled. */
  readonly createdAt: Date;
  /** When anything about the call last changed. */
  readonly updatedAt: Date;
  /** When the call reached a terminal status, or `null`. */
  readonly endedAt: Date | null;
}

/** One dial of a call. */
export interface CallAttempt {
  /** 1 for the first attempt, then 2, 3, ... */
  readonly number: number;
  /** The attempt's last status (`dispatching`, a live status, or a terminal one). */
  readonly status: CallStatus;
  /** The provider's id for this dial, or `null` when the provider never answered. */
  readonly providerCallId: string | null;
  /** The provider's last status word, as it said it (e.g. `in-progress`). */
  readonly providerStatus: string | null;
  /** When the scheduler claimed the call for this attempt. */
  readonly startedAt: Date;
  /** When this attempt ended, or `null`. */
  readonly endedAt: Date | null;
  /** Talk time reported by the provider, in seconds, or `null`. */
  readonly durationSeconds: number | null;
  /** Why the attempt failed, or `null`. */
  readonly error: CallError | null;
  /** The id of the scheduler that dialed it (its claim's owner), or `null` for attempts stored before it was recorded. */
  readonly schedulerId: string | null;
}

/**
 * The kind of a history event.
 *
 * `scheduled`, `rescheduled`, `dispatching`, `status` (a provider status was seen), `retrying`,
 * `recovered` (a scheduler took over an expired lease), `completed`, `failed`, `canceled`, `expired`.
 */
export type CallEventType =
  | 'scheduled'
  | 'rescheduled'
  | 'dispatching'
  | 'status'
  | 'retrying'
  | 'recovered'
  | 'completed'
  | 'failed'
  | 'canceled'
  | 'expired';

/** One entry of a call's history. Events are never deleted while the call exists. */
export interface CallEvent {
  /**
   * Store-assigned, unique across all calls. Increasing in insert order, but not necessarily in
   * commit order (on PostgreSQL a smaller id may commit later): resume a reader with
   * {@link CallEvent.cursor}, never with the id.
   */
  readonly id: number;
  /**
   * The event log's position just after this event (opaque; the SSE event id): pass it as
   * `after` to `CallScheduler.listEvents` to read the events committed after it.
   */
  readonly cursor: string;
  /** The call this event belongs to. */
  readonly callId: string;
  /** What happened. */
  readonly type: CallEventType;
  /** When it happened (scheduler clock). */
  readonly at: Date;
  /** The attempt it belongs to, or `null`. */
  readonly attempt: number | null;
  /** The call's status after the event. */
  readonly status: CallStatus;
  /**
   * For `status` events, the provider's status word as received, also when it was unknown or
   * out of order (and so did not move the call).
   */
  readonly providerStatus: string | null;
  /** Details, e.g. `{ nextAttemptAt }` for `retrying`, `{ code, message }` for `failed`. */
  readonly data: JsonObject | null;
}

/** A call with its whole history, as returned by `CallScheduler.get`. */
export interface CallWithHistory extends Call {
  /** Every attempt, oldest first. */
  readonly attempts: readonly CallAttempt[];
  /** Every event, oldest first. */
  readonly events: readonly CallEvent[];
}

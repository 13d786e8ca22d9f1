import type { Call, CallError, CallEvent } from '../call/call.js';
import type { CallStatus } from '../call/call-status.js';
import type { RetryOutcome } from '../policy/retry-policy.js';
import type { CallSeriesEventName, CallSeriesEvents } from '../series/call-series.js';

/** Common to every call event: the call after the change and the stored history event. */
export interface CallEventPayload {
  /** The call after the change. */
  readonly call: Call;
  /** The history event this emission stands for (its `id` is usable as an SSE id). */
  readonly event: CallEvent;
}

/** Payload of `call:dispatching`. */
export interface CallDispatchingPayload extends CallEventPayload {
  /** The attempt being dialed. */
  readonly attempt: number;
}

/** Payload of `call:status`. */
export interface CallStatusPayload extends CallEventPayload {
  /** The attempt. */
  readonly attempt: number;
  /** The call's status before this report. */
  readonly previousStatus: CallStatus;
  /** The call's status now (unchanged when the report was unknown or out of order). */
  readonly status: CallStatus;
  /** The provider's status word as received. */
  readonly providerStatus: string;
}

/** Payload of `call:failed`. */
export interface CallFailedPayload extends CallEventPayload {
  /** Why. */
  readonly error: CallError;
}

/** Payload of `call:retrying`. */
export interface CallRetryingPayload extends CallEventPayload {
  /** The attempt that just ended. */
  readonly attempt: number;
  /** How it ended. */
  readonly outcome: RetryOutcome;
  /** When the next attempt is due: the policy's delay after the attempt ended, snapped into the call's window. */
  readonly nextAttemptAt: Date;
}

/** Payload of `scheduler:error`: something went wrong that the scheduler survived. */
export interface SchedulerErrorPayload {
  /** The error. */
  readonly error: unknown;
  /** What the scheduler was doing, e.g. `tick`, `poll`, `listener`. */
  readonly operation: string;
  /** The call concerned, if any. */
  readonly callId?: string;
}

/**
 * The typed events of {@link CallScheduler}. Names are `noun:verb`, each with one payload object.
 * A listener that throws never breaks the scheduler: its error is reported as `scheduler:error`.
 */
export interface CallSchedulerEvents {
  /** A call was stored. */
  'call:scheduled': (payload: CallEventPayload) => void;
  /**
   * A scheduled call's time, window, expiry or metadata changed; or a claimed call was put back to
   * wait without dialing (outside its calling window, its number over `perNumberCap`): then
   * `event.data` has `nextAttemptAt` and a `code` (`OUTSIDE_CALLING_WINDOW`, `NUMBER_ATTEMPT_CAP`).
   */
  'call:rescheduled': (payload: CallEventPayload) => void;
  /** A call was claimed and is being dialed. */
  'call:dispatching': (payload: CallDispatchingPayload) => void;
  /** The provider reported a status (also unknown or out-of-order ones, which move nothing). */
  'call:status': (payload: CallStatusPayload) => void;
  /** The call ended `completed`. */
  'call:completed': (payload: CallEventPayload) => void;
  /** The call ended `failed`, `busy` or `no-answer` with no retry left. */
  'call:failed': (payload: CallFailedPayload) => void;
  /** An attempt ended and another one is scheduled. */
  'call:retrying': (payload: CallRetryingPayload) => void;
  /** The call was canceled. */
  'call:canceled': (payload: CallEventPayload) => void;
  /**
   * The call could not be placed before `expiresAt` (code `CALL_EXPIRED`): at scheduling or
   * rescheduling (its window does not open in time), or when claimed late. It was never dialed.
   */
  'call:expired': (payload: CallEventPayload) => void;
  /** A scheduler took over a call whose lease had expired. */
  'call:recovered': (payload: CallEventPayload) => void;
  /** A series (recurring call) was stored by `scheduleSeries`. */
  'series:scheduled': (payload: CallSeriesEvents['series:scheduled']) => void;
  /** A series created an occurrence call (which also emits `call:scheduled`). */
  'series:occurrence': (payload: CallSeriesEvents['series:occurrence']) => void;
  /** Occurrences missed while no scheduler ran were left out by the series' `catchUp` policy. */
  'series:skipped': (payload: CallSeriesEvents['series:skipped']) => void;
  /** A series was paused. */
  'series:paused': (payload: CallSeriesEvents['series:paused']) => void;
  /** A series was resumed. */
  'series:resumed': (payload: CallSeriesEvents['series:resumed']) => void;
  /** A series' rule or policies changed. */
  'series:changed': (payload: CallSeriesEvents['series:changed']) => void;
  /** A series ended (its count or end reached, or `endSeries`). */
  'series:ended': (payload: CallSeriesEvents['series:ended']) => void;
  /** A failure the scheduler survived (store error, listener error, lost lease). */
  'scheduler:error': (payload: SchedulerErrorPayload) => void;
}

/** The names of {@link CallSchedulerEvents}. */
export type CallSchedulerEventName = keyof CallSchedulerEvents;

/** The names of the `call:*` events: everything about a call, without `scheduler:error` and the `series:*` events. */
export type CallEventName = Exclude<CallSchedulerEventName, 'scheduler:error' | CallSeriesEventName>;

/**
 * Every {@link CallEventName}, in the order of a call's life (for subscribing to all of them, e.g.
 * to stream them). A compile-time check keeps it complete.
 */
export const CALL_EVENT_NAMES = Object.freeze([
  'call:scheduled',
  'call:rescheduled',
  'call:dispatching',
  'call:status',
  'call:completed',
  'call:failed',
  'call:retrying',
  'call:canceled',
  'call:expired',
  'call:recovered',
] as const satisfies readonly CallEventName[]);

// Fails to compile when an event is added to CallSchedulerEvents but not to CALL_EVENT_NAMES.
type MissingCallEventNames = Exclude<CallEventName, (typeof CALL_EVENT_NAMES)[number]>;
const everyCallEventNamed: [MissingCallEventNames] extends [never] ? true : MissingCallEventNames = true;
void everyCallEventNamed;

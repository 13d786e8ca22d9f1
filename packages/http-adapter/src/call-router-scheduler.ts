import type {
  Call,
  CallEvent,
  CallEventName,
  CallEventPayload,
  CallStatus,
  CallStoreChange,
  CallStoreWatch,
  CallWithHistory,
  Clock,
  ListCallsQuery,
  ProviderStatusUpdate,
  RescheduleInput,
  ScheduleCallInput,
  SchedulerHealth,
  TimeInput,
} from '@call-scheduler/core';

/** The filters of {@link CallRouterScheduler.listEvents}. */
export interface CallRouterEventQuery {
  /** Only events committed after this cursor (an event's `cursor`); absent or `null`: from the start. */
  readonly after?: string | null;
  /** At most this many events. */
  readonly limit?: number;
  /** Only the events of this call. */
  readonly callId?: string;
}

/** The scheduler events the router streams over Server-Sent Events (every `call:*` event). */
export type CallRouterEventName = CallEventName;

/**
 * Exactly the part of `CallScheduler` that the router uses. A `CallScheduler` is one; so is
 * anything else with these members (a facade that forwards to another process, a test double).
 */
export interface CallRouterScheduler {
  /** The clock used for SSE heartbeats, signature timestamps and telling new calls from idempotent repeats. */
  readonly clock: Clock;
  /** Schedules a call (`POST /calls`). Must emit `call:scheduled` before it resolves, for a new call only. */
  schedule(input: ScheduleCallInput): Promise<Call>;
  /** One call with its attempts and events (`GET /calls/{id}`), or `undefined`. */
  get(id: string): Promise<CallWithHistory | undefined>;
  /** A page of calls (`GET /calls`). */
  list(query?: ListCallsQuery): Promise<{
    /** The calls of this page. */
    readonly items: readonly Call[];
    /** The cursor of the next page, or `null` on the last one. */
    readonly nextCursor: string | null;
  }>;
  /** Cancels a scheduled call (`POST /calls/{id}/cancel`). */
  cancel(id: string): Promise<Call>;
  /** Changes a scheduled call (`PATCH /calls/{id}`). */
  reschedule(id: string, change: RescheduleInput): Promise<Call>;
  /**
   * Stored events in log order after a cursor, for resuming an SSE stream (`GET /events` with
   * `Last-Event-ID`) and for following the store's log. A cursor the store did not make is refused
   * with `INVALID_INPUT`.
   */
  listEvents(query: CallRouterEventQuery): Promise<readonly CallEvent[]>;
  /** Feeds a provider's status report (`POST /webhooks/call-status`); `undefined` for an unknown call. */
  handleProviderStatus(update: ProviderStatusUpdate): Promise<Call | undefined>;
  /**
   * Store and scheduler state (`GET /health`), passed through as it is. With the router's
   * `health.maxOverdueMs`, an `oldestOverdueMs` above it answers 503.
   */
  health(): Promise<
    SchedulerHealth & {
      /** How late the oldest overdue call is, in ms (`null` or absent when none is overdue). */
      readonly oldestOverdueMs?: number | null;
    }
  >;
  /** Subscribes to a call event (for `GET /events`; every payload has `call` and `event`). */
  on(event: CallRouterEventName, listener: (payload: CallEventPayload) => void): unknown;
  /** Unsubscribes (when an SSE client goes away). */
  off(event: CallRouterEventName, listener: (payload: CallEventPayload) => void): unknown;
  /**
   * Optional, for `POST /calls/purge`: deletes the calls that ended before `endedBefore`, returning
   * how many. Without it the route answers 501.
   */
  purge?(options: {
    /** Delete the calls that ended before this instant. */
    readonly endedBefore: TimeInput;
    /** Only calls in these ended statuses. */
    readonly statuses?: readonly CallStatus[];
  }): Promise<number>;
  /**
   * Optional, for `GET /events` across hosts: the scheduler's read-only view of its store (a
   * `CallScheduler`'s `store`). When it has both `watch` and `eventLogHead`, `GET /events` follows
   * the store's event log (every host's events) instead of this process's emitter.
   */
  readonly store?: {
    /** The cursor of the event log's current end (`null` when empty). */
    eventLogHead?(): Promise<string | null>;
    /** Calls `onChange` when any handle of the store commits events (`events: true`) or makes a call due earlier. */
    watch?(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch>;
  };
}

import { CALL_EVENT_NAMES } from '@call-scheduler/core';
import type {
  Call,
  CallEvent,
  CallEventName,
  CallEventPayload,
  CallWithHistory,
  Clock,
  ListCallsQuery,
  ProviderStatusUpdate,
  RescheduleInput,
  ScheduleCallInput,
  SchedulerHealth,
} from '@call-scheduler/core';

/** The filters of {@link CallRouterScheduler.listEvents}. */
export interface CallRouterEventQuery {
  /** Only events with an id greater than this. */
  readonly afterId?: number;
  /** At most this many events. */
  readonly limit?: number;
  /** Only the events of this call. */
  readonly callId?: string;
}

/** The scheduler events the router streams over Server-Sent Events (every `call:*` event). */
export type CallRouterEventName = CallEventName;

/** Every {@link CallRouterEventName} (core's {@link CALL_EVENT_NAMES}). */
export const CALL_ROUTER_EVENT_NAMES: readonly CallRouterEventName[] = CALL_EVENT_NAMES;

/**
 * Exactly the part of `CallScheduler` that the router uses. A `CallScheduler` is one; so is
 * anything else with these members (a facade that forwards to another process, a test double).
 */
export interface CallRouterScheduler {
  /** The clock used for SSE heartbeats and for telling new calls from idempotent repeats. */
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
  /** Stored events in id order, for resuming an SSE stream (`GET /events` with `Last-Event-ID`). */
  listEvents(query: CallRouterEventQuery): Promise<readonly CallEvent[]>;
  /** Feeds a provider's status report (`POST /webhooks/call-status`); `undefined` for an unknown call. */
  handleProviderStatus(update: ProviderStatusUpdate): Promise<Call | undefined>;
  /** Store and scheduler state (`GET /health`). */
  health(): Promise<SchedulerHealth>;
  /** Subscribes to a call event (for `GET /events`; every payload has `call` and `event`). */
  on(event: CallRouterEventName, listener: (payload: CallEventPayload) => void): unknown;
  /** Unsubscribes (when an SSE client goes away). */
  off(event: CallRouterEventName, listener: (payload: CallEventPayload) => void): unknown;
}

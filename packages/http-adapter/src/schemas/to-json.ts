import type { Call, CallAttempt, CallEvent, CallWithHistory, SchedulerHealth } from '@call-scheduler/core';
import type { CallEventJson, CallJson, CallWithHistoryJson, HealthJson } from './response-schemas.js';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null | undefined): string | null => (date instanceof Date ? date.toISOString() : null);

const errorToJson = (error: Call['error']): CallJson['error'] => (error === null ? null : { code: error.code, message: error.message });

/** A {@link Call} as JSON: the library's field names, times as ISO 8601 UTC strings. */
export function callToJson(call: Call): CallJson {
  return {
    id: call.id,
    to: call.to,
    status: call.status,
    at: iso(call.at),
    nextAttemptAt: isoOrNull(call.nextAttemptAt),
    timeZone: call.timeZone,
    window: call.window,
    expiresAt: isoOrNull(call.expiresAt),
    retry: call.retry,
    idempotencyKey: call.idempotencyKey,
    metadata: call.metadata,
    attemptCount: call.attemptCount,
    providerCallId: call.providerCallId,
    error: errorToJson(call.error),
    createdAt: iso(call.createdAt),
    updatedAt: iso(call.updatedAt),
    endedAt: isoOrNull(call.endedAt),
  };
}

function attemptToJson(attempt: CallAttempt): CallWithHistoryJson['attempts'][number] {
  return {
    number: attempt.number,
    status: attempt.status,
    providerCallId: attempt.providerCallId,
    providerStatus: attempt.providerStatus,
    startedAt: iso(attempt.startedAt),
    endedAt: isoOrNull(attempt.endedAt),
    durationSeconds: attempt.durationSeconds,
    schedulerId: attempt.schedulerId,
    error: errorToJson(attempt.error),
  };
}

/** A {@link CallEvent} as JSON. */
export function eventToJson(event: CallEvent): CallEventJson {
  return {
    id: event.id,
    cursor: event.cursor,
    callId: event.callId,
    type: event.type,
    at: iso(event.at),
    attempt: event.attempt,
    status: event.status,
    providerStatus: event.providerStatus,
    data: event.data,
  };
}

/**
 * A {@link CallWithHistory} as JSON: {@link callToJson} with `attempts` and `events` added to it
 * (a spread into a new object costs more to build and to serialize).
 */
export function callWithHistoryToJson(call: CallWithHistory): CallWithHistoryJson {
  const json = callToJson(call) as CallWithHistoryJson;
  json.attempts = call.attempts.map(attemptToJson);
  json.events = call.events.map(eventToJson);
  return json;
}

/** A health answer as JSON. */
export function healthToJson(health: SchedulerHealth): HealthJson {
  // Everything the scheduler reports passes through (dates as ISO strings), so that what
  // `health()` gains reaches `GET /health` without a change here.
  return toJsonValue(health) as HealthJson;
}

/** JSON-ready copy of a value: `Date`s become ISO strings (for the extras of an event payload). */
export function toJsonValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

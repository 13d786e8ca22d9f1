import type { Call, CallAttempt, CallEvent, CallWithHistory } from '../call/call.js';
import type { AttemptRecord, CallEventRecord, CallRecord } from '../store/call-record.js';
import type { CallDetailsRecord } from '../store/call-store.js';

const date = (ms: number): Date => new Date(ms);
const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** A stored call as the public {@link Call}. */
export function toCall(record: CallRecord): Call {
  return {
    id: record.id,
    to: record.to,
    status: record.status,
    at: date(record.at),
    nextAttemptAt: record.status === 'scheduled' ? dateOrNull(record.dueAt) : null,
    timeZone: record.timeZone,
    window: record.window,
    expiresAt: dateOrNull(record.expiresAt),
    retry: record.retry,
    idempotencyKey: record.idempotencyKey,
    metadata: record.metadata,
    attemptCount: record.attemptCount,
    providerCallId: record.providerCallId,
    error: record.error,
    createdAt: date(record.createdAt),
    updatedAt: date(record.updatedAt),
    endedAt: dateOrNull(record.endedAt),
  };
}

/** A stored attempt as the public {@link CallAttempt}. */
export function toAttempt(record: AttemptRecord): CallAttempt {
  return {
    number: record.number,
    status: record.status,
    providerCallId: record.providerCallId,
    providerStatus: record.providerStatus,
    startedAt: date(record.startedAt),
    endedAt: dateOrNull(record.endedAt),
    durationSeconds: record.durationSeconds,
    error: record.error,
    schedulerId: record.schedulerId,
  };
}

/** A stored event as the public {@link CallEvent}. */
export function toEvent(record: CallEventRecord): CallEvent {
  return {
    id: record.id,
    cursor: record.cursor,
    callId: record.callId,
    type: record.type,
    at: date(record.at),
    attempt: record.attempt,
    status: record.status,
    providerStatus: record.providerStatus,
    data: record.data,
  };
}

/** A call with its history. */
export function toCallWithHistory(details: CallDetailsRecord): CallWithHistory {
  return {
    ...toCall(details.call),
    attempts: details.attempts.map(toAttempt),
    events: details.events.map(toEvent),
  };
}

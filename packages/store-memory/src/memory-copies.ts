// Owns: the copies MemoryStore takes of what it is given and hands out, so that no caller can change its state.
import type { AttemptRecord, CallEventRecord, CallRecord, NewCallEvent } from '@call-scheduler/core';

/** A deep copy of a JSON-like value (`null` stays `null`). */
export function cloneJson<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

export function copyCall(record: CallRecord): CallRecord {
  return {
    ...record,
    window: cloneJson(record.window),
    retry: cloneJson(record.retry),
    metadata: cloneJson(record.metadata),
    error: cloneJson(record.error),
    lease: record.lease === null ? null : { ...record.lease },
  };
}

export function copyAttempt(attempt: AttemptRecord): AttemptRecord {
  return { ...attempt, error: cloneJson(attempt.error) };
}

export function copyEvent(event: CallEventRecord): CallEventRecord {
  return { ...event, data: cloneJson(event.data) };
}

/** Copies the known fields of an event to append (and nothing else). */
export function copyNewEvent(event: NewCallEvent): NewCallEvent {
  return {
    type: event.type,
    at: event.at,
    attempt: event.attempt,
    status: event.status,
    providerStatus: event.providerStatus,
    data: cloneJson(event.data),
  };
}

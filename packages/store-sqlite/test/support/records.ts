import type { CallInsert, NewCallRecord } from '@call-scheduler/core';

let sequence = 0;

/** A time-ordered test id (sorts in creation order, like the scheduler's UUID v7). */
export function testId(): string {
  sequence += 1;
  return `00000000-0000-7000-8000-${sequence.toString().padStart(12, '0')}`;
}

/** A `scheduled` call due at `dueAt`, with a `scheduled` event. */
export function scheduledCall(dueAt: number, overrides: Partial<NewCallRecord> = {}): CallInsert {
  const call: NewCallRecord = {
    id: testId(),
    to: '+14155550100',
    status: 'scheduled',
    at: dueAt,
    dueAt,
    timeZone: null,
    window: null,
    expiresAt: null,
    retry: null,
    idempotencyKey: null,
    metadata: null,
    error: null,
    createdAt: 1_000,
    endedAt: null,
    ...overrides,
  };
  return {
    call,
    events: [{ type: 'scheduled', at: call.createdAt, attempt: null, status: call.status, providerStatus: null, data: null }],
  };
}

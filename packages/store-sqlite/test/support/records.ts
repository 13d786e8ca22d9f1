import type { CallInsert, NewCallRecord } from '@call-scheduler/core';
import { callFixture, callInsertFixture } from '@call-scheduler/core/testing';

let sequence = 0;

/** A time-ordered test id (sorts in creation order, like the scheduler's UUID v7). */
export function testId(): string {
  sequence += 1;
  return `00000000-0000-7000-8000-${sequence.toString().padStart(12, '0')}`;
}

/** A `scheduled` call due at `dueAt`, with a `scheduled` event. */
export function scheduledCall(dueAt: number, overrides: Partial<NewCallRecord> = {}): CallInsert {
  return callInsertFixture(callFixture({ id: testId(), at: dueAt, dueAt, createdAt: 1_000, ...overrides }));
}

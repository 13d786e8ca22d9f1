import type { CallInsert, NewCallRecord } from '@call-scheduler/core';
import { callFixture, callInsertFixture } from '@call-scheduler/core/testing';
import { randomUUID } from 'node:crypto';

/** A `scheduled` call due at `dueAt`, with its `scheduled` event. */
export function scheduledCall(dueAt: number, overrides: Partial<NewCallRecord> = {}): CallInsert {
  return callInsertFixture(callFixture({ id: randomUUID(), at: dueAt, dueAt, createdAt: 1_000, ...overrides }));
}

/** Resolves with the first value `take` returns that is not undefined, polling every 10 ms; rejects after `ms`. */
export async function eventually<T>(take: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await take();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

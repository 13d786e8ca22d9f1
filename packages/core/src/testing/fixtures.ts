import type { NewCallRecord } from '../store/call-record.js';
import type { CallInsert } from '../store/call-store.js';

/**
 * A small seeded random generator (mulberry32): the same seed gives the same sequence in every
 * run and process, so a failing randomized test can be repeated. Not for anything secret.
 * @returns a function that returns numbers in [0, 1), like `Math.random`.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 2026-01-01T00:00:00Z, the default time of {@link callFixture}. */
const FIXTURE_TIME = Date.UTC(2026, 0, 1);

/**
 * A new call as a store receives it, for store tests: `scheduled`, due and created at
 * 2026-01-01T00:00:00Z, to `+14155550100`, every optional field empty; `overrides` win.
 */
export function callFixture(overrides: Partial<NewCallRecord> & Pick<NewCallRecord, 'id'>): NewCallRecord {
  return {
    to: '+14155550100',
    status: 'scheduled',
    at: FIXTURE_TIME,
    dueAt: FIXTURE_TIME,
    timeZone: null,
    window: null,
    expiresAt: null,
    retry: null,
    idempotencyKey: null,
    metadata: null,
    error: null,
    createdAt: FIXTURE_TIME,
    endedAt: null,
    ...overrides,
  };
}

/** `call` with its `scheduled` event (at `createdAt`, in the call's status), as `insertCalls` takes it. */
export function callInsertFixture(call: NewCallRecord): CallInsert {
  return { call, events: [{ type: 'scheduled', at: call.createdAt, attempt: null, status: call.status, providerStatus: null, data: null }] };
}

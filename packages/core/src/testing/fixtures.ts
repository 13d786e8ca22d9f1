import type { NewCallSeriesRecord } from '../series/series-store.js';
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

/** 2026-01-01T00:00:00Z, the default time of {@link callFixture} and {@link seriesFixture}. */
const FIXTURE_TIME = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

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

/** What {@link callInsertFixture} returns: a {@link CallInsert} whose call keeps its own type. */
export interface CallInsertFixture<C extends NewCallRecord> extends CallInsert {
  /** The call, as given. */
  readonly call: C;
}

/**
 * `call` with its `scheduled` event (at `createdAt`, in the call's status), as `insertCalls` takes
 * it (or `materializeOccurrences`, for a call with its series fields).
 */
export function callInsertFixture<C extends NewCallRecord>(call: C): CallInsertFixture<C> {
  return { call, events: [{ type: 'scheduled', at: call.createdAt, attempt: null, status: call.status, providerStatus: null, data: null }] };
}

/**
 * A new series as a store receives it, for store tests: `active`, weekdays at 09:00 in New York,
 * to `+14155550100`, created at 2026-01-01T00:00:00Z with its next occurrence an hour later
 * (planned a minute before it), nothing created yet, every optional field empty; `overrides` win.
 */
export function seriesFixture(overrides: Partial<NewCallSeriesRecord> & Pick<NewCallSeriesRecord, 'id'>): NewCallSeriesRecord {
  return {
    to: '+14155550100',
    cron: '0 9 * * MON-FRI',
    timeZone: 'America/New_York',
    disambiguation: 'compatible',
    startAt: null,
    endAt: null,
    count: null,
    skipDates: [],
    excludedOccurrences: [],
    catchUp: 'skip',
    window: null,
    expiresAfterMs: null,
    retry: null,
    metadata: null,
    idempotencyKey: null,
    status: 'active',
    nextOccurrenceAt: FIXTURE_TIME + HOUR,
    lastOccurrenceAt: null,
    occurrencesCreated: 0,
    planAt: FIXTURE_TIME + HOUR - 60_000,
    endReason: null,
    createdAt: FIXTURE_TIME,
    endedAt: null,
    ...overrides,
  };
}

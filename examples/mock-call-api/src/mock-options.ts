import type { MockClock } from './mock-clock.js';
import type { MockOutcome } from './call-timeline.js';

/** A rule that gives numbers matching `match` a non-default outcome. */
export interface OutcomeRule {
  /** A `RegExp` tested against `phone_number`, or a string the number ends with. */
  readonly match: RegExp | string;
  /** The outcome of calls to matching numbers. */
  readonly outcome: MockOutcome;
}

/** Which requests a fault applies to. */
export type FaultMethod = 'GET' | 'POST';

/**
 * The opt-in faults and features. Every one is off by default, which gives exactly the reference
 * server's behaviour. Change them at run time with `setFaults()`.
 */
export interface MockFaults {
  /** Added delay before every `/api/*` answer, in ms on the mock's clock. @default 0 */
  readonly latencyMs: number;
  /** Share (0..1) of `/api/*` requests answered 500 or 503 (HTML page) instead; nothing is created. @default 0 */
  readonly errorRate: number;
  /** The statuses `errorRate` picks from. @default [500, 503] */
  readonly errorStatuses: readonly number[];
  /**
   * Dials (`POST /api/call`) allowed per second (sliding window on the mock's clock, not scaled);
   * beyond it the answer is 429 with `Retry-After`. `0` means no limit.
   * @default 0
   */
  readonly rateLimitPerSecond: number;
  /** `Retry-After` as whole seconds or as an HTTP-date. @default 'seconds' */
  readonly retryAfterFormat: 'seconds' | 'date';
  /** Share (0..1) of `/api/*` requests never answered (until the client gives up or the mock closes). @default 0 */
  readonly hangRate: number;
  /** Every `/api/*` request hangs (like `hangRate: 1`). @default false */
  readonly hang: boolean;
  /** Share (0..1) of dials that create the call but whose connection is destroyed before the answer. @default 0 */
  readonly loseAnswerRate: number;
  /** Repeated `Idempotency-Key` gives the same call (200 with it) instead of a new one. @default false */
  readonly honorIdempotencyKey: boolean;
  /** Outcome rules by number, first match wins; unmatched numbers complete. @default [] */
  readonly outcomes: readonly OutcomeRule[];
  /** Which methods `latencyMs`, `errorRate`, `hangRate`/`hang` apply to. @default ['GET', 'POST'] */
  readonly faultMethods: readonly FaultMethod[];
}

/** Options of `createMockCallApi()`. */
export interface MockCallApiOptions extends Partial<MockFaults> {
  /** Port to listen on; `0` picks a free one. @default 0 */
  readonly port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Scales the status progression: `0.05` turns the 10 s call into 0.5 s. Latency, rate limits
   * and `Retry-After` are not scaled.
   * @default 1
   */
  readonly timeFactor?: number;
  /** The clock for call times, progression and latency. @default the real clock */
  readonly clock?: MockClock;
  /** Seed of the generator that decides which requests get a fault. @default 1 */
  readonly seed?: number;
}

/** The default faults: none. */
export const NO_FAULTS: MockFaults = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorStatuses: Object.freeze([500, 503]),
  rateLimitPerSecond: 0,
  retryAfterFormat: 'seconds',
  hangRate: 0,
  hang: false,
  loseAnswerRate: 0,
  honorIdempotencyKey: false,
  outcomes: Object.freeze([]),
  faultMethods: Object.freeze(['GET', 'POST'] as const),
});

const FAULT_KEYS = Object.keys(NO_FAULTS) as (keyof MockFaults)[];

/** Checks and merges a partial set of faults over `base`; throws a `TypeError` naming the field. */
export function mergeFaults(base: MockFaults, partial: Partial<MockFaults>): MockFaults {
  const next: Record<string, unknown> = { ...base };
  for (const key of FAULT_KEYS) {
    const value = partial[key];
    if (value !== undefined) next[key] = value;
  }
  const faults = next as unknown as MockFaults;
  const rate = (key: 'errorRate' | 'hangRate' | 'loseAnswerRate'): void => {
    const value = faults[key];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new TypeError(`${key} must be a number from 0 to 1, got ${String(value)}`);
  };
  rate('errorRate');
  rate('hangRate');
  rate('loseAnswerRate');
  if (!Number.isFinite(faults.latencyMs) || faults.latencyMs < 0) throw new TypeError(`latencyMs must be a non-negative number, got ${faults.latencyMs}`);
  if (!Number.isFinite(faults.rateLimitPerSecond) || faults.rateLimitPerSecond < 0) {
    throw new TypeError(`rateLimitPerSecond must be a non-negative number, got ${faults.rateLimitPerSecond}`);
  }
  if (faults.retryAfterFormat !== 'seconds' && faults.retryAfterFormat !== 'date') {
    throw new TypeError(`retryAfterFormat must be 'seconds' or 'date', got ${String(faults.retryAfterFormat)}`);
  }
  if (typeof faults.hang !== 'boolean') throw new TypeError('hang must be a boolean');
  if (typeof faults.honorIdempotencyKey !== 'boolean') throw new TypeError('honorIdempotencyKey must be a boolean');
  if (!Array.isArray(faults.errorStatuses) || faults.errorStatuses.length === 0 || faults.errorStatuses.some((s) => !Number.isInteger(s) || s < 500 || s > 599)) {
    throw new TypeError('errorStatuses must be a non-empty list of 5xx statuses');
  }
  if (!Array.isArray(faults.faultMethods) || faults.faultMethods.some((m) => m !== 'GET' && m !== 'POST')) {
    throw new TypeError("faultMethods must be a list of 'GET' and 'POST'");
  }
  if (!Array.isArray(faults.outcomes)) throw new TypeError('outcomes must be a list of { match, outcome }');
  faults.outcomes.forEach((rule, index) => {
    if (typeof rule?.match !== 'string' && !(rule?.match instanceof RegExp)) throw new TypeError(`outcomes.${index}.match must be a string suffix or a RegExp`);
    if (!['completed', 'busy', 'no-answer', 'failed', 'ring-forever', 'talk-forever'].includes(rule.outcome)) {
      throw new TypeError(`outcomes.${index}.outcome must be one of completed, busy, no-answer, failed, ring-forever, talk-forever`);
    }
  });
  return Object.freeze({
    ...faults,
    errorStatuses: Object.freeze([...faults.errorStatuses]),
    outcomes: Object.freeze([...faults.outcomes]),
    faultMethods: Object.freeze([...faults.faultMethods]),
  });
}

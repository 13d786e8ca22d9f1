import type { z } from 'zod';
import type { Clock } from '../clock/clock.js';
import type { CallProvider } from '../provider/call-provider.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { callingWindowSchema, isValidTimeZone, retryPolicySchema } from '../schema/policy-schemas.js';
import type { CallStore } from '../store/call-store.js';

/** How live calls are polled. */
export interface PollingOptions {
  /** First poll after the provider accepted the dial, and after each status change. @default 500 */
  readonly minIntervalMs?: number;
  /** The longest gap between two polls of a live call. @default 5000 */
  readonly maxIntervalMs?: number;
  /** Each poll that sees no change multiplies the gap by this. @default 1.5 */
  readonly backoffFactor?: number;
  /**
   * After a first 404 for a call the provider once knew, ask again after this long; a second 404
   * ends the attempt `failed` with `PROVIDER_CALL_LOST`. @default 1000
   */
  readonly notFoundConfirmMs?: number;
  /**
   * How late a status change may be seen when its timing is predictable. The scheduler learns how
   * long the provider's calls stay in each live status and, once it knows, sleeps through the
   * quiet part of a status and polls every `0.8 × targetLagMs` around the expected change; while
   * it does not know, gaps grow from `minIntervalMs` but stay within `0.8 × targetLagMs` for a
   * status's first 30 s; a status that lasts longer (or three times longer than usual) is polled
   * with gaps growing to `maxIntervalMs`. @default 1000
   */
  readonly targetLagMs?: number;
}

/** Back-off for transient provider errors, which do not spend an attempt. */
export interface TransientRetryOptions {
  /** First delay. @default 500 */
  readonly initialDelayMs?: number;
  /** Largest delay. @default 30000 */
  readonly maxDelayMs?: number;
  /** Give up after this many transient errors in a row for one request (the attempt then fails with `PROVIDER_UNAVAILABLE`). @default 8 */
  readonly maxRetries?: number;
  /** Random spread, 0 to 1, as a share of each delay (full jitter above the floor). @default 0.2 */
  readonly jitter?: number;
}

/** Options of {@link CallScheduler}. Copied and frozen by the constructor. */
export interface CallSchedulerOptions {
  /** Where calls live. */
  readonly store: CallStore;
  /** Who dials. */
  readonly provider: CallProvider;
  /** All time and timers. @default systemClock */
  readonly clock?: Clock;
  /** This scheduler's id, written as lease owner. @default a random `scheduler-…` id */
  readonly id?: string;
  /** Lease length for a claimed or live call; renewed while the call is followed. @default 30000 */
  readonly leaseMs?: number;
  /** Timeout of one `placeCall`; an unanswered dial has an unknown outcome. @default 15000 */
  readonly dispatchTimeoutMs?: number;
  /** Timeout of one `getCall`. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Provider requests in flight at once (dials and polls together). @default 16 */
  readonly maxConcurrentRequests?: number;
  /** Calls this scheduler dials or follows at once; claims stop at this bound. @default 200 */
  readonly maxLiveCalls?: number;
  /** Most calls one claim takes from the store. @default 50 */
  readonly claimBatchSize?: number;
  /**
   * Re-read the store at least this often to see calls written by other processes; `null` turns
   * it off. @default 1000 when `store.features.shared`, otherwise `null`
   */
  readonly storeRereadIntervalMs?: number | null;
  /** Polling of live calls. */
  readonly polling?: PollingOptions;
  /** A call still `initiated` or `ringing` this long after the dial ends `no-answer` (`MAX_RING_TIME_EXCEEDED`). @default 60000 */
  readonly maxRingMs?: number;
  /** A call `connected` this long ends `failed` (`MAX_DURATION_EXCEEDED`) and is no longer followed. @default 14400000 (4 h) */
  readonly maxDurationMs?: number;
  /** Back-off for transient provider errors. */
  readonly transientRetry?: TransientRetryOptions;
  /**
   * Retry policy for calls that do not carry their own. A call's own `retry` replaces it as a
   * whole. Each retry is snapped into the call's window and never lands at or after its
   * `expiresAt`; an `unknown` outcome (`DISPATCH_OUTCOME_UNKNOWN`) is retried only when the
   * provider declares `capabilities.idempotentPlaceCall`.
   * @default no retries
   *
   * @example
   * ```ts
   * retry: { busy: { delaysMs: [120_000, 600_000], maxAttempts: 3 }, 'no-answer': { delaysMs: [3_600_000], maxAttempts: 2 } }
   * ```
   */
  readonly retry?: RetryPolicy;
  /** Never dial two calls to the same number at once (across every scheduler on the store). @default true */
  readonly onePerNumber?: boolean;
  /**
   * The calling window of a call that has a time zone (its own or {@link CallSchedulerOptions.defaultTimeZone})
   * but no `window` of its own, e.g. `tcpa()`. A call is dialed only inside its window: one due
   * outside it waits for the next opening.
   * @default none: calls without their own window are dialed at any hour
   */
  readonly window?: CallingWindow;
  /**
   * The IANA time zone of a call that has none of its own, so that {@link CallSchedulerOptions.window}
   * applies to it too. A call with no zone at all is never windowed.
   * @default none
   */
  readonly defaultTimeZone?: string;
  /**
   * Most new dials (`placeCall` requests, re-sends after a transient error included) per second,
   * as a token bucket on the scheduler's clock: claims stop while no token is free and the
   * scheduler wakes when the next one is due. `undefined` for no limit.
   * @default no limit
   */
  readonly callsPerSecond?: number;
  /**
   * With {@link CallSchedulerOptions.callsPerSecond}: how many dials may start at once after a
   * quiet spell (the bucket's size). With 1, dials are evenly spaced `1000 / callsPerSecond` ms apart.
   * @default 1
   */
  readonly burst?: number;
  /**
   * At most `maxAttempts` attempts to one number in any `periodMs` (counted from the store's
   * attempts, so across schedulers and restarts). A claimed call over the cap goes back to
   * `scheduled` at the earliest allowed time (snapped into its window) without spending an
   * attempt; if that is at or after its `expiresAt`, it ends `expired`.
   * @default no cap
   *
   * @example
   * ```ts
   * perNumberCap: { maxAttempts: 3, periodMs: 24 * 3600_000 } // at most 3 attempts per number a day
   * ```
   */
  readonly perNumberCap?: PerNumberCapOptions;
}

/** Options of {@link CallSchedulerOptions.perNumberCap}. */
export interface PerNumberCapOptions {
  /** The most attempts to one number within `periodMs`. */
  readonly maxAttempts: number;
  /** The sliding period, in ms. @default 86400000 (24 h) */
  readonly periodMs?: number;
}

/** The options with every default filled in. */
export interface ResolvedSchedulerOptions {
  /** See {@link CallSchedulerOptions.leaseMs}. */
  readonly leaseMs: number;
  /** See {@link CallSchedulerOptions.dispatchTimeoutMs}. */
  readonly dispatchTimeoutMs: number;
  /** See {@link CallSchedulerOptions.requestTimeoutMs}. */
  readonly requestTimeoutMs: number;
  /** See {@link CallSchedulerOptions.maxConcurrentRequests}. */
  readonly maxConcurrentRequests: number;
  /** See {@link CallSchedulerOptions.maxLiveCalls}. */
  readonly maxLiveCalls: number;
  /** See {@link CallSchedulerOptions.claimBatchSize}. */
  readonly claimBatchSize: number;
  /** See {@link CallSchedulerOptions.storeRereadIntervalMs}; `null` for no re-reads. */
  readonly storeRereadIntervalMs: number | null;
  /** See {@link CallSchedulerOptions.polling}, every default filled in. */
  readonly polling: Required<PollingOptions>;
  /** See {@link CallSchedulerOptions.maxRingMs}. */
  readonly maxRingMs: number;
  /** See {@link CallSchedulerOptions.maxDurationMs}. */
  readonly maxDurationMs: number;
  /** See {@link CallSchedulerOptions.transientRetry}, every default filled in. */
  readonly transientRetry: Required<TransientRetryOptions>;
  /** See {@link CallSchedulerOptions.retry}; `null` for no retries. */
  readonly retry: RetryPolicy | null;
  /** See {@link CallSchedulerOptions.onePerNumber}. */
  readonly onePerNumber: boolean;
  /** See {@link CallSchedulerOptions.window}; `null` for none. */
  readonly window: CallingWindow | null;
  /** See {@link CallSchedulerOptions.defaultTimeZone}; `null` for none. */
  readonly defaultTimeZone: string | null;
  /** See {@link CallSchedulerOptions.callsPerSecond}; `null` for no limit. */
  readonly callsPerSecond: number | null;
  /** See {@link CallSchedulerOptions.burst}. */
  readonly burst: number;
  /** See {@link CallSchedulerOptions.perNumberCap}; `null` for no cap. */
  readonly perNumberCap: Required<PerNumberCapOptions> | null;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`CallScheduler option ${name} must be a positive number, got ${String(value)}`);
  return v;
}

/** Fills in defaults, checks ranges and freezes. */
export function resolveOptions(options: CallSchedulerOptions): ResolvedSchedulerOptions {
  const polling = options.polling ?? {};
  const transient = options.transientRetry ?? {};
  const jitter = transient.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('CallScheduler option transientRetry.jitter must be between 0 and 1');
  const reread =
    options.storeRereadIntervalMs === undefined
      ? options.store.features?.shared === true
        ? 1000
        : null
      : options.storeRereadIntervalMs;
  if (reread !== null) positive('storeRereadIntervalMs', reread, 1000);
  return Object.freeze({
    leaseMs: positive('leaseMs', options.leaseMs, 30_000),
    dispatchTimeoutMs: positive('dispatchTimeoutMs', options.dispatchTimeoutMs, 15_000),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    maxConcurrentRequests: Math.floor(positive('maxConcurrentRequests', options.maxConcurrentRequests, 16)),
    maxLiveCalls: Math.floor(positive('maxLiveCalls', options.maxLiveCalls, 200)),
    claimBatchSize: Math.floor(positive('claimBatchSize', options.claimBatchSize, 50)),
    storeRereadIntervalMs: reread,
    polling: Object.freeze({
      minIntervalMs: positive('polling.minIntervalMs', polling.minIntervalMs, 500),
      maxIntervalMs: positive('polling.maxIntervalMs', polling.maxIntervalMs, 5000),
      backoffFactor: positive('polling.backoffFactor', polling.backoffFactor, 1.5),
      notFoundConfirmMs: positive('polling.notFoundConfirmMs', polling.notFoundConfirmMs, 1000),
      targetLagMs: positive('polling.targetLagMs', polling.targetLagMs, 1000),
    }),
    maxRingMs: positive('maxRingMs', options.maxRingMs, 60_000),
    maxDurationMs: positive('maxDurationMs', options.maxDurationMs, 4 * 3600_000),
    transientRetry: Object.freeze({
      initialDelayMs: positive('transientRetry.initialDelayMs', transient.initialDelayMs, 500),
      maxDelayMs: positive('transientRetry.maxDelayMs', transient.maxDelayMs, 30_000),
      maxRetries: Math.floor(positive('transientRetry.maxRetries', transient.maxRetries, 8)),
      jitter,
    }),
    retry: options.retry === undefined ? null : checked('retry', retryPolicySchema, options.retry),
    onePerNumber: options.onePerNumber ?? true,
    window: options.window === undefined ? null : Object.freeze(checked('window', callingWindowSchema, options.window)),
    defaultTimeZone: resolveTimeZone(options.defaultTimeZone),
    callsPerSecond: resolveRate(options.callsPerSecond),
    burst: resolveBurst(options.burst),
    perNumberCap: resolvePerNumberCap(options.perNumberCap),
  });
}

/** `value` parsed by `schema`, or a `RangeError` naming the option and the first problem. */
function checked<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? name : `${name}.${issue.path.map(String).join('.')}`;
  throw new RangeError(`CallScheduler option ${path} ${issue?.message ?? 'is invalid'}`);
}

function resolveTimeZone(zone: string | undefined): string | null {
  if (zone === undefined) return null;
  if (typeof zone !== 'string' || !isValidTimeZone(zone)) {
    throw new RangeError(`CallScheduler option defaultTimeZone must be an IANA time zone name such as America/Chicago, got ${String(zone)}`);
  }
  return zone;
}

function resolveRate(rate: number | undefined): number | null {
  if (rate === undefined) return null;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0.001) {
    throw new RangeError(`CallScheduler option callsPerSecond must be a number of at least 0.001, got ${String(rate)}`);
  }
  return rate;
}

function resolveBurst(burst: number | undefined): number {
  if (burst === undefined) return 1;
  if (!Number.isInteger(burst) || burst < 1 || burst > 1_000_000) {
    throw new RangeError(`CallScheduler option burst must be a whole number from 1 to 1000000, got ${String(burst)}`);
  }
  return burst;
}

function resolvePerNumberCap(cap: PerNumberCapOptions | undefined): Required<PerNumberCapOptions> | null {
  if (cap === undefined) return null;
  if (cap === null || typeof cap !== 'object') throw new RangeError('CallScheduler option perNumberCap must be an object { maxAttempts, periodMs? }');
  const { maxAttempts, periodMs = 86_400_000 } = cap;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`CallScheduler option perNumberCap.maxAttempts must be a whole number of at least 1, got ${String(maxAttempts)}`);
  }
  if (!Number.isInteger(periodMs) || periodMs < 1) {
    throw new RangeError(`CallScheduler option perNumberCap.periodMs must be a whole number of ms of at least 1, got ${String(periodMs)}`);
  }
  return Object.freeze({ maxAttempts, periodMs });
}

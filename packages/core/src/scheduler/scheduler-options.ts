import type { Clock } from '../clock/clock.js';
import type { CallProvider } from '../provider/call-provider.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
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
  /** Retry policy for calls that do not carry their own. @default no retries */
  readonly retry?: RetryPolicy;
  /** Never dial two calls to the same number at once (across every scheduler on the store). @default true */
  readonly onePerNumber?: boolean;
}

/** The options with every default filled in. */
export interface ResolvedSchedulerOptions {
  readonly leaseMs: number;
  readonly dispatchTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxConcurrentRequests: number;
  readonly maxLiveCalls: number;
  readonly claimBatchSize: number;
  readonly storeRereadIntervalMs: number | null;
  readonly polling: Required<PollingOptions>;
  readonly maxRingMs: number;
  readonly maxDurationMs: number;
  readonly transientRetry: Required<TransientRetryOptions>;
  readonly retry: RetryPolicy | null;
  readonly onePerNumber: boolean;
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
    }),
    maxRingMs: positive('maxRingMs', options.maxRingMs, 60_000),
    maxDurationMs: positive('maxDurationMs', options.maxDurationMs, 4 * 3600_000),
    transientRetry: Object.freeze({
      initialDelayMs: positive('transientRetry.initialDelayMs', transient.initialDelayMs, 500),
      maxDelayMs: positive('transientRetry.maxDelayMs', transient.maxDelayMs, 30_000),
      maxRetries: Math.floor(positive('transientRetry.maxRetries', transient.maxRetries, 8)),
      jitter,
    }),
    retry: options.retry ?? null,
    onePerNumber: options.onePerNumber ?? true,
  });
}

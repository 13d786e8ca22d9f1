import type { SeriesSchedulerOptions } from './series-runner.js';
import { z } from 'zod';
import type { Clock } from '../clock/clock.js';
import type { CallProvider } from '../provider/call-provider.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { callingWindowSchema, isValidTimeZone, retryPolicySchema } from '../schema/policy-schemas.js';
import { parseInput } from '../schema/schedule-input.js';
import type { CallStore } from '../store/call-store.js';
import type { TelemetryOptions } from '../telemetry/scheduler-telemetry.js';

/** `claimAheadMs` when not given: enough for the claim's own work to be done before a call's time (capped at `leaseMs / 2`). */
const DEFAULT_CLAIM_AHEAD_MS = 20;

/** `endWriteWindowMs` when not given. */
const DEFAULT_END_WRITE_WINDOW_MS = 25;

/** The longest `endWriteWindowMs` accepted. */
const MAX_END_WRITE_WINDOW_MS = 1000;

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
  /**
   * The random source of the jitter of transient back-offs, returning a number in [0, 1). Inject
   * a seeded one beside a `FakeClock` to make a run deterministic end to end. @default Math.random
   */
  readonly random?: () => number;
  /** This scheduler's id, written as lease owner. @default a random `scheduler-…` id */
  readonly id?: string;
  /** Lease length for a claimed or live call; renewed while the call is followed. @default 30000 */
  readonly leaseMs?: number;
  /** Timeout of one `placeCall`; an unanswered dial has an unknown outcome. @default 15000 */
  readonly dispatchTimeoutMs?: number;
  /** Timeout of one `getCall`. @default 10000 */
  readonly requestTimeoutMs?: number;
  /**
   * Provider requests in flight at once (dials and polls together). Claims also stop while twice
   * this many claimed calls are being dialed or held for their time (`claimAheadMs`), or a whole
   * `claimBatchSize` of them when that is more and the store is networked (`features.networked`,
   * as PostgresStore is). @default 16
   */
  readonly maxConcurrentRequests?: number;
  /** Calls this scheduler dials or follows at once; claims stop at this bound. @default 200 */
  readonly maxLiveCalls?: number;
  /** Most calls one claim takes from the store. @default 50 */
  readonly claimBatchSize?: number;
  /**
   * Claim calls up to this many ms before they are due, hold them under their lease, and dial each
   * at its due time from the scheduler's timer, with no store work on that path: lateness falls to
   * the timer's own. A claim is made when the next call is half this far away and takes every call
   * due within the whole horizon, so calls close together share one store read: each call is held
   * between half and all of `claimAheadMs`. A call held this way is `dispatching` already: `cancel` and `reschedule` on
   * this scheduler release it first, but another process's `cancel` finds it being dialed (as
   * for any claimed call), and a process killed inside the margin leaves its held calls to end like calls it was dialing.
   * When claims take longer (a network store, or load), the horizon stretches to four times the
   * slowest recent claim, up to 250 ms (or `claimAheadMs` when larger) and `leaseMs / 2`. At most `leaseMs / 2`; `0` claims only due calls, when they are due (the claim's own work then comes before the dial).
   * A held call counts as a dial in progress (as do dials waiting for the provider's answer), and
   * claims stop at twice `maxConcurrentRequests` of those (or at `claimBatchSize` when that is more,
   * on a networked store): at `r` calls a second the horizon is cut
   * to at most `2 × maxConcurrentRequests / r` seconds, less the time the provider takes to answer
   * a dial, and the claims then come every few dials instead of once per half horizon (at 500
   * calls/s with the defaults, at most about 64 ms). Raise `maxConcurrentRequests` with it for a
   * longer horizon (it also allows that many provider requests at once).
   * @default 20 (or `leaseMs / 2` when that is less)
   */
  readonly claimAheadMs?: number;
  /**
   * How long the write that ends a call (the provider's final answer, the attempt's end) may wait
   * for the writes of the calls ending next, so that the store commits them together: on SQLite
   * one transaction for many calls instead of one each, the largest part of a dialed call's cost.
   * A write waits only while other dials are in flight or held for their time; when none is, it
   * goes at once, with those that waited. Four or more that wait go as soon as the next held
   * dial is 2 ms or more away, so that their transaction is over before it. Nothing is dialed
   * later for it.
   *
   * What the wait costs: a call's end, its events (`call:completed`...) and the next call to the
   * same number (`onePerNumber`) come up to this much later; and a process killed during the wait
   * leaves those calls `dispatching` until lease recovery, which re-sends the dial with the same
   * key to a provider that de-duplicates, or otherwise ends it with `DISPATCH_OUTCOME_UNKNOWN`, as
   * for a process killed while its dial was in flight. `0` writes every end at once. At most 1000.
   * @default 25
   */
  readonly endWriteWindowMs?: number;
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
  /** Recurring calls (`scheduleSeries`): lead time, grace, catch-up bound, a holiday calendar. */
  readonly series?: SeriesSchedulerOptions;
  /**
   * Metrics and traces through `@opentelemetry/api` (see docs/observability.md): the meter and
   * tracer providers to record to, by default the global ones (no-ops until the application
   * registers an SDK). `false` records nothing at all: no instrument is created and the store is
   * not wrapped. @default {} (the global providers)
   */
  readonly telemetry?: TelemetryOptions | false;
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
  /** See {@link CallSchedulerOptions.claimAheadMs}. */
  readonly claimAheadMs: number;
  /** See {@link CallSchedulerOptions.endWriteWindowMs}. */
  readonly endWriteWindowMs: number;
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

const WHAT = 'CallScheduler options';

/** A positive finite number (an absent one takes its default later). */
const positive = z
  .number({ message: 'must be a positive number' })
  .refine((v) => Number.isFinite(v) && v > 0, { message: 'must be a positive number' })
  .optional();

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;
const hasFunctions = (v: unknown, names: readonly string[]): boolean =>
  isObject(v) && names.every((name) => typeof (v as Record<string, unknown>)[name] === 'function');

/** The shape every {@link CallSchedulerOptions} is checked against (unknown keys are ignored). */
const optionsSchema = z.object(
  {
    store: z.custom<CallStore>((v) => hasFunctions(v, ['insertCalls', 'claimDueCalls', 'updateCall']), { message: 'is required: a CallStore' }),
    provider: z.custom<CallProvider>((v) => hasFunctions(v, ['placeCall', 'getCall']), { message: 'is required: a CallProvider' }),
    clock: z.custom<Clock>((v) => hasFunctions(v, ['now', 'setTimeout', 'clearTimeout']), { message: 'must be a Clock (now, setTimeout, clearTimeout)' }).optional(),
    random: z.custom<() => number>((v) => typeof v === 'function', { message: 'must be a function returning a number in [0, 1)' }).optional(),
    telemetry: z
      .union([z.literal(false), z.object({ meterProvider: z.custom((v) => hasFunctions(v, ['getMeter'])).optional(), tracerProvider: z.custom((v) => hasFunctions(v, ['getTracer'])).optional() })], {
        message: 'must be false or { meterProvider?, tracerProvider? } (OpenTelemetry providers)',
      })
      .optional(),
    id: z.string({ message: 'must be a non-empty string' }).min(1, { message: 'must be a non-empty string' }).optional(),
    leaseMs: positive,
    dispatchTimeoutMs: positive,
    requestTimeoutMs: positive,
    maxConcurrentRequests: positive,
    maxLiveCalls: positive,
    claimBatchSize: positive,
    claimAheadMs: z.number({ message: 'must be a number of ms from 0 to leaseMs / 2' }).min(0, { message: 'must be a number of ms from 0 to leaseMs / 2' }).finite().optional(),
    endWriteWindowMs: z
      .number({ message: `must be a number of ms from 0 to ${MAX_END_WRITE_WINDOW_MS}` })
      .min(0, { message: `must be a number of ms from 0 to ${MAX_END_WRITE_WINDOW_MS}` })
      .max(MAX_END_WRITE_WINDOW_MS, { message: `must be a number of ms from 0 to ${MAX_END_WRITE_WINDOW_MS}` })
      .optional(),
    storeRereadIntervalMs: positive.nullable(),
    polling: z
      .object(
        { minIntervalMs: positive, maxIntervalMs: positive, backoffFactor: positive, notFoundConfirmMs: positive, targetLagMs: positive },
        { message: 'must be an object' },
      )
      .optional(),
    maxRingMs: positive,
    maxDurationMs: positive,
    transientRetry: z
      .object(
        {
          initialDelayMs: positive,
          maxDelayMs: positive,
          maxRetries: positive,
          jitter: z.number({ message: 'must be a number between 0 and 1' }).min(0, { message: 'must be between 0 and 1' }).max(1, { message: 'must be between 0 and 1' }).optional(),
        },
        { message: 'must be an object' },
      )
      .optional(),
    retry: retryPolicySchema.optional(),
    onePerNumber: z.boolean({ message: 'must be true or false' }).optional(),
    window: callingWindowSchema.optional(),
    defaultTimeZone: z
      .string({ message: 'must be an IANA time zone name such as America/Chicago' })
      .refine(isValidTimeZone, { message: 'must be an IANA time zone name such as America/Chicago' })
      .optional(),
    callsPerSecond: z
      .number({ message: 'must be a number of at least 0.001' })
      .refine((v) => Number.isFinite(v) && v >= 0.001, { message: 'must be a number of at least 0.001' })
      .optional(),
    burst: z
      .number({ message: 'must be a whole number from 1 to 1000000' })
      .int({ message: 'must be a whole number from 1 to 1000000' })
      .min(1, { message: 'must be a whole number from 1 to 1000000' })
      .max(1_000_000, { message: 'must be a whole number from 1 to 1000000' })
      .optional(),
    perNumberCap: z
      .object(
        {
          maxAttempts: z.number({ message: 'must be a whole number of at least 1' }).int({ message: 'must be a whole number of at least 1' }).min(1, { message: 'must be a whole number of at least 1' }),
          periodMs: z.number({ message: 'must be a whole number of ms of at least 1' }).int({ message: 'must be a whole number of ms of at least 1' }).min(1, { message: 'must be a whole number of ms of at least 1' }).optional(),
        },
        { message: 'must be an object { maxAttempts, periodMs? }' },
      )
      .optional(),
  },
  { message: 'must be an object with at least store and provider' },
).refine((o) => o.claimAheadMs === undefined || o.claimAheadMs <= (o.leaseMs ?? 30_000) / 2, {
  message: 'must be at most leaseMs / 2 (a call is held under its lease until its time)',
  path: ['claimAheadMs'],
});

/**
 * Checks the options like an input (a {@link CallSchedulerError} `INVALID_INPUT` naming each bad
 * field, e.g. `polling.minIntervalMs`), fills in defaults and freezes.
 *
 * `leaseMs` may be shorter than `dispatchTimeoutMs`: while a dial or a status request runs, the
 * lease is renewed whenever half of it is left (never stretched over the request's timeout), and it
 * is renewed while a call is followed.
 */
export function resolveOptions(options: CallSchedulerOptions): ResolvedSchedulerOptions {
  const o = parseInput(optionsSchema, options, WHAT);
  const polling = o.polling ?? {};
  const transient = o.transientRetry ?? {};
  const reread = o.storeRereadIntervalMs === undefined ? (o.store.features?.shared === true ? 1000 : null) : o.storeRereadIntervalMs;
  return Object.freeze({
    leaseMs: o.leaseMs ?? 30_000,
    dispatchTimeoutMs: o.dispatchTimeoutMs ?? 15_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    maxConcurrentRequests: Math.floor(o.maxConcurrentRequests ?? 16),
    maxLiveCalls: Math.floor(o.maxLiveCalls ?? 200),
    claimBatchSize: Math.floor(o.claimBatchSize ?? 50),
    claimAheadMs: o.claimAheadMs ?? Math.min(DEFAULT_CLAIM_AHEAD_MS, (o.leaseMs ?? 30_000) / 2),
    endWriteWindowMs: o.endWriteWindowMs ?? DEFAULT_END_WRITE_WINDOW_MS,
    storeRereadIntervalMs: reread,
    polling: Object.freeze({
      minIntervalMs: polling.minIntervalMs ?? 500,
      maxIntervalMs: polling.maxIntervalMs ?? 5000,
      backoffFactor: polling.backoffFactor ?? 1.5,
      notFoundConfirmMs: polling.notFoundConfirmMs ?? 1000,
      targetLagMs: polling.targetLagMs ?? 1000,
    }),
    maxRingMs: o.maxRingMs ?? 60_000,
    maxDurationMs: o.maxDurationMs ?? 4 * 3600_000,
    transientRetry: Object.freeze({
      initialDelayMs: transient.initialDelayMs ?? 500,
      maxDelayMs: transient.maxDelayMs ?? 30_000,
      maxRetries: Math.floor(transient.maxRetries ?? 8),
      jitter: transient.jitter ?? 0.2,
    }),
    retry: o.retry ?? null,
    onePerNumber: o.onePerNumber ?? true,
    window: o.window === undefined ? null : Object.freeze(o.window),
    defaultTimeZone: o.defaultTimeZone ?? null,
    callsPerSecond: o.callsPerSecond ?? null,
    burst: o.burst ?? 1,
    perNumberCap: o.perNumberCap === undefined ? null : Object.freeze({ maxAttempts: o.perNumberCap.maxAttempts, periodMs: o.perNumberCap.periodMs ?? 86_400_000 }),
  });
}

import { z } from 'zod';
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import { scheduleAtSchema, type CallTimeInput } from '../policy/local-time-schema.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { DISAMBIGUATIONS, type Disambiguation } from '../policy/zoned-time.js';
import { phoneNumberSchema } from '../schema/phone-number.js';
import { callingWindowSchema, retryPolicySchema, timeZoneSchema } from '../schema/policy-schemas.js';
import { idempotencyKeySchema, invalidInput, metadataSchema, toInputIssues } from '../schema/schedule-input.js';
import { compileCron, isLocalDate, OccurrenceSchedule } from './occurrences.js';

/** What a series does with occurrences it missed while no scheduler ran. */
export type CatchUpPolicy = 'skip' | 'latest' | 'all';

/** The values of {@link CatchUpPolicy}. */
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['skip', 'latest', 'all'];

/** The most `skipDates` a series accepts. */
export const MAX_SKIP_DATES = 1000;

/** The largest `count`. */
export const MAX_SERIES_COUNT = 1_000_000;

const ONE_YEAR_MS = 366 * 86_400_000;

/**
 * What `CallScheduler.scheduleSeries` accepts: a recurring call. Each occurrence becomes an
 * ordinary call with its own id, window, expiry, retries and history.
 *
 * @example
 * ```ts
 * await scheduler.scheduleSeries({
 *   to: '+12125550123',
 *   cron: '0 9 * * MON-FRI',           // weekdays at 09:00 ...
 *   timeZone: 'America/New_York',      // ... on the recipient's clocks, across DST
 *   endAt: { local: '2026-11-30T23:59', timeZone: 'America/New_York' },
 *   expiresAfter: 2 * 60 * 60 * 1000,  // an occurrence not dialed within 2 hours ends expired
 * });
 * ```
 */
export interface ScheduleSeriesInput {
  /** The number to dial, international format; normalized to E.164. */
  to: string;
  /**
   * Five-field cron pattern read on the wall clocks of `timeZone`: `minute hour day-of-month
   * month day-of-week` (`0 9 * * MON-FRI` is weekdays at 09:00). Names and croner's nicknames
   * (`@daily`, `@weekly`) work; seconds and years do not.
   */
  cron: string;
  /** The recipient's IANA time zone: the pattern, `skipDates` and `window` are read in it. */
  timeZone: string;
  /** How a matched time in a DST gap or overlap becomes an instant (see {@link Disambiguation}). @default 'compatible' */
  disambiguation?: Disambiguation;
  /** No occurrence before this time (inclusive): an instant or `{ local, timeZone }`. @default when the series is created */
  startAt?: CallTimeInput;
  /** No occurrence after this time (inclusive): an instant or `{ local, timeZone }`. @default no end */
  endAt?: CallTimeInput;
  /** The series ends after this many occurrence calls have been created. @default no limit */
  count?: number;
  /** Allowed local calling hours of each occurrence, in `timeZone`. @default the scheduler's `window` */
  window?: CallingWindow;
  /** Each occurrence expires this many ms after its time (its `expiresAt`). @default no expiry */
  expiresAfter?: number;
  /** Retries by outcome of each occurrence. @default the scheduler's */
  retry?: RetryPolicy;
  /** Local dates `YYYY-MM-DD` (in `timeZone`) with no occurrence, such as holidays. @default none */
  skipDates?: string[];
  /**
   * Missed occurrences (no scheduler was running): `skip` creates none of them, `latest` only the
   * most recent, `all` each of them (bounded by the scheduler). @default 'skip'
   */
  catchUp?: CatchUpPolicy;
  /** Your data, copied onto every occurrence call (a JSON object, at most 16 KiB). */
  metadata?: JsonObject;
  /** Scheduling a series twice with the same key returns the first series. */
  idempotencyKey?: string;
}

/** The validated, normalized form of {@link ScheduleSeriesInput} (times in epoch ms). */
export interface ParsedScheduleSeriesInput {
  /** E.164. */
  readonly to: string;
  /** The pattern, trimmed. */
  readonly cron: string;
  /** IANA zone. */
  readonly timeZone: string;
  /** The rule for DST gaps and overlaps. */
  readonly disambiguation: Disambiguation;
  /** Epoch ms, or `undefined` for the creation time. */
  readonly startAt: number | undefined;
  /** Epoch ms or `undefined`. */
  readonly endAt: number | undefined;
  /** A whole number of at least 1, or `undefined`. */
  readonly count: number | undefined;
  /** Window or `undefined`. */
  readonly window: CallingWindow | undefined;
  /** Ms or `undefined`. */
  readonly expiresAfter: number | undefined;
  /** Policy or `undefined`. */
  readonly retry: RetryPolicy | undefined;
  /** Sorted, without repeats. */
  readonly skipDates: readonly string[];
  /** The catch-up policy. */
  readonly catchUp: CatchUpPolicy;
  /** Metadata or `undefined`. */
  readonly metadata: JsonObject | undefined;
  /** Key or `undefined`. */
  readonly idempotencyKey: string | undefined;
}

/** A five-field cron pattern croner accepts. */
export const cronPatternSchema = z
  .string({ message: 'must be a five-field cron pattern such as "0 9 * * MON-FRI"' })
  .trim()
  .min(1, { message: 'must be a five-field cron pattern such as "0 9 * * MON-FRI"' })
  .max(256, { message: 'must be at most 256 characters' })
  .superRefine((cron, ctx) => {
    try {
      compileCron(cron);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message.replace(/^cron /, '') : String(error) });
    }
  });

/** A local date `YYYY-MM-DD` that exists in the calendar. */
export const localDateSchema = z
  .string({ message: 'must be a local date YYYY-MM-DD' })
  .refine(isLocalDate, { message: 'must be a local date YYYY-MM-DD that exists' });

/**
 * The zod schema of {@link ScheduleSeriesInput}. Unknown fields are refused. It checks each field
 * on its own and `endAt` against `startAt`; {@link parseScheduleSeriesInput} also checks that the
 * series has at least one occurrence.
 */
export const scheduleSeriesInputSchema = z
  .object({
    /** The number, normalized to E.164. */
    to: phoneNumberSchema,
    /** Five-field cron pattern on local time. */
    cron: cronPatternSchema,
    /** The recipient's IANA zone. */
    timeZone: timeZoneSchema,
    /** DST gap and overlap rule. */
    disambiguation: z
      .enum(DISAMBIGUATIONS as [Disambiguation, ...Disambiguation[]], { message: `must be one of ${DISAMBIGUATIONS.join(', ')}` })
      .default('compatible'),
    /** First possible occurrence time. */
    startAt: scheduleAtSchema.optional(),
    /** Last possible occurrence time. */
    endAt: scheduleAtSchema.optional(),
    /** How many occurrence calls in all. */
    count: z
      .number({ message: 'must be a whole number of at least 1' })
      .int({ message: 'must be a whole number of at least 1' })
      .min(1, { message: 'must be at least 1' })
      .max(MAX_SERIES_COUNT, { message: `must be at most ${MAX_SERIES_COUNT}` })
      .optional(),
    /** Allowed local calling hours. */
    window: callingWindowSchema.optional(),
    /** Expiry of each occurrence after its time, ms. */
    expiresAfter: z
      .number({ message: 'must be a duration in milliseconds' })
      .int({ message: 'must be whole milliseconds' })
      .min(1, { message: 'must be at least 1 ms' })
      .max(ONE_YEAR_MS, { message: 'must be at most a year' })
      .optional(),
    /** Retries by outcome. */
    retry: retryPolicySchema.optional(),
    /** Local dates with no occurrence. */
    skipDates: z
      .array(localDateSchema)
      .max(MAX_SKIP_DATES, { message: `must have at most ${MAX_SKIP_DATES} dates` })
      .transform((dates) => [...new Set(dates)].sort())
      .default([]),
    /** Missed occurrences policy. */
    catchUp: z
      .enum(CATCH_UP_POLICIES as [CatchUpPolicy, ...CatchUpPolicy[]], { message: `must be one of ${CATCH_UP_POLICIES.join(', ')}` })
      .default('skip'),
    /** Your JSON object. */
    metadata: metadataSchema.optional(),
    /** De-duplicates scheduling. */
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.startAt !== undefined && input.endAt !== undefined && input.endAt < input.startAt) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must not be before startAt' });
    }
  });

/**
 * Validates and normalizes a {@link ScheduleSeriesInput}, or throws an `INVALID_INPUT`
 * `CallSchedulerError` with one issue per field. `now` is the creation time: a series without
 * `startAt` starts then, and a series with no occurrence at or after `max(startAt, now)` (a
 * pattern that never matches, such as `0 9 30 2 *`, or an `endAt` in the past) is refused with an
 * issue on `cron`, or on `endAt` when one is given.
 */
export function parseScheduleSeriesInput(value: unknown, now: number, prefix: readonly (string | number)[] = []): ParsedScheduleSeriesInput {
  const result = scheduleSeriesInputSchema.safeParse(value);
  if (!result.success) throw invalidInput(toInputIssues(result.error, prefix), 'series');
  const data = result.data;
  const from = Math.max(data.startAt ?? now, now);
  let first: number | null;
  try {
    first = new OccurrenceSchedule({
      cron: data.cron,
      timeZone: data.timeZone,
      disambiguation: data.disambiguation,
      startAt: data.startAt ?? null,
      endAt: data.endAt ?? null,
      skipDates: data.skipDates,
    }).nextAfter(from - 1);
  } catch (error) {
    const field = error instanceof Error && error.message.startsWith('skipDates') ? 'skipDates' : 'cron';
    throw invalidInput([{ path: [...prefix, field].join('.'), message: error instanceof Error ? error.message : String(error), rule: 'custom' }], 'series');
  }
  if (first === null) {
    const field = data.endAt !== undefined ? 'endAt' : 'cron';
    const message =
      data.endAt !== undefined
        ? `leaves no occurrence: the pattern ${JSON.stringify(data.cron)} does not match between ${new Date(from).toISOString()} and endAt in ${data.timeZone}`
        : `never matches after ${new Date(from).toISOString()} in ${data.timeZone}`;
    throw invalidInput([{ path: [...prefix, field].join('.'), message, rule: 'custom' }], 'series');
  }
  return {
    to: data.to,
    cron: data.cron,
    timeZone: data.timeZone,
    disambiguation: data.disambiguation,
    startAt: data.startAt,
    endAt: data.endAt,
    count: data.count,
    window: data.window,
    expiresAfter: data.expiresAfter,
    retry: data.retry,
    skipDates: data.skipDates,
    catchUp: data.catchUp,
    metadata: data.metadata,
    idempotencyKey: data.idempotencyKey,
  };
}

/**
 * What a change of a series accepts (`CallScheduler.updateSeries`, `PATCH /series/:id`): any of
 * the rule and policy fields of {@link ScheduleSeriesInput}; `null` clears an optional one. At
 * least one field is required.
 */
export interface ChangeSeriesInput {
  /** New five-field cron pattern. */
  cron?: string;
  /** New IANA zone. */
  timeZone?: string;
  /** New DST rule. */
  disambiguation?: Disambiguation;
  /** New first possible occurrence time, or `null` for none. */
  startAt?: CallTimeInput | null;
  /** New last possible occurrence time, or `null` for no end. */
  endAt?: CallTimeInput | null;
  /** New number of calls in all, or `null` for no limit. */
  count?: number | null;
  /** New window of each occurrence, or `null` for the scheduler's. */
  window?: CallingWindow | null;
  /** New expiry after each occurrence, in ms, or `null` for none. */
  expiresAfter?: number | null;
  /** New retry policy, or `null` for the scheduler's. */
  retry?: RetryPolicy | null;
  /** New skipped local dates (replaces the list). */
  skipDates?: string[];
  /** New catch-up policy. */
  catchUp?: CatchUpPolicy;
  /** New metadata, or `null` to clear it. */
  metadata?: JsonObject | null;
}

/** The zod schema of {@link ChangeSeriesInput}: times become epoch ms, skip dates sorted and unique. */
export const changeSeriesInputSchema = z
  .object({
    /** New pattern. */
    cron: cronPatternSchema.optional(),
    /** New zone. */
    timeZone: timeZoneSchema.optional(),
    /** New DST rule. */
    disambiguation: z
      .enum(DISAMBIGUATIONS as [Disambiguation, ...Disambiguation[]], { message: `must be one of ${DISAMBIGUATIONS.join(', ')}` })
      .optional(),
    /** New start bound, or `null`. */
    startAt: scheduleAtSchema.nullable().optional(),
    /** New end bound, or `null`. */
    endAt: scheduleAtSchema.nullable().optional(),
    /** New count, or `null`. */
    count: z
      .number({ message: 'must be a whole number of at least 1' })
      .int({ message: 'must be a whole number of at least 1' })
      .min(1, { message: 'must be at least 1' })
      .max(MAX_SERIES_COUNT, { message: `must be at most ${MAX_SERIES_COUNT}` })
      .nullable()
      .optional(),
    /** New window, or `null`. */
    window: callingWindowSchema.nullable().optional(),
    /** New expiry after each occurrence, or `null`. */
    expiresAfter: z
      .number({ message: 'must be a duration in milliseconds' })
      .int({ message: 'must be whole milliseconds' })
      .min(1, { message: 'must be at least 1 ms' })
      .max(ONE_YEAR_MS, { message: 'must be at most a year' })
      .nullable()
      .optional(),
    /** New retry policy, or `null`. */
    retry: retryPolicySchema.nullable().optional(),
    /** New skipped dates. */
    skipDates: z
      .array(localDateSchema)
      .max(MAX_SKIP_DATES, { message: `must have at most ${MAX_SKIP_DATES} dates` })
      .transform((dates) => [...new Set(dates)].sort())
      .optional(),
    /** New catch-up policy. */
    catchUp: z
      .enum(CATCH_UP_POLICIES as [CatchUpPolicy, ...CatchUpPolicy[]], { message: `must be one of ${CATCH_UP_POLICIES.join(', ')}` })
      .optional(),
    /** New metadata, or `null`. */
    metadata: metadataSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'must change at least one field' })
  .superRefine((input, ctx) => {
    if (typeof input.startAt === 'number' && typeof input.endAt === 'number' && input.endAt < input.startAt) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must not be before startAt' });
    }
  });

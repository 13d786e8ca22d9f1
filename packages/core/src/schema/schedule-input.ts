import { z } from 'zod';
import type { JsonObject } from '../call/json.js';
import { CallSchedulerError, type InputIssue } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CallingWindow } from '../policy/calling-window.js';
import { scheduleAtSchema, withTimeZoneFromLocalAt, type CallTimeInput } from '../policy/local-time-schema.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { isE164Shaped, normalizePhoneNumber, phoneNumberSchema } from './phone-number.js';
import { callingWindowSchema, retryPolicySchema, timeZoneSchema } from './policy-schemas.js';
import { MAX_EPOCH_MS, timeInputSchema, type TimeInput } from './time.js';

/** Largest accepted `metadata`, as JSON text. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** A JSON object of at most {@link MAX_METADATA_BYTES} bytes. */
export const metadataSchema = z
  .record(z.string(), z.json())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES, {
    message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
  });

/** 1 to 255 printable characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' })
  .regex(/^[\x20-\x7e]+$/, { message: 'must be printable ASCII' });

/** What `CallScheduler.schedule` accepts. */
export interface ScheduleCallInput {
  /** The number to dial, international format; normalized to E.164. */
  to: string;
  /**
   * When to dial; omitted means now. An instant (`Date`, epoch ms, ISO 8601 with `Z` or an offset)
   * or a local wall-clock time `{ local: '2026-11-01T09:00', timeZone: 'America/Chicago' }`; a
   * local time that falls in a DST gap or overlap is resolved by its `disambiguation` (see
   * `LocalTimeInput`). A local `at` gives a call without `timeZone` its zone.
   */
  at?: CallTimeInput;
  /** The recipient's IANA time zone (for {@link ScheduleCallInput.window}). @default `at.timeZone` for a local `at`, else the scheduler's `defaultTimeZone` */
  timeZone?: string;
  /**
   * Allowed local calling hours in `timeZone`; needs a zone. The call is dialed at the first
   * allowed minute at or after `at`. @default the scheduler's `window`
   */
  window?: CallingWindow;
  /**
   * No dial at or after this instant. A call whose window does not open before it is stored
   * `expired` at once (code `CALL_EXPIRED`) and never dialed.
   */
  expiresAt?: TimeInput;
  /** Retries by outcome; omitted means the scheduler's default. */
  retry?: RetryPolicy;
  /**
   * Scheduling twice with the same key returns the first call instead of a second one (with
   * `schedule()`, a key reused for another number is refused with `IDEMPOTENCY_CONFLICT`).
   */
  idempotencyKey?: string;
  /** Your data, returned with the call (a JSON object, at most 16 KiB). */
  metadata?: JsonObject;
}

/** The validated, normalized form of {@link ScheduleCallInput} (times in epoch ms). */
export interface ParsedScheduleCallInput {
  /** E.164. */
  readonly to: string;
  /** Epoch ms, or `undefined` for now. */
  readonly at: number | undefined;
  /** IANA zone or `undefined`. */
  readonly timeZone: string | undefined;
  /** Window or `undefined`. */
  readonly window: CallingWindow | undefined;
  /** Epoch ms or `undefined`. */
  readonly expiresAt: number | undefined;
  /** Policy or `undefined`. */
  readonly retry: RetryPolicy | undefined;
  /** Key or `undefined`. */
  readonly idempotencyKey: string | undefined;
  /** Metadata or `undefined`. */
  readonly metadata: JsonObject | undefined;
}

/**
 * The zod schema of {@link ScheduleCallInput}. Unknown fields are refused, so that a typo such as
 * `tz` is reported instead of ignored. A local `at` gives a zone-less call its `timeZone`
 * (`withTimeZoneFromLocalAt`).
 */
export const scheduleCallInputSchema = z.preprocess(
  withTimeZoneFromLocalAt,
  z
    .object({
      /** The number, normalized to E.164. */
      to: phoneNumberSchema,
      /** When to dial: an instant or a local time. */
      at: scheduleAtSchema.optional(),
      /** The recipient's IANA time zone. */
      timeZone: timeZoneSchema.optional(),
      /** Allowed local calling hours. */
      window: callingWindowSchema.optional(),
      /** No dial at or after this instant. */
      expiresAt: timeInputSchema.optional(),
      /** Retries by outcome. */
      retry: retryPolicySchema.optional(),
      /** De-duplicates scheduling. */
      idempotencyKey: idempotencyKeySchema.optional(),
      /** Your JSON object, at most 16 KiB. */
      metadata: metadataSchema.optional(),
    })
    .strict()
    .superRefine((input, ctx) => {
      if (input.window !== undefined && input.timeZone === undefined) {
        ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'is required when a window is given' });
      }
    }),
);

/** Converts zod issues to {@link InputIssue}s with dotted paths. */
export function toInputIssues(error: z.ZodError, prefix: readonly (string | number)[] = []): InputIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
    rule: issue.code,
  }));
}

/** An `INVALID_INPUT` error whose message names every field at fault. */
export function invalidInput(issues: readonly InputIssue[], what = 'input'): CallSchedulerError {
  const summary = issues
    .slice(0, 5)
    .map((i) => (i.path === '' ? i.message : `${i.path} ${i.message}`))
    .join('; ');
  return new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid ${what}: ${summary}`, { issues });
}

/**
 * Parses `value` with `schema`, or throws an `INVALID_INPUT` {@link CallSchedulerError} with one
 * issue per field. `prefix` is put in front of every path (e.g. `[3]` for the fourth input of a batch).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = 'input',
  prefix: readonly (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(toInputIssues(result.error, prefix), what);
  return result.data;
}

/**
 * {@link parseInput} for the options of a constructor (a store, a provider, a router): an unknown
 * option is an issue at its own path (`timeout`), so that a misspelt option is named, not only
 * mentioned in the message.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue): InputIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].map(String).join('.'), message: 'is not a known option', rule: issue.code }))
      : [{ path: issue.path.map(String).join('.'), message: issue.message, rule: issue.code }],
  );
  throw invalidInput(issues, what);
}

/** Validates and normalizes one {@link ScheduleCallInput}; throws `INVALID_INPUT`. */
export function parseScheduleCallInput(value: unknown, prefix: readonly (string | number)[] = []): ParsedScheduleCallInput {
  const fast = parseCommonScheduleCallInput(value);
  if (fast !== undefined) return fast;
  const data = parseInput(scheduleCallInputSchema, value, 'call', prefix);
  return {
    to: data.to,
    at: data.at,
    timeZone: data.timeZone,
    window: data.window,
    expiresAt: data.expiresAt,
    retry: data.retry,
    idempotencyKey: data.idempotencyKey,
    metadata: data.metadata,
  };
}

/** What {@link idempotencyKeySchema} accepts, as one test: 1 to 255 printable ASCII characters. */
const PRINTABLE_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The fast path of {@link parseScheduleCallInput} for the common input: a plain object with only
 * `to` (already in E.164), `at` (epoch ms or a `Date`) and `idempotencyKey`. It answers exactly
 * what {@link scheduleCallInputSchema} would, or `undefined` for anything else (any other field, any
 * other form, any value the schema refuses), which the schema then parses, so that every error
 * comes from the one slow path. `schedule-input-fast-path.test.ts` checks both paths agree.
 */
export function parseCommonScheduleCallInput(value: unknown): ParsedScheduleCallInput | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  let to: unknown;
  let at: unknown;
  let idempotencyKey: unknown;
  for (const key of Object.keys(value)) {
    if (key === 'to') to = (value as { readonly to: unknown }).to;
    else if (key === 'at') at = (value as { readonly at: unknown }).at;
    else if (key === 'idempotencyKey') idempotencyKey = (value as { readonly idempotencyKey: unknown }).idempotencyKey;
    else return undefined;
  }
  if (typeof to !== 'string' || !isE164Shaped(to)) return undefined;
  let atMs: number | undefined;
  if (typeof at === 'number') {
    if (!Number.isSafeInteger(at) || at < 0 || at > MAX_EPOCH_MS) return undefined;
    atMs = at;
  } else if (at instanceof Date) {
    const ms = at.getTime();
    if (!(ms >= 0 && ms <= MAX_EPOCH_MS)) return undefined;
    atMs = ms;
  } else if (at !== undefined) {
    return undefined;
  }
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !PRINTABLE_KEY.test(idempotencyKey))) return undefined;
  const e164 = normalizePhoneNumber(to);
  if (e164 === null) return undefined;
  return {
    to: e164,
    at: atMs,
    timeZone: undefined,
    window: undefined,
    expiresAt: undefined,
    retry: undefined,
    idempotencyKey,
    metadata: undefined,
  };
}

import {
  listCallsQuerySchema as coreListCallsQuerySchema,
  CALL_STATUSES,
  TERMINAL_CALL_STATUSES,
  callingWindowSchema,
  idempotencyKeySchema,
  jsonScheduleAtSchema,
  jsonTimeSchema,
  metadataSchema,
  phoneNumberSchema,
  retryPolicySchema,
  timeZoneSchema,
} from '@call-scheduler/core';
import { z } from 'zod';

/**
 * The last instant JSON can carry as an RFC 3339 date-time (`9999-12-31T23:59:59.999Z`): a later
 * one would be written with a six-digit year that clients do not parse.
 */
export const MAX_HTTP_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const beforeYear10000 = { message: 'must be before the year 10000' };
const isRfc3339Time = (ms: number): boolean => ms <= MAX_HTTP_TIME_MS;

/** Core's `jsonTimeSchema`, limited to {@link MAX_HTTP_TIME_MS} (epoch ms beyond it are refused). */
export const httpTimeSchema = jsonTimeSchema.refine(isRfc3339Time, beforeYear10000);

/**
 * Core's `jsonScheduleAtSchema` (an instant, or a local wall-clock time
 * `{ local, timeZone, disambiguation? }`), limited to {@link MAX_HTTP_TIME_MS}.
 */
export const httpScheduleAtSchema = jsonScheduleAtSchema.refine(isRfc3339Time, beforeYear10000);

/**
 * The body of `POST /calls`, built from core's own field schemas so that the HTTP API validates
 * and documents exactly what `CallScheduler.schedule` accepts. Times are ISO 8601 strings with `Z`
 * or an offset, or epoch milliseconds.
 */
export const createCallBodySchema = z
  .strictObject({
    /** The number to dial, international format (normalized to E.164). */
    to: phoneNumberSchema.describe('The number to dial, international format (normalized to E.164).'),
    /** When to dial: an instant, or a local time `{ local, timeZone }` (which also gives a call without `timeZone` its zone); omitted means now. */
    at: httpScheduleAtSchema
      .optional()
      .describe('When to dial: an instant, or a local time `{ local, timeZone }` (which also gives a call without `timeZone` its zone); omitted means now.'),
    /** The recipient's IANA time zone; required with `window`. */
    timeZone: timeZoneSchema.optional().describe("The recipient's IANA time zone; required with `window`."),
    /** Allowed local calling hours in `timeZone`. */
    window: callingWindowSchema.optional().describe('Allowed local calling hours in `timeZone`.'),
    /** No dial after this time: the call ends `expired` instead. */
    expiresAt: httpTimeSchema.optional().describe('No dial after this time: the call ends `expired` instead.'),
    /** Retries by outcome. */
    retry: retryPolicySchema.optional().describe('Retries by outcome.'),
    /** Scheduling twice with the same key returns the first call (same as the `Idempotency-Key` header). */
    idempotencyKey: idempotencyKeySchema
      .optional()
      .describe('Scheduling twice with the same key returns the first call (same as the `Idempotency-Key` header).'),
    /** Your data, returned with the call (a JSON object, at most 16 KiB). */
    metadata: metadataSchema.optional().describe('Your data, returned with the call (a JSON object, at most 16 KiB).'),
  })
  .superRefine((input, ctx) => {
    if (input.window !== undefined && input.timeZone === undefined) {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'is required when a window is given' });
    }
  });

/** The body of `PATCH /calls/{id}`: the fields to change; at least one. */
export const rescheduleBodySchema = z
  .strictObject({
    /** New time: an instant or a local time `{ local, timeZone }`. */
    at: httpScheduleAtSchema.optional().describe('New time: an instant or a local time `{ local, timeZone }`.'),
    /** New recipient time zone; `null` clears it. */
    timeZone: timeZoneSchema.nullable().optional().describe('New recipient time zone; `null` clears it.'),
    /** New calling window; `null` clears it. */
    window: callingWindowSchema.nullable().optional().describe('New calling window; `null` clears it.'),
    /** New expiry; `null` clears it. */
    expiresAt: httpTimeSchema.nullable().optional().describe('New expiry; `null` clears it.'),
    /** New retry policy; `null` for the scheduler's default. */
    retry: retryPolicySchema.nullable().optional().describe("New retry policy; `null` for the scheduler's default."),
    /** New metadata (replaces the old); `null` clears it. */
    metadata: metadataSchema.nullable().optional().describe('New metadata (replaces the old); `null` clears it.'),
  })
  .refine((change) => Object.values(change).some((value) => value !== undefined), {
    message: 'must change at least one of at, timeZone, window, expiresAt, retry, metadata',
  });

/** A time in a query string: ISO 8601 with `Z` or an offset, or epoch milliseconds as digits. */
export const queryTimeSchema = z.union([
  httpTimeSchema,
  z
    .string()
    .regex(/^\d{1,16}$/, { message: 'must be an ISO 8601 date-time with Z or an offset, or epoch milliseconds' })
    .transform(Number)
    .pipe(z.number().int().min(0).max(MAX_HTTP_TIME_MS, beforeYear10000)),
]);

/**
 * The query string of `GET /calls` as text: each parameter decoded to what core's
 * `listCallsQuerySchema` takes (a comma list of statuses to a list, epoch-ms digits and `limit` to
 * numbers, times limited to {@link MAX_HTTP_TIME_MS}), with no rule of its own beyond that:
 * {@link listCallsQuerySchema} pipes it into core's schema, the one list query schema. Unknown
 * parameters are refused by name. It also documents the parameters in the OpenAPI document.
 */
export const listCallsQueryTextSchema = z.strictObject({
  /** Only calls in one of these statuses (a comma-separated list). */
  status: z
    .string()
    .describe(`Comma-separated statuses: ${CALL_STATUSES.join(', ')}.`)
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .optional(),
  /** Only calls to this number (a `+` may be sent unencoded). */
  to: z.string().optional().describe('Only calls to this number (a `+` may be sent unencoded).'),
  /** Only calls whose `at` is at or after this time. */
  from: queryTimeSchema.optional().describe('Only calls whose `at` is at or after this time.'),
  /** Only calls whose `at` is before this time. */
  until: queryTimeSchema.optional().describe('Only calls whose `at` is before this time.'),
  /** Page size, 1 to 1000 (default 50). */
  limit: z
    .string()
    .regex(/^\d{1,4}$/, { message: 'must be a whole number from 1 to 1000' })
    .transform(Number)
    .optional()
    .describe('Page size, 1 to 1000 (default 50).'),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().optional().describe('The `nextCursor` of the previous page.'),
  /** By creation: `desc` (newest first, the default) or `asc`. */
  order: z.string().optional().describe('By creation: `desc` (newest first, the default) or `asc`.'),
});

/**
 * The query of `GET /calls`: the text decoded by {@link listCallsQueryTextSchema}, then checked by
 * core's `listCallsQuerySchema` (statuses, number, time range, page size, cursor, order), whose
 * output it gives.
 */
export const listCallsQuerySchema = listCallsQueryTextSchema.pipe(
  // Core's schema checks the decoded words itself (an unknown status or order is its error).
  coreListCallsQuerySchema as unknown as z.ZodType<z.output<typeof coreListCallsQuerySchema>, z.output<typeof listCallsQueryTextSchema>>,
);

/** An SSE event id: an event's opaque cursor (printable ASCII, no spaces); the store checks it is one of its own. */
export const eventIdSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be an event id received from this stream' });

/** The query of `GET /events`. Unknown parameters are refused. */
export const eventsQuerySchema = z.strictObject({
  /** Resume after this event id (the `Last-Event-ID` header wins when both are given). */
  lastEventId: eventIdSchema.optional().describe('Resume after this event id (the `Last-Event-ID` header wins when both are given).'),
  /** Only the events of this call. */
  callId: z.string().min(1).max(128).optional().describe('Only the events of this call.'),
});

/** The JSON body of `POST /webhooks/call-status` with the default parser. */
export const providerStatusBodySchema = z.object({
  /** The provider's id of the call. */
  providerCallId: z.string().min(1).max(256).describe("The provider's id of the call."),
  /** The provider's status word (`ringing`, `in-progress`, `completed`, ...). */
  status: z.string().min(1).max(64).describe("The provider's status word (`ringing`, `in-progress`, `completed`, ...)."),
  /** Talk time in seconds. */
  durationSeconds: z.number().min(0).max(1e9).nullable().optional().describe('Talk time in seconds.'),
});

/** The schema of a call id in a path. */
export const callIdParamSchema = z.string().min(1).max(128).describe('The call id.');

const terminalStatuses = CALL_STATUSES.filter((status) => TERMINAL_CALL_STATUSES.has(status));

/** The body of `POST /calls/purge`: delete the calls that ended before a time. */
export const purgeBodySchema = z.strictObject({
  /** Delete the calls that ended before this instant (not after now): ISO 8601 with `Z` or an offset, or epoch ms. */
  endedBefore: httpTimeSchema.describe('Delete the calls that ended before this instant (not after now): ISO 8601 with `Z` or an offset, or epoch ms.'),
  /** Only calls in these ended statuses (default: every ended status). */
  statuses: z
    .array(z.enum(terminalStatuses, { message: `must be an ended status: one of ${terminalStatuses.join(', ')}` }))
    .min(1, { message: 'must list at least one status' })
    .max(terminalStatuses.length * 4)
    .optional()
    .describe(`Only calls in these ended statuses (default: every ended status): ${terminalStatuses.join(', ')}.`),
});

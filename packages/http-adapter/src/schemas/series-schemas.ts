import {
  CALL_SERIES_STATUSES,
  callingWindowSchema,
  changeSeriesInputSchema,
  retryPolicySchema,
  scheduleSeriesInputSchema,
  type CallSeries,
  type CallSeriesStatus,
} from '@call-scheduler/core';
import { z } from 'zod';
import { httpScheduleAtSchema } from './request-schemas.js';
import { callSchema } from './response-schemas.js';

const createShape = scheduleSeriesInputSchema.shape;
const changeShape = changeSeriesInputSchema.shape;
const time = z.iso.datetime({ offset: false });
const jsonObject = z.record(z.string(), z.json());

/** The descriptions of the series fields, shared by the create, change and response schemas. */
const SAYS = {
  to: 'The number every occurrence dials, international format (normalized to E.164).',
  cron: 'Five-field cron pattern `minute hour day-of-month month day-of-week`, read on the wall clocks of `timeZone` (`0 9 * * MON-FRI` is weekdays at 09:00).',
  timeZone: "The recipient's IANA time zone: the pattern, `skipDates` and `window` are read in it.",
  disambiguation: 'How a matched time in a DST gap or overlap becomes an instant (default `compatible`).',
  startAt: 'No occurrence before this time (inclusive): an instant or a local time `{ local, timeZone }`; default: when the series is created.',
  endAt: 'No occurrence after this time (inclusive): an instant or a local time `{ local, timeZone }`; default: no end.',
  count: 'The series ends after this many occurrence calls; default: no limit.',
  window: 'Allowed local calling hours of each occurrence, in `timeZone`.',
  expiresAfter: 'Each occurrence expires this many ms after its time (ends `expired` if not dialed by then).',
  retry: 'Retries by outcome of each occurrence.',
  skipDates: 'Local dates `YYYY-MM-DD` (in `timeZone`) with no occurrence, such as holidays.',
  catchUp: 'Occurrences missed while no scheduler ran: `skip` (default) creates none, `latest` the most recent, `all` each of them.',
  metadata: 'Your data, copied onto every occurrence call (a JSON object, at most 16 KiB).',
  idempotencyKey: 'Scheduling a series twice with the same key returns the first series (same as the `Idempotency-Key` header).',
} as const;

/** The fields of a series as JSON: core's field schemas, with `startAt` and `endAt` as JSON times. */
const seriesBodyShape = {
  /** The number to dial. */
  to: createShape.to.describe(SAYS.to),
  /** The pattern. */
  cron: createShape.cron.describe(SAYS.cron),
  /** The recipient's zone. */
  timeZone: createShape.timeZone.describe(SAYS.timeZone),
  /** DST rule. */
  disambiguation: createShape.disambiguation.describe(SAYS.disambiguation),
  /** First possible occurrence. */
  startAt: httpScheduleAtSchema.optional().describe(SAYS.startAt),
  /** Last possible occurrence. */
  endAt: httpScheduleAtSchema.optional().describe(SAYS.endAt),
  /** Calls in all. */
  count: createShape.count.describe(SAYS.count),
  /** Calling hours. */
  window: createShape.window.describe(SAYS.window),
  /** Expiry after each occurrence. */
  expiresAfter: createShape.expiresAfter.describe(SAYS.expiresAfter),
  /** Retries. */
  retry: createShape.retry.describe(SAYS.retry),
  /** Skipped local dates. */
  skipDates: createShape.skipDates.describe(SAYS.skipDates),
  /** Catch-up policy. */
  catchUp: createShape.catchUp.describe(SAYS.catchUp),
  /** Your data. */
  metadata: createShape.metadata.describe(SAYS.metadata),
  /** De-duplicates scheduling. */
  idempotencyKey: createShape.idempotencyKey.describe(SAYS.idempotencyKey),
};

function endAfterStart(input: { readonly startAt?: number | undefined; readonly endAt?: number | undefined }, ctx: z.RefinementCtx): void {
  if (input.startAt !== undefined && input.endAt !== undefined && input.endAt < input.startAt) {
    ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must not be before startAt' });
  }
}

/**
 * The body of `POST /series`: core's `scheduleSeriesInputSchema` field for field, with `startAt`
 * and `endAt` as JSON (an ISO 8601 string with `Z` or an offset, epoch ms, or
 * `{ local, timeZone }`; no `Date`), so that the HTTP API validates and documents what
 * `CallScheduler.scheduleSeries` accepts. The scheduler checks the body again (and that the
 * series has an occurrence).
 */
export const createSeriesBodySchema = z.strictObject(seriesBodyShape).superRefine(endAfterStart);

/**
 * The body of `POST /series/preview`: that of `POST /series`, where `to` may be left out (the
 * occurrences do not depend on it; a form can preview before the number is typed).
 */
export const previewSeriesBodySchema = z
  .strictObject({ ...seriesBodyShape, to: createShape.to.optional().describe(`${SAYS.to} Optional here: the occurrences do not depend on it.`) })
  .superRefine(endAfterStart);

/**
 * The body of `PATCH /series/{id}`: core's `changeSeriesInputSchema` with JSON times. Any of the
 * rule and policy fields; `null` clears an optional one; at least one field.
 */
export const changeSeriesBodySchema = z
  .strictObject({
    /** New pattern. */
    cron: changeShape.cron.describe(`New pattern. ${SAYS.cron}`),
    /** New zone. */
    timeZone: changeShape.timeZone.describe(`New zone. ${SAYS.timeZone}`),
    /** New DST rule. */
    disambiguation: changeShape.disambiguation.describe('New DST gap and overlap rule.'),
    /** New start, or `null`. */
    startAt: httpScheduleAtSchema.nullable().optional().describe('New first possible occurrence time, or `null` for none.'),
    /** New end, or `null`. */
    endAt: httpScheduleAtSchema.nullable().optional().describe('New last possible occurrence time, or `null` for no end.'),
    /** New count, or `null`. */
    count: changeShape.count.describe('New number of calls in all, or `null` for no limit.'),
    /** New window, or `null`. */
    window: changeShape.window.describe("New calling window of each occurrence, or `null` for the scheduler's."),
    /** New expiry, or `null`. */
    expiresAfter: changeShape.expiresAfter.describe('New expiry after each occurrence (ms), or `null` for none.'),
    /** New retry policy, or `null`. */
    retry: changeShape.retry.describe("New retry policy, or `null` for the scheduler's."),
    /** New skipped dates. */
    skipDates: changeShape.skipDates.describe('New skipped local dates (replaces the list).'),
    /** New catch-up policy. */
    catchUp: changeShape.catchUp.describe('New catch-up policy.'),
    /** New metadata, or `null`. */
    metadata: changeShape.metadata.describe('New metadata (replaces the old), or `null` to clear it.'),
  })
  .refine((change) => Object.values(change).some((value) => value !== undefined), { message: 'must change at least one field' })
  .superRefine((input, ctx) => {
    if (typeof input.startAt === 'number' && typeof input.endAt === 'number' && input.endAt < input.startAt) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must not be before startAt' });
    }
  });

/** A whole number from 1 to `max`, as a query parameter. */
function pageSize(max: number) {
  const message = `must be a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,7}$/, { message })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, { message })
    .optional();
}

/** The largest `limit` of `POST /series/preview`. */
export const MAX_SERIES_PREVIEW = 50;

/** The query of `POST /series/preview`. */
export const previewSeriesQuerySchema = z.strictObject({
  /** How many occurrences, 1 to 50 (default 5). */
  limit: pageSize(MAX_SERIES_PREVIEW).describe(`How many occurrences, 1 to ${MAX_SERIES_PREVIEW} (default 5).`),
});

/** The query of `GET /series`. Unknown parameters are refused. */
export const listSeriesQuerySchema = z.strictObject({
  /** Only series in this status. */
  status: z
    .enum(CALL_SERIES_STATUSES as [CallSeriesStatus, ...CallSeriesStatus[]], { message: `must be one of ${CALL_SERIES_STATUSES.join(', ')}` })
    .optional()
    .describe(`Only series in this status: ${CALL_SERIES_STATUSES.join(', ')}.`),
  /** Page size. */
  limit: pageSize(1000).describe('Page size, 1 to 1000 (default 50).'),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(512).optional().describe('The `nextCursor` of the previous page.'),
});

/** The query of `GET /series/{id}`: a page of its occurrence calls. */
export const getSeriesQuerySchema = z.strictObject({
  /** Occurrence calls per page. */
  limit: pageSize(1000).describe('Occurrence calls to include, 1 to 1000 (default 100), latest first.'),
  /** The `occurrencesCursor` of the previous answer. */
  cursor: z.string().min(1).max(512).optional().describe('The `occurrencesCursor` of the previous answer, for older occurrences.'),
});

/** The schema of a series id in a path. */
export const seriesIdParamSchema = z.string().min(1).max(128).describe('The series id.');

/** A series as the HTTP API returns it (times as ISO 8601 UTC strings). */
export const seriesSchema = z.object({
  /** Stable id. */
  id: z.string().describe('Stable id (a time-ordered UUID v7).'),
  /** E.164. */
  to: z.string().describe('The number every occurrence dials, E.164.'),
  /** The pattern. */
  cron: z.string().describe(SAYS.cron),
  /** The zone. */
  timeZone: z.string().describe(SAYS.timeZone),
  /** DST rule. */
  disambiguation: z.string().describe('How a matched time in a DST gap or overlap becomes an instant.'),
  /** Start bound. */
  startAt: time.nullable().describe('No occurrence before this instant, or `null`.'),
  /** End bound. */
  endAt: time.nullable().describe('No occurrence after this instant, or `null`.'),
  /** Calls in all. */
  count: z.number().int().nullable().describe('The series ends after this many calls, or `null` for no limit.'),
  /** Skipped dates. */
  skipDates: z.array(z.string()).describe(SAYS.skipDates),
  /** Canceled single occurrences. */
  excludedOccurrences: z.array(time).describe('Single occurrences canceled before their call existed.'),
  /** Catch-up policy. */
  catchUp: z.enum(['skip', 'latest', 'all']).describe(SAYS.catchUp),
  /** Calling hours. */
  window: callingWindowSchema.nullable(),
  /** Expiry after each occurrence. */
  expiresAfter: z.number().int().nullable().describe('Each occurrence expires this many ms after its time, or `null` for never.'),
  /** Retries. */
  retry: retryPolicySchema.nullable(),
  /** Your data. */
  metadata: jsonObject.nullable(),
  /** The idempotency key. */
  idempotencyKey: z.string().nullable(),
  /** Status. */
  status: z.enum(CALL_SERIES_STATUSES as [CallSeriesStatus, ...CallSeriesStatus[]]),
  /** Next occurrence without a call. */
  nextOccurrenceAt: time.nullable().describe('The next occurrence without a call yet; `null` once the series has ended.'),
  /** Latest occurrence with a call. */
  lastOccurrenceAt: time.nullable().describe('The latest occurrence with a call, or `null`.'),
  /** Calls created. */
  occurrencesCreated: z.number().int().min(0).describe('How many occurrence calls the series has created.'),
  /** Why it ended. */
  endReason: z.enum(['count', 'endAt', 'exhausted', 'canceled']).nullable().describe('Why the series ended, or `null`.'),
  /** Created. */
  createdAt: time,
  /** Last changed. */
  updatedAt: time,
  /** Ended. */
  endedAt: time.nullable(),
});

/** `GET /series/{id}`: the series and a page of its occurrence calls. */
export const seriesWithOccurrencesSchema = seriesSchema.extend({
  /** Its occurrence calls, latest first. */
  occurrences: z.array(callSchema).describe('Its occurrence calls (each an ordinary call with its status), latest occurrence first.'),
  /** Cursor of older occurrences. */
  occurrencesCursor: z.string().nullable().describe('Pass as `cursor` for older occurrences; `null` when there are none.'),
});

/** A page of series (`GET /series`). */
export const seriesPageSchema = z.object({
  /** The series of this page. */
  items: z.array(seriesSchema),
  /** Cursor of the next page. */
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; `null` on the last page.'),
});

/** One previewed occurrence. */
export const seriesPreviewOccurrenceSchema = z.object({
  /** The instant. */
  at: time.describe('The occurrence instant.'),
  /** The wall-clock time in the series' zone. */
  local: z.string().describe("The occurrence on the recipient's clocks, `YYYY-MM-DDTHH:MM` in `timeZone`."),
});

/** The answer of `POST /series/preview`. */
export const seriesPreviewSchema = z.object({
  /** The zone the local times are in. */
  timeZone: z.string().describe('The zone of the `local` times.'),
  /** The next occurrences. */
  occurrences: z.array(seriesPreviewOccurrenceSchema).describe('The next occurrences from now (or `startAt`), earliest first.'),
});

/** The `data` of a `series:*` Server-Sent Event on `GET /events`. */
export const seriesEventMessageSchema = z
  .object({
    /** The series after the change. */
    series: seriesSchema,
    /** For `series:occurrence`: the occurrence call. */
    call: callSchema.optional().describe('For `series:occurrence`: the occurrence call.'),
  })
  .catchall(z.json())
  .describe(
    'Also the extras of the event: `occurrenceAt` and `missed` (`series:occurrence`), `first` and `last` (`series:skipped`), `canceledCallIds` (`series:paused`, `series:changed`, `series:ended`), `reason` (`series:ended`).',
  );

/** A series as JSON. */
export type CallSeriesJson = z.output<typeof seriesSchema>;

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A {@link CallSeries} as JSON: the library's field names, times as ISO 8601 UTC strings. */
export function seriesToJson(series: CallSeries): CallSeriesJson {
  return {
    id: series.id,
    to: series.to,
    cron: series.cron,
    timeZone: series.timeZone,
    disambiguation: series.disambiguation,
    startAt: isoOrNull(series.startAt),
    endAt: isoOrNull(series.endAt),
    count: series.count,
    skipDates: [...series.skipDates],
    excludedOccurrences: series.excludedOccurrences.map(iso),
    catchUp: series.catchUp,
    window: series.window,
    expiresAfter: series.expiresAfter,
    retry: series.retry,
    metadata: series.metadata,
    idempotencyKey: series.idempotencyKey,
    status: series.status,
    nextOccurrenceAt: isoOrNull(series.nextOccurrenceAt),
    lastOccurrenceAt: isoOrNull(series.lastOccurrenceAt),
    occurrencesCreated: series.occurrencesCreated,
    endReason: series.endReason,
    createdAt: iso(series.createdAt),
    updatedAt: iso(series.updatedAt),
    endedAt: isoOrNull(series.endedAt),
  };
}

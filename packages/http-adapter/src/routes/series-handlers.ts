import type { CallSeries, ChangeSeriesInput, ListCallsQuery, ScheduleSeriesInput } from '@call-scheduler/core';
import { ErrorCode, idempotencyKeySchema, isCallSchedulerError } from '@call-scheduler/core';
import { hasSeries, type CallRouterSeriesScheduler } from '../call-router-series.js';
import { HttpProblem, invalidInputProblem } from '../http/problem.js';
import { missingBodyProblem, readJsonBody } from '../http/read-json-body.js';
import { sendJson } from '../http/send.js';
import { parseOrProblem } from '../schemas/field-problems.js';
import * as seriesSchemas from '../schemas/series-schemas.js';
import { callToJson } from '../schemas/to-json.js';
import { parseQuery, withoutUndefined } from './call-handlers.js';
import type { RouteContext } from './route-context.js';
import { seriesEmitter } from './series-events.js';

/** The code of the 404 problem for an unknown series id. */
export const SERIES_NOT_FOUND = 'SERIES_NOT_FOUND';

function seriesScheduler(ctx: RouteContext): CallRouterSeriesScheduler {
  const { scheduler } = ctx.settings;
  if (!hasSeries(scheduler)) throw new HttpProblem(501, ErrorCode.NOT_SUPPORTED, 'This scheduler has no recurring calls');
  return scheduler;
}

function seriesId(ctx: RouteContext): string {
  const id = ctx.params['id'];
  if (id === undefined) throw new Error('route without an id parameter');
  return id;
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, SERIES_NOT_FOUND, `No series with id ${JSON.stringify(id.slice(0, 128))}`);
}

/** Runs a series command; a not-found error from the scheduler (any code ending in `NOT_FOUND`) becomes a 404 naming the series. */
async function command(id: string, run: () => Promise<CallSeries>): Promise<CallSeries> {
  try {
    return await run();
  } catch (error) {
    if (isCallSchedulerError(error) && error.code.endsWith('NOT_FOUND')) throw notFound(id);
    throw error;
  }
}

function location(ctx: RouteContext, id: string): string {
  return `${ctx.url.mountPath}${ctx.settings.basePath}/series/${encodeURIComponent(id)}`;
}

async function body(ctx: RouteContext): Promise<unknown> {
  const read = await readJsonBody(ctx.req, { limit: ctx.settings.bodyLimit });
  if (!read.present) throw missingBodyProblem();
  return read.value;
}

/**
 * `POST /series`: 201 with the new series and a `Location`; 200 with the earlier series when the
 * idempotency key (header or field) was used before.
 */
export async function createSeries(ctx: RouteContext): Promise<void> {
  const scheduler = seriesScheduler(ctx);
  const header = ctx.req.headers['idempotency-key'];
  if (Array.isArray(header)) throw invalidInputProblem([{ path: 'headers.idempotency-key', message: 'must be given once', rule: 'duplicate' }], 'headers');
  const value = await body(ctx);
  const input = parseOrProblem(seriesSchemas.createSeriesBodySchema, value, 'series');
  let idempotencyKey = input.idempotencyKey;
  if (header !== undefined) {
    const headerKey = parseOrProblem(idempotencyKeySchema, header, 'Idempotency-Key header', 'headers.idempotency-key');
    if (idempotencyKey !== undefined && idempotencyKey !== headerKey) {
      throw invalidInputProblem([{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header', rule: 'custom' }], 'series');
    }
    idempotencyKey = headerKey;
  }
  // As sent (validated above): the scheduler parses it again, so that local times keep their meaning.
  const scheduleInput = withoutUndefined({ ...(value as Record<string, unknown>), idempotencyKey }) as unknown as ScheduleSeriesInput;
  // A series is new when its `series:scheduled` event was emitted during this request (or, failing
  // that, when it was created no earlier than this request by the scheduler's clock).
  const requestedAt = ctx.settings.scheduler.clock.now();
  const scheduledIds = new Set<string>();
  const emitter = seriesEmitter(scheduler);
  const onScheduled = (payload: unknown): void => {
    const id = (payload as { series?: { id?: unknown } } | null)?.series?.id;
    if (typeof id === 'string') scheduledIds.add(id);
  };
  let series: CallSeries;
  if (idempotencyKey === undefined) {
    series = await scheduler.scheduleSeries(scheduleInput);
  } else {
    emitter.on('series:scheduled', onScheduled);
    try {
      series = await scheduler.scheduleSeries(scheduleInput);
    } finally {
      emitter.off('series:scheduled', onScheduled);
    }
  }
  const created = idempotencyKey === undefined || scheduledIds.has(series.id) || series.createdAt.getTime() > requestedAt;
  sendJson(ctx.res, created ? 201 : 200, seriesSchemas.seriesToJson(series), created ? { Location: location(ctx, series.id) } : {});
}

/** `GET /series`: a page of series, newest first. */
export async function listSeries(ctx: RouteContext): Promise<void> {
  const scheduler = seriesScheduler(ctx);
  const query = parseQuery(ctx, seriesSchemas.listSeriesQuerySchema);
  const page = await scheduler.listSeries(withoutUndefined({ status: query.status, limit: query.limit, cursor: query.cursor }));
  sendJson(ctx.res, 200, { items: page.items.map(seriesSchemas.seriesToJson), nextCursor: page.nextCursor });
}

/** `GET /series/{id}`: the series and a page of its occurrence calls (latest first) with their statuses. */
export async function getSeries(ctx: RouteContext): Promise<void> {
  const scheduler = seriesScheduler(ctx);
  const id = seriesId(ctx);
  const query = parseQuery(ctx, seriesSchemas.getSeriesQuerySchema);
  const series = await scheduler.getSeries(id);
  if (series === undefined) throw notFound(id);
  const occurrencesQuery: ListCallsQuery & { readonly seriesId: string } = {
    seriesId: id,
    limit: query.limit ?? 100,
    order: 'desc',
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  };
  const page = await ctx.settings.scheduler.list(occurrencesQuery);
  sendJson(ctx.res, 200, { ...seriesSchemas.seriesToJson(series), occurrences: page.items.map(callToJson), occurrencesCursor: page.nextCursor });
}

/** `PATCH /series/{id}`: changes the rule or policies; 409 once the series has ended. */
export async function changeSeries(ctx: RouteContext): Promise<void> {
  const scheduler = seriesScheduler(ctx);
  const id = seriesId(ctx);
  const value = await body(ctx);
  parseOrProblem(seriesSchemas.changeSeriesBodySchema, value, 'series change');
  // As sent (validated above), so that a local time keeps its meaning for the scheduler.
  const series = await command(id, () => scheduler.changeSeries(id, value as ChangeSeriesInput));
  sendJson(ctx.res, 200, seriesSchemas.seriesToJson(series));
}

/** A `POST /series/{id}/<action>` handler: runs `run` on the series and answers 200 with it (404 for an unknown id). */
function seriesAction(run: (scheduler: CallRouterSeriesScheduler, id: string) => Promise<CallSeries>): (ctx: RouteContext) => Promise<void> {
  return async (ctx) => {
    const scheduler = seriesScheduler(ctx);
    const id = seriesId(ctx);
    sendJson(ctx.res, 200, seriesSchemas.seriesToJson(await command(id, () => run(scheduler, id))));
  };
}

/** `POST /series/{id}/pause`: 409 unless the series is active. */
export const pauseSeries = seriesAction((scheduler, id) => scheduler.pauseSeries(id));

/** `POST /series/{id}/resume`: 409 unless the series is paused. */
export const resumeSeries = seriesAction((scheduler, id) => scheduler.resumeSeries(id));

/** `POST /series/{id}/cancel`: ends the series; 409 when it has ended. */
export const endSeries = seriesAction((scheduler, id) => scheduler.endSeries(id));

const localFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DDTHH:MM` of `date` on the wall clocks of `timeZone`. */
export function localTimeOf(date: Date, timeZone: string): string {
  let format = localFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    if (localFormats.size > 500) localFormats.clear();
    localFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}`;
}

/** The number a preview without `to` is computed with (a fictional US number; nothing is dialed or stored). */
const PREVIEW_PLACEHOLDER_NUMBER = '+12025550100';

/** `POST /series/preview`: the next occurrences of an input (instants and the recipient's wall-clock times); nothing is stored. */
export async function previewSeries(ctx: RouteContext): Promise<void> {
  const scheduler = seriesScheduler(ctx);
  const query = parseQuery(ctx, seriesSchemas.previewSeriesQuerySchema);
  const value = await body(ctx);
  const input = parseOrProblem(seriesSchemas.previewSeriesBodySchema, value, 'series');
  // The occurrences do not depend on the number: a placeholder stands in for one not typed yet.
  const withNumber = input.to === undefined ? { ...(value as Record<string, unknown>), to: PREVIEW_PLACEHOLDER_NUMBER } : value;
  const dates = await scheduler.previewSeries(withNumber as ScheduleSeriesInput, query.limit ?? 5);
  sendJson(ctx.res, 200, {
    timeZone: input.timeZone,
    occurrences: dates.map((date) => ({ at: date.toISOString(), local: localTimeOf(date, input.timeZone) })),
  });
}

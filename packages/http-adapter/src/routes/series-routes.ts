import {
  changeSeriesBodySchema,
  createSeriesBodySchema,
  getSeriesQuerySchema,
  listSeriesQuerySchema,
  previewSeriesBodySchema,
  previewSeriesQuerySchema,
  seriesIdParamSchema,
  seriesPageSchema,
  seriesPreviewSchema,
  seriesSchema,
  seriesWithOccurrencesSchema,
} from '../schemas/series-schemas.js';
import type { z } from 'zod';
import { idempotentScheduling, type CallRoute } from './call-route.js';
import { changeSeries, createSeries, endSeries, getSeries, listSeries, pauseSeries, previewSeries, resumeSeries } from './series-handlers.js';

const idParam = { id: seriesIdParamSchema };

/**
 * A recurring-call route: tagged `series`, and answering 501 besides its own `problems` (a
 * scheduler without the series methods).
 */
function seriesRoute(route: Omit<CallRoute, 'tags'>): CallRoute {
  return { ...route, tags: ['series'], problems: [...route.problems, 501] };
}

/**
 * The body and answers of a route that takes a required JSON body (`body`) and answers 200 with
 * `result` (`description`, `schema`): 400, its own `problems`, and 413 and 415 (a body too large,
 * or not JSON).
 */
function jsonBodyAnswering200(body: z.ZodType, description: string, schema: z.ZodType, problems: readonly number[] = []): Pick<CallRoute, 'body' | 'responses' | 'problems'> {
  return {
    body: { schema: body, required: true },
    responses: { 200: { description, schema } },
    problems: [400, ...problems, 413, 415],
  };
}

/** `POST /series/{id}/<action>`: no body, 200 with the series, 404 for an unknown id, 409 when the series is not in a state the action applies to. */
function seriesActionRoute(action: string, operationId: string, summary: string, description: string, result: string, handle: CallRoute['handle']): CallRoute {
  return seriesRoute({
    method: 'POST',
    path: `/series/{id}/${action}`,
    operationId,
    summary,
    description,
    params: idParam,
    responses: { 200: { description: result, schema: seriesSchema } },
    problems: [404, 409],
    handle,
  });
}

/** The recurring-call routes, served when the scheduler has the series methods. */
export const SERIES_ROUTES: readonly CallRoute[] = [
  seriesRoute({
    method: 'POST',
    path: '/series',
    operationId: 'scheduleSeries',
    summary: 'Schedule a recurring call',
    description:
      'Each occurrence of the cron pattern (read on the wall clocks of `timeZone`, across DST) becomes an ordinary call with its own id, window, expiry and retries. ' +
      'An `Idempotency-Key` header (or `idempotencyKey` field) de-duplicates: a repeat answers 200 with the first series.',
    ...idempotentScheduling('series', seriesSchema),
    body: { schema: createSeriesBodySchema, required: true },
    problems: [400, 409, 413, 415],
    handle: createSeries,
  }),
  seriesRoute({
    method: 'POST',
    path: '/series/preview',
    operationId: 'previewSeries',
    summary: 'The next occurrences of a series, without storing it',
    description: "Takes the body of `POST /series` (`to` may be left out) and answers its next `limit` occurrences from now (or `startAt`), as instants and on the recipient's clocks.",
    query: previewSeriesQuerySchema,
    ...jsonBodyAnswering200(previewSeriesBodySchema, 'The next occurrences.', seriesPreviewSchema),
    handle: previewSeries,
  }),
  seriesRoute({
    method: 'GET',
    path: '/series',
    operationId: 'listSeries',
    summary: 'List series, newest first, a page at a time',
    query: listSeriesQuerySchema,
    responses: { 200: { description: 'A page of series.', schema: seriesPageSchema } },
    problems: [400],
    handle: listSeries,
  }),
  seriesRoute({
    method: 'GET',
    path: '/series/{id}',
    operationId: 'getSeries',
    summary: 'One series with its occurrence calls and their statuses',
    params: idParam,
    query: getSeriesQuerySchema,
    responses: { 200: { description: 'The series and its latest occurrence calls.', schema: seriesWithOccurrencesSchema } },
    problems: [400, 404],
    handle: getSeries,
  }),
  seriesRoute({
    method: 'PATCH',
    path: '/series/{id}',
    operationId: 'changeSeries',
    summary: 'Change the rule or policies of a series',
    description: 'Waiting occurrence calls the new rule no longer has are canceled. 409 once the series has ended.',
    params: idParam,
    ...jsonBodyAnswering200(changeSeriesBodySchema, 'The changed series.', seriesSchema, [404, 409]),
    handle: changeSeries,
  }),
  seriesActionRoute(
    'pause',
    'pauseSeries',
    'Pause an active series',
    'Its waiting occurrence calls are canceled; no occurrence is created while it is paused. 409 unless the series is `active`.',
    'The paused series.',
    pauseSeries,
  ),
  seriesActionRoute(
    'resume',
    'resumeSeries',
    'Resume a paused series',
    'Occurrences resume from now; those that fell while it was paused are not made up. 409 unless the series is `paused`.',
    'The resumed series.',
    resumeSeries,
  ),
  seriesActionRoute(
    'cancel',
    'endSeries',
    'End a series for good',
    'Its waiting occurrence calls are canceled; calls already being dialed go on. 409 when it has already ended.',
    'The ended series.',
    endSeries,
  ),
];

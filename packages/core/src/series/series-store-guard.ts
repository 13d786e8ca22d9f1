// Owns: the argument checks of the SeriesStore methods, and running them under a store's guard
// (GuardedCallStore installs these on a store whose driver has every series method).
import { z } from 'zod';
import { CALL_STATUSES } from '../call/call-status.js';
import { invalidInput, toInputIssues } from '../schema/schedule-input.js';
import { pageLimitSchema } from '../store/store-schemas.js';
import { CALL_SERIES_STATUSES, type CallSeriesStatus, type SeriesStore } from './series-store.js';

const finiteMs = z.number().refine(Number.isFinite, { message: 'must be a finite number of epoch ms' });
const SERIES_STATUSES = [...CALL_SERIES_STATUSES] as [CallSeriesStatus, ...CallSeriesStatus[]];

/** `SeriesStore.listSeries`'s query. */
export const seriesListQuerySchema = z.object({
  statuses: z.array(z.enum(SERIES_STATUSES)).optional(),
  to: z.string().optional(),
  limit: pageLimitSchema,
  cursor: z.string().nullable(),
  order: z.enum(['asc', 'desc']),
});

/** `SeriesStore.listDueSeries`'s options. */
export const dueSeriesQuerySchema = z.object({
  now: finiteMs,
  limit: pageLimitSchema,
});

/** `SeriesStore.listSeriesOccurrences`'s query. */
export const seriesOccurrencesQuerySchema = z.object({
  seriesId: z.string().min(1),
  statuses: z.array(z.enum(CALL_STATUSES)).optional(),
  limit: pageLimitSchema,
  cursor: z.string().nullable(),
  order: z.enum(['asc', 'desc']),
});

/** The shape every series write shares: an id, an expected version (a whole number of at least 1) and a time. */
const seriesWriteSchema = z.object({
  seriesId: z.string().min(1),
  expectVersion: z.number().int({ message: 'must be a whole number' }).min(1),
  now: finiteMs,
});

const materializeSchema = seriesWriteSchema.extend({
  occurrences: z.array(z.object({ call: z.object({ seriesId: z.string(), occurrenceAt: finiteMs }).loose(), events: z.array(z.unknown()) })),
  patch: z.object({}).loose(),
});

const updateSchema = seriesWriteSchema.extend({
  patch: z.object({}).loose(),
  cancelCalls: z.array(z.object({ callId: z.string().min(1), events: z.array(z.unknown()) })).optional(),
});

function check(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(toInputIssues(result.error), what);
}

/** Runs one operation under a store's guard (open once, closed check, error shape). */
export type GuardRunner = <T>(operation: string, fn: () => Promise<T> | T) => Promise<T>;

/**
 * The {@link SeriesStore} methods of `driver`, each run through `guarded` after its arguments
 * were checked (`INVALID_INPUT` naming the field; nothing is written). An occurrence whose
 * `seriesId` is not the step's own is refused on `occurrences.<i>.call.seriesId`.
 */
export function guardSeriesMethods(driver: SeriesStore, guarded: GuardRunner): SeriesStore {
  return {
    insertSeries: (series) =>
      guarded('insertSeries', () => {
        check(z.object({ id: z.string().min(1), to: z.string().min(1), cron: z.string().min(1), timeZone: z.string().min(1), createdAt: finiteMs }).loose(), series, 'series');
        return driver.insertSeries(series);
      }),
    getSeries: (id) => guarded('getSeries', () => driver.getSeries(id)),
    listSeries: (query) =>
      guarded('listSeries', () => {
        check(seriesListQuerySchema, query, 'series list query');
        return driver.listSeries(query);
      }),
    listDueSeries: (options) =>
      guarded('listDueSeries', () => {
        check(dueSeriesQuerySchema, options, 'due series query');
        return driver.listDueSeries(options);
      }),
    nextSeriesPlanAt: () => guarded('nextSeriesPlanAt', () => driver.nextSeriesPlanAt()),
    materializeOccurrences: (step) =>
      guarded('materializeOccurrences', () => {
        check(materializeSchema, step, 'series step');
        step.occurrences.forEach((o, i) => {
          if (o.call.seriesId !== step.seriesId) {
            throw invalidInput([{ path: `occurrences.${i}.call.seriesId`, message: `must be the step's series ${step.seriesId}`, rule: 'custom' }], 'series step');
          }
        });
        return driver.materializeOccurrences(step);
      }),
    updateSeries: (update) =>
      guarded('updateSeries', () => {
        check(updateSchema, update, 'series update');
        return driver.updateSeries(update);
      }),
    listSeriesOccurrences: (query) =>
      guarded('listSeriesOccurrences', () => {
        check(seriesOccurrencesQuerySchema, query, 'series occurrences query');
        return driver.listSeriesOccurrences(query);
      }),
  };
}

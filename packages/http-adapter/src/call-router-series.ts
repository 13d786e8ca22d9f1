import type { CallSeries, ChangeSeriesInput, ScheduleSeriesInput } from '@call-scheduler/core';

/** The filters of {@link CallRouterSeriesScheduler.listSeries}. */
export interface CallRouterSeriesQuery {
  /** Only series in this status. */
  readonly status?: CallSeries['status'];
  /** At most this many series. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/**
 * The recurring-call part of `CallScheduler` that the series routes use (`/series`). A scheduler
 * that has these members gets the routes; one without them is served without them. Unknown ids
 * throw a `CallSchedulerError` whose code ends in `NOT_FOUND` (404); a series in the wrong status
 * for the command throws `INVALID_STATE` (409). The scheduler also emits the `series:*` events
 * (`CALL_SERIES_EVENT_NAMES`) through its `on`/`off`, which `GET /events` streams.
 */
export interface CallRouterSeriesScheduler {
  /** Stores a series (`POST /series`); with a used idempotency key, returns the first series. Emits `series:scheduled` for a new one. */
  scheduleSeries(input: ScheduleSeriesInput): Promise<CallSeries>;
  /** One series (`GET /series/{id}`), or `undefined`. */
  getSeries(id: string): Promise<CallSeries | undefined>;
  /** A page of series (`GET /series`). */
  listSeries(query?: CallRouterSeriesQuery): Promise<{
    /** The series of this page. */
    readonly items: readonly CallSeries[];
    /** The cursor of the next page, or `null` on the last one. */
    readonly nextCursor: string | null;
  }>;
  /** Pauses an active series (`POST /series/{id}/pause`). */
  pauseSeries(id: string): Promise<CallSeries>;
  /** Resumes a paused series (`POST /series/{id}/resume`). */
  resumeSeries(id: string): Promise<CallSeries>;
  /** Changes the rule or policies of a series (`PATCH /series/{id}`). */
  changeSeries(id: string, change: ChangeSeriesInput): Promise<CallSeries>;
  /** Ends a series for good (`POST /series/{id}/cancel`). */
  endSeries(id: string): Promise<CallSeries>;
  /** The next `count` occurrence instants of an input, storing nothing (`POST /series/preview`). */
  previewSeries(input: ScheduleSeriesInput, count?: number): Promise<readonly Date[]> | readonly Date[];
}

/** Whether `scheduler` has every member of {@link CallRouterSeriesScheduler}. */
export function hasSeries<S extends object>(scheduler: S): scheduler is S & CallRouterSeriesScheduler {
  const s = scheduler as Partial<Record<keyof CallRouterSeriesScheduler, unknown>>;
  return (
    typeof s.scheduleSeries === 'function' &&
    typeof s.getSeries === 'function' &&
    typeof s.listSeries === 'function' &&
    typeof s.pauseSeries === 'function' &&
    typeof s.resumeSeries === 'function' &&
    typeof s.changeSeries === 'function' &&
    typeof s.endSeries === 'function' &&
    typeof s.previewSeries === 'function'
  );
}

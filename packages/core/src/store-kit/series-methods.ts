/**
 * Not API: how a store driver gets its series methods, the same in every store of this repository.
 *
 * @internal
 */
import type { CallListQuery, CallPage } from '../store/call-store.js';
import type { SeriesStore } from '../series/series-store.js';

/** A store's series half: the {@link SeriesStore} methods and the `seriesId` filter of `listCalls`. */
export interface SeriesHalf extends SeriesStore {
  /** The calls of one series, for `listCalls({ seriesId })`. */
  listSeriesCalls(query: CallListQuery & { readonly seriesId: string }): Promise<CallPage>;
}

/**
 * The series methods of `series`, to assign onto a store driver (so that the store's guard
 * exposes them), and the driver's `listCalls` with the `seriesId` filter going to `series`.
 */
export function seriesMethods(series: SeriesHalf, listCalls: (query: CallListQuery) => Promise<CallPage>): SeriesStore & { listCalls(query: CallListQuery): Promise<CallPage> } {
  return {
    insertSeries: (record) => series.insertSeries(record),
    getSeries: (id) => series.getSeries(id),
    listSeries: (query) => series.listSeries(query),
    listDueSeries: (options) => series.listDueSeries(options),
    nextSeriesPlanAt: () => series.nextSeriesPlanAt(),
    materializeOccurrences: (step) => series.materializeOccurrences(step),
    updateSeries: (update) => series.updateSeries(update),
    listSeriesOccurrences: (query) => series.listSeriesOccurrences(query),
    listCalls: (query) => (query.seriesId === undefined ? listCalls(query) : series.listSeriesCalls({ ...query, seriesId: query.seriesId })),
  };
}

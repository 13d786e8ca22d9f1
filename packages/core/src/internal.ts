/**
 * Not API: helpers the packages of this repository share (`@call-scheduler/store-memory`,
 * `store-sqlite`, `store-postgres`, `http-adapter`). They may change or disappear in any release,
 * minor and patch included; do not import them from your own code. Everything meant for users is
 * exported by `@call-scheduler/core` and its documented subpaths (`/testing`, `/http`).
 *
 * @module @call-scheduler/core/internal
 * @internal
 */
export { parseInput, parseOptions, toInputIssues, invalidInput } from './schema/schedule-input.js';
export { describeCause } from './errors/describe-cause.js';
export { localTimeZoneOf, withTimeZoneFromLocalAt } from './policy/local-time-schema.js';
export {
  zonedTimeToUtc,
  utcToZonedParts,
  possibleInstants,
  localMsToUtc,
  timeZoneOffsetMs,
  utcToLocalMs,
  parseLocalDateTime,
  weekdayOfLocalMs,
} from './policy/zoned-time.js';
export { encodeListCursor, decodeListCursor, keysetPage } from './store/list-cursor.js';
export { MinHeap } from './util/min-heap.js';
export { encodeSequenceCursor, decodeSequenceCursor } from './store/sequence-cursor.js';
export {
  pageLimitSchema,
  callListQuerySchema,
  eventListQuerySchema,
  claimOptionsSchema,
  countAttemptsQuerySchema,
  purgeOptionsSchema,
  terminalStatusSchema,
  noOptionsSchema,
} from './store/store-schemas.js';
export {
  int,
  intOrNull,
  fromErrorColumns,
  errorColumns,
  toCallRecord,
  newCallRecord,
  toAttemptRecord,
  toEventRecord,
  INITIAL_VERSION,
  newCallColumns,
  newEventColumns,
  claimedAttempt,
  type JsonColumnWriter,
  type NewCallColumns,
  type NewEventColumns,
  type IntColumn,
  type JsonColumnCodec,
  type CallRowColumns,
  type AttemptRowColumns,
  type EventRowColumns,
} from './rows/record-rows.js';
export { toSeriesRecord, type SeriesRowColumns } from './rows/series-rows.js';
export { seriesMethods, type SeriesHalf } from './store-kit/series-methods.js';
export { rejectSavepointBatch, settleSavepointBatch, type SavepointOutcome, type SettleableJob } from './store-kit/savepoint-batch.js';
export { checkDueSummaryQuery } from './store-kit/due-summary-query.js';
export { FullCallStore, type FullStoreDriver } from './store-kit/full-call-store.js';
export { withOperations, type StoreOperations, type BoundOperations } from './store-kit/store-operations.js';
export { earlierOf } from './store-kit/wake-up-times.js';
export { SERIES_METHODS } from './series/series-store.js';

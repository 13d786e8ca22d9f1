/**
 * `CallScheduler`; the `CallStore`, `CallProvider` and `Clock` interfaces; call statuses, calling
 * windows and retry policies; the zod input schemas; `CallSchedulerError` and `ProviderError`.
 *
 * @module @call-scheduler/core
 */
export { systemClock, sleep, timeoutSignal, MAX_TIMER_DELAY_MS } from './clock/clock.js';
export type { Clock, TimerHandle } from './clock/clock.js';
export { ErrorCode } from './errors/error-codes.js';
export { CallSchedulerError, isCallSchedulerError } from './errors/call-scheduler-error.js';
export type { CallSchedulerErrorOptions, InputIssue } from './errors/call-scheduler-error.js';
export { ProviderError, isProviderError } from './errors/provider-error.js';
export type { ProviderErrorCode, ProviderErrorOptions } from './errors/provider-error.js';
export {
  CALL_STATUSES,
  TERMINAL_CALL_STATUSES,
  LIVE_CALL_STATUSES,
  isTerminalStatus,
  isLiveStatus,
} from './call/call-status.js';
export type { CallStatus } from './call/call-status.js';
export type { Call, CallAttempt, CallError, CallEvent, CallEventType, CallWithHistory } from './call/call.js';
export type { JsonObject, JsonValue } from './call/json.js';
export { WEEKDAYS } from './policy/calling-window.js';
export type { CallingWindow, TimeRange, Weekday } from './policy/calling-window.js';
export { nextRetryAt } from './policy/retry-policy.js';
export type { OutcomeRetry, RetryOutcome, RetryPolicy } from './policy/retry-policy.js';
export { DISAMBIGUATIONS } from './policy/zoned-time.js';
export type {
  Disambiguation,
  LocalDateTime,
  LocalDateTimeInput,
  LocalDateTimeIssue,
  LocalDateTimeParseResult,
  ZonedParts,
} from './policy/zoned-time.js';
export { nextWindowOpening, isInsideWindow, windowCloseAfter } from './policy/window-search.js';
export { tcpa, dailyWindow } from './policy/calling-window-presets.js';
export {
  localTimeInputSchema,
  scheduleAtSchema,
  jsonScheduleAtSchema,
} from './policy/local-time-schema.js';
export type { LocalTimeInput, CallTimeInput } from './policy/local-time-schema.js';
export { planDialTime, effectiveWindowPolicy } from './policy/dial-timing.js';
export type { CallWindowPolicy, DialPlan, DialPlanInput, ExpireReason, WindowDefaults } from './policy/dial-timing.js';
export { decideRetry, effectiveRetryPolicy, terminalStatusOf } from './policy/retry-decision.js';
export type { RetryDecision, RetryDecisionInput, RetryEndReason } from './policy/retry-decision.js';
export { TokenBucket } from './policy/token-bucket.js';
export type { TokenBucketOptions } from './policy/token-bucket.js';
export { NumberAttemptCap } from './policy/number-attempt-cap.js';
export type { NumberAttemptCapDecision, NumberAttemptCapOptions } from './policy/number-attempt-cap.js';
export type {
  AttemptRecord,
  CallEventRecord,
  CallRecord,
  EventCursor,
  Lease,
  NewCallEvent,
  NewCallRecord,
} from './store/call-record.js';
export type {
  AttemptPatch,
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallPatch,
  CallStore,
  CallStoreChange,
  CallStoreFeatures,
  CallStoreHealth,
  CallStatusCounts,
  CallStoreWatch,
  WakeUpTimes,
  ClaimWithWakeUp,
  CallUpdate,
  ClaimOptions,
  DueSummary,
  DueSummaryQuery,
  EventListQuery,
  EventPage,
  InsertResult,
  UpdateResult,
} from './store/call-store.js';
export { TELEMETRY_SCOPE, TelemetryAttribute } from './telemetry/scheduler-telemetry.js';
export type { DialOutcome, ProviderErrorKind, ProviderOperation, TelemetryOptions, UnknownOutcomeReason } from './telemetry/scheduler-telemetry.js';
export { GuardedCallStore } from './store/guarded-call-store.js';
export type { CallStoreDriver, PurgeOptions } from './store/guarded-call-store.js';
export type {
  CallProvider,
  CallProviderCapabilities,
  DwellStatus,
  ExpectedDwellMs,
  PlaceCallRequest,
  ProviderCallInfo,
  ProviderRequestOptions,
} from './provider/call-provider.js';
export {
  normalizeProviderStatus,
  providerStatusRank,
  isFinalProviderStatus,
  callStatusOf,
  callStatusRank,
} from './provider/provider-status.js';
export type { ProviderCallStatus } from './provider/provider-status.js';
export { jsonTimeSchema, timeInputSchema, toEpochMs } from './schema/time.js';
export type { TimeInput } from './schema/time.js';
export { phoneNumberSchema, normalizePhoneNumber } from './schema/phone-number.js';
export {
  timeZoneSchema,
  timeRangeSchema,
  callingWindowSchema,
  outcomeRetrySchema,
  retryPolicySchema,
  isValidTimeZone,
} from './schema/policy-schemas.js';
export {
  scheduleCallInputSchema,
  metadataSchema,
  idempotencyKeySchema,
  parseScheduleCallInput,
  MAX_METADATA_BYTES,
} from './schema/schedule-input.js';
export type { ScheduleCallInput, ParsedScheduleCallInput } from './schema/schedule-input.js';
export type {
  CallSchedulerEvents,
  CallSchedulerEventName,
  CallEventName,
  CallEventPayload,
  CallDispatchingPayload,
  CallStatusPayload,
  CallFailedPayload,
  CallRetryingPayload,
  SchedulerErrorPayload,
} from './scheduler/scheduler-events.js';
export { CALL_EVENT_NAMES } from './scheduler/scheduler-events.js';
export { createIdGenerator } from './util/ids.js';
export { CallScheduler } from './scheduler/call-scheduler.js';
export type {
  SchedulerState,
  StopOptions,
  ProviderStatusUpdate,
  SchedulerHealth,
  CallListPage,
  CallStoreView,
  CallSeriesPage,
  ListSeriesQuery,
  SeriesSchedulerOptions,
} from './scheduler/call-scheduler.js';
export type {
  CallSchedulerOptions,
  PollingOptions,
  TransientRetryOptions,
  PerNumberCapOptions,
  ResolvedSchedulerOptions,
} from './scheduler/scheduler-options.js';
export { listCallsQuerySchema, rescheduleInputSchema, callStatusSchema } from './schema/query-schemas.js';
export type { ListCallsQuery, RescheduleInput } from './schema/query-schemas.js';
export {
  OccurrenceSchedule,
  isLocalDate,
  MAX_CONSECUTIVE_SKIPS,
} from './series/occurrences.js';
export type { OccurrenceRule, OccurrenceScheduleOptions, Occurrence, SkipDatePredicate } from './series/occurrences.js';
export {
  scheduleSeriesInputSchema,
  parseScheduleSeriesInput,
  cronPatternSchema,
  localDateSchema,
  CATCH_UP_POLICIES,
  MAX_SKIP_DATES,
  MAX_SERIES_COUNT,
  changeSeriesInputSchema,
} from './series/series-input.js';
export type { ScheduleSeriesInput, ParsedScheduleSeriesInput, CatchUpPolicy, ChangeSeriesInput } from './series/series-input.js';
export { CALL_SERIES_STATUSES, supportsSeries } from './series/series-store.js';
export type {
  CallSeriesStatus,
  SeriesEndReason,
  CallSeriesFields,
  CallSeriesRecord,
  NewCallSeriesRecord,
  SeriesOccurrenceFields,
  OccurrenceCallRecord,
  OccurrenceInsert,
  SeriesCursorPatch,
  MaterializeOccurrences,
  MaterializeResult,
  InsertSeriesResult,
  SeriesListQuery,
  SeriesPage,
  SeriesPatch,
  SeriesUpdate,
  SeriesUpdateResult,
  SeriesStore,
} from './series/series-store.js';
export { CALL_SERIES_EVENT_NAMES } from './series/call-series.js';
export type { CallSeries, CallSeriesEvents, CallSeriesEventName } from './series/call-series.js';

export { createCallRouter } from './create-call-router.js';
export type { CallRouter, NextFunction } from './create-call-router.js';
export type { AuthorizeContext, CallRouterAuthorizer, CallRouterOptions } from './call-router-options.js';
export type { CallRouterEventName, CallRouterEventQuery, CallRouterScheduler } from './call-router-scheduler.js';
export type { CallRouterSeriesQuery, CallRouterSeriesScheduler } from './call-router-series.js';
export type { CallRouteInfo, CallRouteMethod } from './routes/call-route.js';
export type { WebhookParser } from './routes/route-context.js';
export type { HmacWebhookOptions, TwilioWebhookOptions, WebhookOptions } from './webhooks/webhook-options.js';
export { twilioSignature, verifyTwilioSignature } from './webhooks/twilio-signature.js';
export { hmacSignature, signWebhook, SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER } from './webhooks/hmac-signature.js';
export { DEFAULT_SIGNATURE_TOLERANCE_MS } from './webhooks/webhook-guard.js';
export { apiKeyAuthorizer } from './auth/api-key-authorizer.js';
export type { ApiKeyAuthorizerOptions } from './auth/api-key-authorizer.js';
export type { CorsOptions } from './http/cors.js';
export { HttpProblem, HttpErrorCode, problemType } from './http/problem.js';
export type { FieldProblem, HttpProblemOptions, ProblemDetails } from './http/problem.js';
export { MAX_JSON_DEPTH } from './http/read-json-body.js';
export { SSE_MAX_BUFFERED_BYTES } from './http/sse-stream.js';
export { buildOpenApiDocument } from './openapi/build-openapi-document.js';
export type { BuildOpenApiDocumentOptions } from './openapi/build-openapi-document.js';
export type { OpenApiDocument, OpenApiInfo } from './openapi/openapi-document.js';
export {
  MAX_HTTP_TIME_MS,
  httpTimeSchema,
  createCallBodySchema,
  rescheduleBodySchema,
  listCallsQuerySchema,
  listCallsQueryTextSchema,
  eventsQuerySchema,
  providerStatusBodySchema,
  purgeBodySchema,
} from './schemas/request-schemas.js';
export {
  callSchema,
  callAttemptSchema,
  callEventSchema,
  callWithHistorySchema,
  callPageSchema,
  callEventMessageSchema,
  healthSchema,
  problemSchema,
  purgeResultSchema,
} from './schemas/response-schemas.js';
export type { CallJson, CallWithHistoryJson, CallEventJson, HealthJson } from './schemas/response-schemas.js';
export {
  createSeriesBodySchema,
  changeSeriesBodySchema,
  listSeriesQuerySchema,
  seriesSchema,
  seriesWithOccurrencesSchema,
  seriesPageSchema,
  seriesPreviewSchema,
  seriesEventMessageSchema,
  seriesToJson,
} from './schemas/series-schemas.js';
export type { CallSeriesJson } from './schemas/series-schemas.js';

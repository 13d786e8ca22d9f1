/**
 * `HttpCallProvider` for the Call API (over ky), webhook parsing, and the HTTP error classification
 * it uses, for writing other HTTP providers.
 *
 * @module @call-scheduler/core/http
 */
export { HttpCallProvider, CALL_API_EXPECTED_DWELL_MS } from './http-call-provider.js';
export type { HttpCallProviderOptions } from './http-call-provider.js';
export { parseCallApiWebhook, callApiWebhookSchema, callApiWebhookBodySchema } from './call-api-webhook.js';
export type { CallApiStatusUpdate } from './call-api-webhook.js';
export { callApiCallSchema, callApiCallResponseSchema } from './call-api-schemas.js';
export type { CallApiCall, CallApiCallResponse } from './call-api-schemas.js';
export { classifyHttpFailure, classifyNetworkError } from './classify-http-error.js';
export type { CallApiRequestKind, HttpFailureAnswer } from './classify-http-error.js';
export { parseRetryAfter } from './retry-after.js';
export { extractProviderMessage, MAX_PROVIDER_MESSAGE_LENGTH } from './provider-message.js';

import { ProviderError } from '../errors/provider-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { extractProviderMessage } from './provider-message.js';
import { parseRetryAfter } from './retry-after.js';

/** Which request failed: a dial (`POST /api/call`) or a status read (`GET /api/call/{id}`). */
export type CallApiRequestKind = 'placeCall' | 'getCall';

/**
 * Error codes of a connection that was never made: the request cannot have reached the provider,
 * so a dial that failed this way is safe to send again.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error codes found on `error` and its `cause` chain (also inside an `AggregateError`). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5 || typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const nested = (value as { errors?: unknown }).errors;
    if (Array.isArray(nested)) for (const inner of nested) visit(inner, depth + 1);
    visit((value as { cause?: unknown }).cause, depth + 1);
  };
  visit(error, 0);
  return codes;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 4 && typeof current === 'object' && current !== null; i++) {
    const message = (current as { message?: unknown }).message;
    const code = (current as { code?: unknown }).code;
    if (typeof message === 'string' && message !== '') parts.push(typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length === 0 ? String(error) : parts.join(': ');
}

/**
 * Classifies a request that got no HTTP answer (the `fetch` promise or the body read rejected).
 *
 * - Never connected (refused, DNS, unreachable, connect timeout, TLS): `PROVIDER_UNAVAILABLE`,
 *   retryable, not ambiguous: the provider cannot have seen the request.
 * - Anything else (connection reset or closed after sending, a body cut short, an unknown
 *   failure): `PROVIDER_TIMEOUT`, retryable and ambiguous: a dial may have started a call.
 */
export function classifyNetworkError(error: unknown, kind: CallApiRequestKind, url: string): ProviderError {
  const codes = errorCodes(error);
  const detail = describe(error);
  if (codes.some((code) => NOT_SENT_CODES.has(code))) {
    return ProviderError.unavailable(`Could not connect to the provider at ${url}: ${detail}`, { cause: error });
  }
  const what = kind === 'placeCall' ? 'the dial may have started a call' : 'the status read may be repeated';
  return ProviderError.timeout(`The connection to the provider was lost before its answer arrived (${what}): ${detail}`, {
    cause: error,
  });
}

/** Details of an HTTP answer that was not a success. */
export interface HttpFailureAnswer {
  /** The HTTP status. */
  readonly status: number;
  /** The HTTP status text (may be empty). */
  readonly statusText: string;
  /** The body as text (may be HTML or empty). */
  readonly body: string;
  /** The `Retry-After` header, if any. */
  readonly retryAfter: string | null;
}

/**
 * Classifies a non-2xx HTTP answer:
 *
 * - 429: `PROVIDER_RATE_LIMITED` with `retryAfterMs` from `Retry-After` (seconds or HTTP-date).
 * - 404 or 410 on a status read: `PROVIDER_CALL_NOT_FOUND` (the provider does not know the call).
 * - 408: `PROVIDER_UNAVAILABLE` (the provider gave up reading the request).
 * - 409 on a dial: retryable and ambiguous (a request with the same idempotency key is in progress).
 * - 504 on a dial: `PROVIDER_TIMEOUT`, ambiguous (a gateway gave up waiting: the provider behind
 *   it may have started the call).
 * - other 5xx: `PROVIDER_UNAVAILABLE`, retryable.
 * - other 4xx: `PROVIDER_REJECTED`, permanent, with the provider's message.
 */
export function classifyHttpFailure(
  answer: HttpFailureAnswer,
  kind: CallApiRequestKind,
  context: { readonly nowMs: number; readonly providerCallId?: string },
): ProviderError {
  const { status } = answer;
  const fallback = answer.statusText === '' ? `HTTP ${status}` : answer.statusText;
  const providerMessage = extractProviderMessage(answer.body, fallback);
  const common = { httpStatus: status, providerMessage };
  if (status === 429) {
    return ProviderError.rateLimited(parseRetryAfter(answer.retryAfter, context.nowMs), common);
  }
  if (kind === 'getCall' && (status === 404 || status === 410)) {
    return ProviderError.notFound(context.providerCallId ?? '', common);
  }
  if (status === 408) {
    return ProviderError.unavailable(`The provider timed out reading the request (HTTP 408): ${providerMessage}`, common);
  }
  if (kind === 'placeCall' && status === 409) {
    return new ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, `The provider is still processing a dial with this idempotency key (HTTP 409): ${providerMessage}`, {
      ...common,
      retryable: true,
      ambiguous: true,
    });
  }
  if (kind === 'placeCall' && status === 504) {
    return ProviderError.timeout(`A gateway timed out waiting for the provider (HTTP 504); the dial may have started a call: ${providerMessage}`, common);
  }
  if (status >= 500) {
    return ProviderError.unavailable(`The provider failed (HTTP ${status}): ${providerMessage}`, {
      ...common,
      retryAfterMs: parseRetryAfter(answer.retryAfter, context.nowMs),
    });
  }
  return ProviderError.rejected(providerMessage, common);
}

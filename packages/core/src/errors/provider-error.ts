import { CallSchedulerError } from './call-scheduler-error.js';
import { ErrorCode } from './error-codes.js';

/** The codes a {@link ProviderError} can carry. */
export type ProviderErrorCode =
  | typeof ErrorCode.PROVIDER_REJECTED
  | typeof ErrorCode.PROVIDER_UNAVAILABLE
  | typeof ErrorCode.PROVIDER_RATE_LIMITED
  | typeof ErrorCode.PROVIDER_TIMEOUT
  | typeof ErrorCode.PROVIDER_CALL_NOT_FOUND
  | typeof ErrorCode.PROVIDER_BAD_RESPONSE;

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions {
  /** True when trying the same request again later may succeed (network, 5xx, 429, timeout). */
  retryable: boolean;
  /**
   * True when the request may have taken effect although no answer arrived (a timeout, a
   * connection reset after the request was sent). An ambiguous `placeCall` may have started a call.
   * @default false
   */
  ambiguous?: boolean;
  /** How long the provider asked to wait before the next request (from `Retry-After`). */
  retryAfterMs?: number | null;
  /** The HTTP status, when the provider answered over HTTP. */
  httpStatus?: number | null;
  /** The provider's own words, when it gave any. */
  providerMessage?: string | null;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * What a {@link CallProvider} throws. The scheduler reads only these fields to decide: retry later
 * without spending an attempt (`retryable`), treat the dial as possibly placed (`ambiguous`), wait
 * as asked (`retryAfterMs`), or fail the call with the provider's message.
 *
 * @example
 * ```ts
 * throw ProviderError.rejected('Invalid phone number', { httpStatus: 400 });
 * throw ProviderError.rateLimited(2_000);
 * ```
 */
export class ProviderError extends CallSchedulerError {
  declare readonly code: ProviderErrorCode;
  /** True when the same request may succeed later. */
  readonly retryable: boolean;
  /** True when the request may have taken effect although no answer arrived. */
  readonly ambiguous: boolean;
  /** How long the provider asked to wait, in ms, or `null`. */
  readonly retryAfterMs: number | null;
  /** The HTTP status of the provider's answer, or `null`. */
  readonly httpStatus: number | null;
  /** The provider's own message, or `null`. */
  readonly providerMessage: string | null;

  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ProviderError';
    this.retryable = options.retryable;
    this.ambiguous = options.ambiguous ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.httpStatus = options.httpStatus ?? null;
    this.providerMessage = options.providerMessage ?? null;
  }

  /** A permanent refusal (a 4xx such as an invalid number): the call fails with `message`. */
  static rejected(message: string, options: Partial<ProviderErrorOptions> = {}): ProviderError {
    return new ProviderError(ErrorCode.PROVIDER_REJECTED, message, {
      ...options,
      retryable: false,
      providerMessage: options.providerMessage ?? message,
    });
  }

  /** A transient failure known not to have taken effect (connection refused, 5xx). */
  static unavailable(message: string, options: Partial<ProviderErrorOptions> = {}): ProviderError {
    return new ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, message, { ...options, retryable: true });
  }

  /** The provider asked to slow down (HTTP 429); `retryAfterMs` from its `Retry-After`. */
  static rateLimited(retryAfterMs: number | null, options: Partial<ProviderErrorOptions> = {}): ProviderError {
    return new ProviderError(ErrorCode.PROVIDER_RATE_LIMITED, 'The provider is rate limiting requests', {
      ...options,
      retryable: true,
      retryAfterMs,
    });
  }

  /** No answer in time: retryable, and ambiguous (the request may have taken effect). */
  static timeout(message = 'The provider did not answer in time', options: Partial<ProviderErrorOptions> = {}): ProviderError {
    return new ProviderError(ErrorCode.PROVIDER_TIMEOUT, message, { ...options, retryable: true, ambiguous: true });
  }

  /** The provider does not know this call id (HTTP 404 on a status request). */
  static notFound(providerCallId: string, options: Partial<ProviderErrorOptions> = {}): ProviderError {
    return new ProviderError(ErrorCode.PROVIDER_CALL_NOT_FOUND, `The provider does not know call ${providerCallId}`, {
      ...options,
      retryable: false,
    });
  }
}

/** True for a {@link ProviderError}, also from another installed copy of the package. */
export function isProviderError(value: unknown): value is ProviderError {
  if (value instanceof ProviderError) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'ProviderError' &&
    typeof (value as { retryable?: unknown }).retryable === 'boolean'
  );
}

import ky, { type KyInstance } from 'ky';
import { z } from 'zod';
import type { Clock } from '../clock/clock.js';
import { MAX_TIMER_DELAY_MS, sleep, systemClock, timeoutSignal } from '../clock/clock.js';
import { ErrorCode } from '../errors/error-codes.js';
import { ProviderError, isProviderError } from '../errors/provider-error.js';
import { expectedDwellSchema } from '../polling/dwell-hint.js';
import type {
  CallProvider,
  CallProviderCapabilities,
  ExpectedDwellMs,
  PlaceCallRequest,
  ProviderCallInfo,
  ProviderRequestOptions,
} from '../provider/call-provider.js';
import { normalizeProviderStatus } from '../provider/provider-status.js';
import { parseOptions } from '../schema/schedule-input.js';
import { callApiCallResponseSchema } from './call-api-schemas.js';
import { classifyHttpFailure, classifyNetworkError, type CallApiRequestKind } from './classify-http-error.js';

/** Options of {@link HttpCallProvider}. */
export interface HttpCallProviderOptions {
  /** The Call API's base URL, e.g. `http://localhost:5000` (requests go to `{baseUrl}/api/call`). */
  readonly baseUrl: string | URL;
  /**
   * How long one request may take, answer body included, before it is abandoned with an
   * ambiguous `PROVIDER_TIMEOUT`. Measured on {@link HttpCallProviderOptions.clock}.
   * @default 10_000
   */
  readonly timeoutMs?: number;
  /** Extra headers sent with every request, e.g. `{ Authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Declare that the provider does not start a second call for a repeated `Idempotency-Key`
   * header. Only then does the scheduler re-send a dial whose outcome is unknown. The reference
   * Call API ignores the header, so leave this off for it.
   * @default false
   */
  readonly idempotentPlaceCall?: boolean;
  /**
   * How long calls stay in each live status, in ms, declared to the scheduler as
   * {@link CallProviderCapabilities.expectedDwellMs} so that polling pays from the first call. The
   * default is the Call API contract's progression (`ringing` about 2 s after the dial, `connected`
   * at about 5 s, `completed` at about 10 s). Give your provider's own figures, or `null` to declare
   * none (the scheduler then learns them from what it polls).
   * @default CALL_API_EXPECTED_DWELL_MS ({ initiated: 2_000, ringing: 3_000, connected: 5_000 })
   */
  readonly expectedDwellMs?: ExpectedDwellMs | null;
  /**
   * How many times a failed status read (`GET`) is retried inside one `getCall`: after a network
   * error, a timeout, a 5xx or a 429 whose `Retry-After` is at most `maxGetRetryDelayMs`. Waits
   * 100 ms, 200 ms, 400 ms… (with jitter) or as `Retry-After` asks, on the clock. The default of
   * `0` leaves retrying to the scheduler, which polls again anyway. A dial (`POST`) is never
   * retried here: a retried dial is a second phone call.
   * @default 0
   */
  readonly getRetries?: number;
  /**
   * The longest wait between two status-read retries; a `Retry-After` longer than this ends the
   * retries and the error reaches the caller.
   * @default 2_000
   */
  readonly maxGetRetryDelayMs?: number;
  /** The `fetch` implementation ky uses. @default globalThis.fetch */
  readonly fetch?: (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
  /** The clock for timeouts, retry waits and `Retry-After` dates. @default systemClock */
  readonly clock?: Clock;
  /**
   * The source of the jitter of status-read retry waits: a function returning a number in
   * `[0, 1)`. Pass a seeded one beside a `FakeClock` for runs that repeat exactly.
   * @default Math.random
   */
  readonly random?: () => number;
  /** The provider's name in logs. @default 'call-api' */
  readonly name?: string;
}

const optionsSchema = z.strictObject({
  baseUrl: z.union([z.string(), z.instanceof(URL)]).transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL, e.g. http://localhost:5000' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http: or https:' });
      return z.NEVER;
    }
    if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  }),
  timeoutMs: z.number().int().min(1).max(MAX_TIMER_DELAY_MS).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  idempotentPlaceCall: z.boolean().optional(),
  expectedDwellMs: expectedDwellSchema.nullable().optional(),
  getRetries: z.number().int().min(0).max(10).optional(),
  maxGetRetryDelayMs: z.number().int().min(0).max(MAX_TIMER_DELAY_MS).optional(),
  fetch: z.custom<HttpCallProviderOptions['fetch']>((value) => typeof value === 'function', { message: 'must be a function' }).optional(),
  clock: z
    .custom<Clock>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as Clock).now === 'function' &&
        typeof (value as Clock).setTimeout === 'function' &&
        typeof (value as Clock).clearTimeout === 'function',
      { message: 'must be a Clock (now, setTimeout, clearTimeout)' },
    )
    .optional(),
  random: z.custom<() => number>((value) => typeof value === 'function', { message: 'must be a function returning a number in [0, 1)' }).optional(),
  name: z.string().min(1).optional(),
});

/**
 * The Call API contract's dwell per live status (see `docs/call-api.md`): `initiated` for about 2 s,
 * `ringing` until about 5 s, `connected` until about 10 s. {@link HttpCallProvider} declares it by
 * default.
 */
export const CALL_API_EXPECTED_DWELL_MS: ExpectedDwellMs = Object.freeze({ initiated: 2_000, ringing: 3_000, connected: 5_000 });

/** The first wait between status-read retries, doubled each time. */
const GET_RETRY_BASE_MS = 100;

/**
 * A {@link CallProvider} that speaks the Call API (`POST /api/call`, `GET /api/call/{id}`, see the
 * project's `docs/call-api.md`) over HTTP with ky.
 *
 * - A dial is sent once, with an `Idempotency-Key` header; the client never retries it.
 * - Failures become {@link ProviderError}s: a connection that was never made is
 *   `PROVIDER_UNAVAILABLE` (safe to retry); a timeout, an abort or a connection lost after
 *   sending is `PROVIDER_TIMEOUT` and ambiguous (a dial may have started a call); 5xx is
 *   `PROVIDER_UNAVAILABLE` with `httpStatus`; 429 is `PROVIDER_RATE_LIMITED` with `retryAfterMs`;
 *   other 4xx on a dial is `PROVIDER_REJECTED` with the provider's message (also from an HTML
 *   page); 404 on a status read is `PROVIDER_CALL_NOT_FOUND`.
 * - A 2xx whose body is not a CALL is `PROVIDER_BAD_RESPONSE`: after a dial it is permanent and
 *   ambiguous (something may have been started that cannot be followed, so the call must not be
 *   dialed again); after a status read it is retryable.
 * - Every timer it sets runs on the injected clock and is cleared when the request settles.
 *
 * @example
 * ```ts
 * import { HttpCallProvider } from '@call-scheduler/core/http';
 *
 * const provider = new HttpCallProvider({ baseUrl: 'http://localhost:5000', timeoutMs: 5_000 });
 * const scheduler = new CallScheduler({ store, provider });
 * ```
 */
export class HttpCallProvider implements CallProvider {
  /** The provider's name in logs. @default 'call-api' */
  readonly name: string;
  /**
   * `idempotentPlaceCall` as configured (default `false`) and `expectedDwellMs` as configured
   * (default {@link CALL_API_EXPECTED_DWELL_MS}; `{}` when configured `null`).
   */
  readonly capabilities: Readonly<Required<CallProviderCapabilities>>;
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  /** The per-request timeout in ms. */
  readonly timeoutMs: number;
  /** How many times a failed status read is retried inside one `getCall`. */
  readonly getRetries: number;
  readonly #maxGetRetryDelayMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #http: KyInstance;

  /** @throws CallSchedulerError `INVALID_INPUT` naming the option at fault. */
  constructor(options: HttpCallProviderOptions) {
    const parsed = parseOptions(optionsSchema, options, 'HttpCallProvider options');
    this.name = parsed.name ?? 'call-api';
    this.baseUrl = parsed.baseUrl;
    this.timeoutMs = parsed.timeoutMs ?? 10_000;
    this.getRetries = parsed.getRetries ?? 0;
    this.#maxGetRetryDelayMs = parsed.maxGetRetryDelayMs ?? 2_000;
    this.#clock = parsed.clock ?? systemClock;
    this.#random = parsed.random ?? Math.random;
    const dwell = parsed.expectedDwellMs === undefined ? CALL_API_EXPECTED_DWELL_MS : (parsed.expectedDwellMs ?? Object.freeze({}));
    this.capabilities = Object.freeze({ idempotentPlaceCall: parsed.idempotentPlaceCall ?? false, expectedDwellMs: dwell });
    this.#http = ky.create({
      // Timeouts and retries are done here, on the injected clock; ky's own use real timers.
      timeout: false,
      retry: 0,
      throwHttpErrors: false,
      headers: { accept: 'application/json', ...(parsed.headers ?? {}) },
      ...(parsed.fetch === undefined ? {} : { fetch: parsed.fetch }),
    });
    Object.freeze(this);
  }

  /** `POST {baseUrl}/api/call` with `{ phone_number }` and the `Idempotency-Key` header; sent exactly once. */
  async placeCall(request: PlaceCallRequest, options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    const url = `${this.baseUrl}/api/call`;
    return this.#request('placeCall', url, options.signal, undefined, (signal) =>
      this.#http.post(url, {
        json: { phone_number: request.to },
        headers: { 'idempotency-key': request.idempotencyKey },
        signal,
      }),
    );
  }

  /**
   * `GET {baseUrl}/api/call/{id}`. Retried inside this call only when
   * {@link HttpCallProviderOptions.getRetries} is above 0.
   */
  async getCall(providerCallId: string, options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    if (typeof providerCallId !== 'string' || providerCallId === '') throw ProviderError.notFound(String(providerCallId));
    const url = `${this.baseUrl}/api/call/${encodeURIComponent(providerCallId)}`;
    for (let retry = 0; ; retry++) {
      try {
        return await this.#request('getCall', url, options.signal, providerCallId, (signal) => this.#http.get(url, { signal }));
      } catch (error) {
        const delay = this.#getRetryDelay(error, retry, options.signal);
        if (delay === null) throw error;
        try {
          await sleep(this.#clock, delay, options.signal);
        } catch {
          throw error;
        }
      }
    }
  }

  #getRetryDelay(error: unknown, retry: number, signal: AbortSignal): number | null {
    if (retry >= this.getRetries || signal.aborted || !isProviderError(error) || !error.retryable) return null;
    if (error.retryAfterMs !== null) return error.retryAfterMs <= this.#maxGetRetryDelayMs ? error.retryAfterMs : null;
    const backoff = GET_RETRY_BASE_MS * 2 ** retry;
    const draw = this.#random();
    // A broken source (NaN, out of range) must not stretch or skip the wait: clamp it to [0, 1].
    const jitter = Number.isFinite(draw) ? Math.min(1, Math.max(0, draw)) : 0.5;
    return Math.min(this.#maxGetRetryDelayMs, Math.round(backoff / 2 + jitter * (backoff / 2)));
  }

  async #request(
    kind: CallApiRequestKind,
    url: string,
    callerSignal: AbortSignal,
    providerCallId: string | undefined,
    send: (signal: AbortSignal) => Promise<Response>,
  ): Promise<ProviderCallInfo> {
    if (callerSignal.aborted) {
      // Nothing was sent: a retry cannot duplicate anything.
      throw new ProviderError(ErrorCode.PROVIDER_TIMEOUT, `The request was aborted before it was sent: ${reasonText(callerSignal.reason)}`, {
        retryable: true,
        ambiguous: false,
        cause: callerSignal.reason,
      });
    }
    const guard = timeoutSignal(this.#clock, this.timeoutMs, callerSignal);
    try {
      let response: Response;
      let body: string;
      try {
        response = await send(guard.signal);
        body = await response.text();
      } catch (error) {
        if (guard.signal.aborted) throw this.#abortError(kind, callerSignal, error);
        throw classifyNetworkError(error, kind, url);
      }
      if (!response.ok) {
        throw classifyHttpFailure(
          { status: response.status, statusText: response.statusText, body, retryAfter: response.headers.get('retry-after') },
          kind,
          { nowMs: this.#clock.now(), ...(providerCallId === undefined ? {} : { providerCallId }) },
        );
      }
      return parseCallAnswer(body, response.status, kind);
    } finally {
      guard.dispose();
    }
  }

  #abortError(kind: CallApiRequestKind, callerSignal: AbortSignal, cause: unknown): ProviderError {
    const effect = kind === 'placeCall' ? '; the dial may have started a call' : '';
    if (callerSignal.aborted) {
      return ProviderError.timeout(`The request was aborted before the provider answered${effect}: ${reasonText(callerSignal.reason)}`, { cause });
    }
    return ProviderError.timeout(`The provider did not answer within ${this.timeoutMs} ms${effect}`, { cause });
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error || reason instanceof DOMException) return reason.message === '' ? reason.name : reason.message;
  return String(reason);
}

function parseCallAnswer(body: string, httpStatus: number, kind: CallApiRequestKind): ProviderCallInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw badResponse(kind, httpStatus, `the body is not JSON: ${snippet(body)}`, error);
  }
  const parsed = callApiCallResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.')} ${issue.message}`;
    throw badResponse(kind, httpStatus, `the body is not { call: CALL } (${where}): ${snippet(body)}`, parsed.error);
  }
  const call = parsed.data.call;
  return {
    providerCallId: call.id,
    status: normalizeProviderStatus(call.status),
    rawStatus: call.status,
    durationSeconds: call.duration ?? null,
    raw: json,
  };
}

function badResponse(kind: CallApiRequestKind, httpStatus: number, detail: string, cause: unknown): ProviderError {
  const afterDial = kind === 'placeCall';
  return new ProviderError(
    ErrorCode.PROVIDER_BAD_RESPONSE,
    `The provider answered HTTP ${httpStatus} but ${detail}${afterDial ? ' (a call may have been started that cannot be followed)' : ''}`,
    { retryable: !afterDial, ambiguous: afterDial, httpStatus, cause },
  );
}

function snippet(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '(empty)';
  return text.length <= 120 ? text : `${text.slice(0, 119)}…`;
}

import {
  ProviderError,
  normalizeProviderStatus,
  systemClock,
  type CallProvider,
  type Clock,
  type PlaceCallRequest,
  type ProviderCallInfo,
  type ProviderRequestOptions,
} from '@call-scheduler/core';
import { classifyHttpFailure, classifyNetworkError, type CallApiRequestKind } from '@call-scheduler/core/http';

/** The provider's view of a call, as its API answers it. */
interface VendorCall {
  id: string;
  status: string;
  duration: number | null;
}

/**
 * A CallProvider on plain `fetch`, for an HTTP API shaped like the Call API
 * (`POST /api/call`, `GET /api/call/{id}`). For another API, change the two requests and `toInfo`.
 */
export class FetchCallProvider implements CallProvider {
  readonly name = 'vendor';
  readonly #baseUrl: string;
  readonly #clock: Clock;

  constructor(baseUrl: string, clock: Clock = systemClock) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#clock = clock;
  }

  async placeCall(request: PlaceCallRequest, { signal }: ProviderRequestOptions): Promise<ProviderCallInfo> {
    // One request, never retried here: a retried dial is a second phone call. The scheduler decides.
    const body = await this.#send('placeCall', `${this.#baseUrl}/api/call`, signal, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
      body: JSON.stringify({ phone_number: request.to }),
    });
    return toInfo(body);
  }

  async getCall(providerCallId: string, { signal }: ProviderRequestOptions): Promise<ProviderCallInfo> {
    const url = `${this.#baseUrl}/api/call/${encodeURIComponent(providerCallId)}`;
    return toInfo(await this.#send('getCall', url, signal, { method: 'GET' }, providerCallId));
  }

  /** Sends a request; every failure becomes a ProviderError that says whether to retry. */
  async #send(kind: CallApiRequestKind, url: string, signal: AbortSignal, init: RequestInit, providerCallId?: string): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, signal });
      text = await response.text();
    } catch (error) {
      // Aborted (the scheduler's timeout), reset, refused...: unavailable if the request never left, else ambiguous.
      throw classifyNetworkError(error, kind, url);
    }
    if (!response.ok) {
      const answer = { status: response.status, statusText: response.statusText, body: text, retryAfter: response.headers.get('retry-after') };
      throw classifyHttpFailure(answer, kind, { nowMs: this.#clock.now(), ...(providerCallId === undefined ? {} : { providerCallId }) });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ProviderError('PROVIDER_BAD_RESPONSE', `The provider answered ${response.status} with a body that is not JSON`, {
        retryable: kind === 'getCall', // a dial that may have started a call must not be sent again
        ambiguous: kind === 'placeCall',
        cause: error,
      });
    }
  }
}

function toInfo(body: unknown): ProviderCallInfo {
  const call = (body as { call?: VendorCall } | null)?.call;
  if (typeof call?.id !== 'string' || typeof call.status !== 'string') {
    throw new ProviderError('PROVIDER_BAD_RESPONSE', 'The provider answered without a call', { retryable: false, ambiguous: true });
  }
  return { providerCallId: call.id, status: normalizeProviderStatus(call.status), rawStatus: call.status, durationSeconds: call.duration, raw: body };
}

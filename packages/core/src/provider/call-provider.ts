import type { JsonObject } from '../call/json.js';
import type { ProviderCallStatus } from './provider-status.js';

/** What the scheduler asks a provider to dial. */
export interface PlaceCallRequest {
  /** E.164 number. */
  readonly to: string;
  /** The scheduler's call id. */
  readonly callId: string;
  /** The attempt number (1 for the first dial). */
  readonly attempt: number;
  /**
   * `callId:attempt`: the same for every request of this attempt, also after a crash. A provider
   * that honours it (see {@link CallProviderCapabilities.idempotentPlaceCall}) must not start a
   * second call for the same key.
   */
  readonly idempotencyKey: string;
  /** The call's metadata. */
  readonly metadata: JsonObject | null;
}

/** Per-request options the scheduler passes to a provider. */
export interface ProviderRequestOptions {
  /** Aborts on the scheduler's timeout or shutdown; the provider must stop and throw. */
  readonly signal: AbortSignal;
}

/** A provider's view of one call. */
export interface ProviderCallInfo {
  /** The provider's id of the call. */
  readonly providerCallId: string;
  /** The normalized status. */
  readonly status: ProviderCallStatus;
  /** The status word as the provider said it. */
  readonly rawStatus: string;
  /** Talk time in seconds, once the call has ended; otherwise `null` or absent. */
  readonly durationSeconds?: number | null;
  /** The provider's whole answer, for debugging. Not stored. */
  readonly raw?: unknown;
}

/** What a provider can do beyond the required methods. Every flag defaults to `false`. */
export interface CallProviderCapabilities {
  /**
   * The provider does not start a second call for a repeated {@link PlaceCallRequest.idempotencyKey}.
   * Only then does the scheduler re-send a dial whose outcome is unknown (a timeout, a crash).
   * @default false
   */
  readonly idempotentPlaceCall?: boolean;
}

/**
 * The telephony provider the scheduler dials through. Throw {@link ProviderError} for failures so
 * that the scheduler can tell transient from permanent ones; any other error counts as a
 * transient, ambiguous failure.
 *
 * Every implementation should pass `testCallProvider()` from `@call-scheduler/core/testing`.
 */
export interface CallProvider {
  /** A short name for logs, e.g. `call-api`. */
  readonly name: string;
  /** Optional abilities. */
  readonly capabilities?: CallProviderCapabilities;
  /** Starts a call now. Must never retry by itself (a retried dial is a second phone call). */
  placeCall(request: PlaceCallRequest, options: ProviderRequestOptions): Promise<ProviderCallInfo>;
  /** The current state of a call; throws `ProviderError.notFound` for an id the provider does not know. */
  getCall(providerCallId: string, options: ProviderRequestOptions): Promise<ProviderCallInfo>;
  /** Hangs up or cancels a call, where the provider can. */
  cancelCall?(providerCallId: string, options: ProviderRequestOptions): Promise<void>;
}

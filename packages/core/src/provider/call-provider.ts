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
  /**
   * How long the provider's calls typically stay in each live status, in ms: a hint that lets
   * polling pay from the first call. The scheduler starts its learned dwell times from these
   * figures instead of from nothing, so a fresh process sleeps through the quiet part of a status
   * and polls densely only around the expected change; what it observes then refines them.
   *
   * Declare only what the provider reliably does: a change that comes much earlier than declared
   * (a call rejected while `initiated`) is seen at the next poll, up to the declared dwell later.
   * A status left out is polled within `polling.targetLagMs` until the scheduler has learned it.
   * Each value is a whole number of ms from 1 to 86 400 000; the scheduler's constructor rejects
   * anything else with `INVALID_INPUT` naming `provider.capabilities.expectedDwellMs.<status>`.
   *
   * @example `{ initiated: 2_000, ringing: 3_000, connected: 5_000 }` (the Call API's contract)
   * @default no hint
   */
  readonly expectedDwellMs?: ExpectedDwellMs;
}

/** The live statuses a provider can declare an expected dwell for (see {@link CallProviderCapabilities.expectedDwellMs}). */
export type DwellStatus = 'initiated' | 'ringing' | 'connected';

/** Expected time in each live status, in ms (see {@link CallProviderCapabilities.expectedDwellMs}). */
export type ExpectedDwellMs = Readonly<Partial<Record<DwellStatus, number>>>;

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

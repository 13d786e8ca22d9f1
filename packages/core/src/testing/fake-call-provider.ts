import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { ProviderError } from '../errors/provider-error.js';
import type {
  CallProvider,
  CallProviderCapabilities,
  PlaceCallRequest,
  ProviderCallInfo,
  ProviderRequestOptions,
} from '../provider/call-provider.js';
import { normalizeProviderStatus } from '../provider/provider-status.js';

/** One step of a fake call: from `afterMs` after the dial on, the provider reports `status`. */
export interface FakeStatusStep {
  /** Milliseconds after the dial. */
  readonly afterMs: number;
  /** The status word (any string; unknown words are allowed, to test how they are handled). */
  readonly status: string;
  /** Reported with a final status. */
  readonly durationSeconds?: number;
}

/** How the fake answers for one attempt to a number. */
export interface FakeCallBehavior {
  /** The status timeline of the call. @default {@link FakeCallProvider.DEFAULT_STEPS} */
  readonly steps?: readonly FakeStatusStep[];
  /** Errors thrown by the first `placeCall` requests of this attempt, one per request, before it succeeds. */
  readonly placeErrors?: readonly ProviderError[];
  /** Errors thrown by `getCall`, one per request, before it answers normally. */
  readonly getErrors?: readonly ProviderError[];
  /** `placeCall` never answers; it rejects only when the request's signal aborts. */
  readonly hang?: boolean;
  /** With `hang`: the call is created (and rings) although no answer is sent, as when an answer is lost. */
  readonly createWhenHanging?: boolean;
  /** Delay before each answer, on the fake's clock. @default 0 */
  readonly latencyMs?: number;
  /** From this many ms after the dial on, the provider forgets the call (getCall answers 404). */
  readonly forgetAfterMs?: number;
}

/** Options of {@link FakeCallProvider}. */
export interface FakeCallProviderOptions {
  /** The clock that drives the fake's timelines (use the scheduler's `FakeClock`). */
  readonly clock: Clock;
  /** Behaviour for numbers without a script. @default the reference progression, no faults */
  readonly defaultBehavior?: FakeCallBehavior;
  /** Capabilities to declare (e.g. `{ idempotentPlaceCall: true }`, which the fake then honours). */
  readonly capabilities?: CallProviderCapabilities;
  /** Name for logs. @default 'fake' */
  readonly name?: string;
}

/** One request the fake received. */
export interface FakeProviderRequest {
  /** Which method. */
  readonly kind: 'placeCall' | 'getCall' | 'cancelCall';
  /** When (fake clock, epoch ms). */
  readonly at: number;
  /** For `placeCall`: the number. */
  readonly to?: string;
  /** For `placeCall`: the scheduler's call id and attempt. */
  readonly callId?: string;
  /** For `placeCall`. */
  readonly attempt?: number;
  /** For `placeCall`. */
  readonly idempotencyKey?: string;
  /** For `getCall`/`cancelCall`, and for a `placeCall` that created a call. */
  readonly providerCallId?: string;
  /** How it ended: `ok`, or the error code thrown. */
  readonly result: string;
}

interface FakeCall {
  readonly id: string;
  readonly to: string;
  readonly createdAt: number;
  readonly steps: readonly FakeStatusStep[];
  readonly forgetAfterMs: number | undefined;
  canceledAt: number | null;
}

/**
 * A scriptable {@link CallProvider} on an injected clock, for tests. Each number can be given a
 * behaviour per attempt (status timeline, errors, latency, hanging, forgetting); every request is
 * recorded, and {@link FakeCallProvider.dials} counts the calls really started per number.
 *
 * @example
 * ```ts
 * const provider = new FakeCallProvider({ clock });
 * provider.script('+14155550123',
 *   { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 3000, status: 'busy' }] }, // attempt 1
 *   {}, // attempt 2 and later: the default progression, ending completed
 * );
 * ```
 */
export class FakeCallProvider implements CallProvider {
  /** The reference Call API progression: initiated, ringing at 2 s, connected at 5 s, completed at 10 s. */
  static readonly DEFAULT_STEPS: readonly FakeStatusStep[] = Object.freeze([
    { afterMs: 0, status: 'initiated' },
    { afterMs: 2000, status: 'ringing' },
    { afterMs: 5000, status: 'connected' },
    { afterMs: 10_000, status: 'completed', durationSeconds: 10 },
  ]);

  /** Name for logs. */
  readonly name: string;
  /** Declared capabilities. */
  readonly capabilities: CallProviderCapabilities;
  /** Every request received, in order. */
  readonly requests: FakeProviderRequest[] = [];

  readonly #clock: Clock;
  readonly #defaultBehavior: FakeCallBehavior;
  readonly #scripts = new Map<string, readonly FakeCallBehavior[]>();
  readonly #attemptsByNumber = new Map<string, number>();
  readonly #placeErrorsUsed = new Map<string, number>();
  readonly #getErrorsUsed = new Map<string, number>();
  readonly #calls = new Map<string, FakeCall>();
  readonly #byKey = new Map<string, string>();
  readonly #behaviorOfCall = new Map<string, FakeCallBehavior>();
  #forgotten = new Set<string>();

  constructor(options: FakeCallProviderOptions) {
    this.#clock = options.clock;
    this.#defaultBehavior = options.defaultBehavior ?? {};
    this.capabilities = Object.freeze({ ...options.capabilities });
    this.name = options.name ?? 'fake';
  }

  /**
   * Sets the behaviour of `to` for its first, second, ... attempts (an attempt is counted per
   * distinct scheduler attempt number); the last behaviour repeats.
   */
  script(to: string, ...behaviors: FakeCallBehavior[]): this {
    if (behaviors.length === 0) throw new TypeError('FakeCallProvider.script needs at least one behavior');
    this.#scripts.set(to, behaviors);
    return this;
  }

  /** How many calls were really started to `to` (or to any number). */
  dials(to?: string): number {
    let n = 0;
    for (const call of this.#calls.values()) if (to === undefined || call.to === to) n++;
    return n;
  }

  /** The `placeCall` requests received for `to` (including failed ones). */
  placeRequests(to?: string): FakeProviderRequest[] {
    return this.requests.filter((r) => r.kind === 'placeCall' && (to === undefined || r.to === to));
  }

  /** The `getCall` requests received (optionally for one provider call id). */
  getRequests(providerCallId?: string): FakeProviderRequest[] {
    return this.requests.filter((r) => r.kind === 'getCall' && (providerCallId === undefined || r.providerCallId === providerCallId));
  }

  /** Forgets every call, as a provider that restarted: every earlier id answers 404. */
  forgetAll(): void {
    this.#forgotten = new Set([...this.#forgotten, ...this.#calls.keys()]);
  }

  /** The current status of a provider call, as `getCall` would report it (no request recorded). */
  statusOf(providerCallId: string): string | undefined {
    const call = this.#calls.get(providerCallId);
    return call === undefined ? undefined : this.#stepAt(call).status;
  }

  /** Starts a call per the number's script. */
  async placeCall(request: PlaceCallRequest, options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    const behavior = this.#behaviorFor(request);
    const base = { kind: 'placeCall' as const, to: request.to, callId: request.callId, attempt: request.attempt, idempotencyKey: request.idempotencyKey };
    const key = `${request.to}#${request.callId}#${request.attempt}`;
    const errorIndex = this.#placeErrorsUsed.get(key) ?? 0;
    const startedAt = this.#clock.now();
    try {
      await this.#latency(behavior.latencyMs ?? 0, options.signal);
    } catch (error) {
      this.requests.push({ ...base, at: startedAt, result: 'aborted' });
      throw error;
    }
    const scripted = behavior.placeErrors?.[errorIndex];
    if (scripted !== undefined) {
      this.#placeErrorsUsed.set(key, errorIndex + 1);
      this.requests.push({ ...base, at: startedAt, result: scripted.code });
      throw scripted;
    }
    if (this.capabilities.idempotentPlaceCall === true) {
      const existing = this.#byKey.get(request.idempotencyKey);
      if (existing !== undefined) {
        const call = this.#calls.get(existing)!;
        this.requests.push({ ...base, at: startedAt, providerCallId: existing, result: 'ok' });
        return this.#info(call);
      }
    }
    if (behavior.hang === true) {
      let created: FakeCall | undefined;
      if (behavior.createWhenHanging === true) created = this.#create(request, behavior);
      this.requests.push({ ...base, at: startedAt, ...(created ? { providerCallId: created.id } : {}), result: 'hang' });
      await new Promise<never>((_, reject) => {
        const abort = (): void => reject(ProviderError.timeout('The fake provider never answered', { cause: options.signal.reason }));
        if (options.signal.aborted) abort();
        else options.signal.addEventListener('abort', abort, { once: true });
      });
    }
    const call = this.#create(request, behavior);
    this.requests.push({ ...base, at: startedAt, providerCallId: call.id, result: 'ok' });
    return this.#info(call);
  }

  /** The call's status on the fake's timeline. */
  async getCall(providerCallId: string, options: ProviderRequestOptions): Promise<ProviderCallInfo> {
    const at = this.#clock.now();
    const call = this.#calls.get(providerCallId);
    const behavior = this.#behaviorOfCall.get(providerCallId) ?? this.#defaultBehavior;
    await this.#latency(behavior.latencyMs ?? 0, options.signal);
    const used = this.#getErrorsUsed.get(providerCallId) ?? 0;
    const scripted = behavior.getErrors?.[used];
    if (call !== undefined && scripted !== undefined) {
      this.#getErrorsUsed.set(providerCallId, used + 1);
      this.requests.push({ kind: 'getCall', at, providerCallId, result: scripted.code });
      throw scripted;
    }
    const now = this.#clock.now();
    const forgotten =
      call === undefined ||
      this.#forgotten.has(providerCallId) ||
      (call.forgetAfterMs !== undefined && now - call.createdAt >= call.forgetAfterMs);
    if (forgotten) {
      this.requests.push({ kind: 'getCall', at, providerCallId, result: 'PROVIDER_CALL_NOT_FOUND' });
      throw ProviderError.notFound(providerCallId, { httpStatus: 404, providerMessage: 'Call not found' });
    }
    this.requests.push({ kind: 'getCall', at, providerCallId, result: 'ok' });
    return this.#info(call);
  }

  /** Ends the call as `canceled`. */
  async cancelCall(providerCallId: string, _options: ProviderRequestOptions): Promise<void> {
    const call = this.#calls.get(providerCallId);
    this.requests.push({ kind: 'cancelCall', at: this.#clock.now(), providerCallId, result: call === undefined ? 'PROVIDER_CALL_NOT_FOUND' : 'ok' });
    if (call === undefined) throw ProviderError.notFound(providerCallId);
    call.canceledAt ??= this.#clock.now();
  }

  #behaviorFor(request: PlaceCallRequest): FakeCallBehavior {
    const script = this.#scripts.get(request.to);
    if (script === undefined) return this.#defaultBehavior;
    // Count distinct attempts per number in the order the fake first sees them.
    const seenKey = `${request.callId}#${request.attempt}`;
    let index = this.#attemptIndex.get(seenKey);
    if (index === undefined) {
      index = this.#attemptsByNumber.get(request.to) ?? 0;
      this.#attemptsByNumber.set(request.to, index + 1);
      this.#attemptIndex.set(seenKey, index);
    }
    return script[Math.min(index, script.length - 1)] ?? this.#defaultBehavior;
  }

  readonly #attemptIndex = new Map<string, number>();

  #create(request: PlaceCallRequest, behavior: FakeCallBehavior): FakeCall {
    const call: FakeCall = {
      id: randomUUID(),
      to: request.to,
      createdAt: this.#clock.now(),
      steps: behavior.steps ?? FakeCallProvider.DEFAULT_STEPS,
      forgetAfterMs: behavior.forgetAfterMs,
      canceledAt: null,
    };
    this.#calls.set(call.id, call);
    this.#behaviorOfCall.set(call.id, behavior);
    if (this.capabilities.idempotentPlaceCall === true) this.#byKey.set(request.idempotencyKey, call.id);
    return call;
  }

  #stepAt(call: FakeCall): FakeStatusStep {
    const now = this.#clock.now();
    if (call.canceledAt !== null && now >= call.canceledAt) return { afterMs: call.canceledAt - call.createdAt, status: 'canceled' };
    const elapsed = now - call.createdAt;
    let current: FakeStatusStep = call.steps[0] ?? { afterMs: 0, status: 'initiated' };
    for (const step of call.steps) if (step.afterMs <= elapsed) current = step;
    return current;
  }

  #info(call: FakeCall): ProviderCallInfo {
    const step = this.#stepAt(call);
    return {
      providerCallId: call.id,
      status: normalizeProviderStatus(step.status),
      rawStatus: step.status,
      durationSeconds: step.durationSeconds ?? null,
      raw: { id: call.id, phone_number: call.to, status: step.status },
    };
  }

  #latency(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0) {
      if (signal.aborted) return Promise.reject(ProviderError.timeout('Aborted', { cause: signal.reason }));
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let handle: TimerHandle = null;
      const abort = (): void => {
        this.#clock.clearTimeout(handle);
        reject(ProviderError.timeout('The request was aborted before the fake provider answered', { cause: signal.reason }));
      };
      if (signal.aborted) {
        abort();
        return;
      }
      handle = this.#clock.setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      }, ms);
      signal.addEventListener('abort', abort, { once: true });
    });
  }
}

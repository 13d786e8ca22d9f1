// Owns: every request the scheduler makes to the provider. It bounds requests in flight
// (`maxConcurrentRequests`, first come first served), puts a timeout on the clock on each one,
// aborts them all when the scheduler stops, turns any failure into a ProviderError, and computes
// the jittered back-off for transient errors (with the injected `random`).
import { setMaxListeners } from 'node:events';
import { timeoutController, type Clock } from '../clock/clock.js';
import { isCallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { ProviderError, isProviderError } from '../errors/provider-error.js';
import { providerErrorKind, type ProviderOperation, type SchedulerTelemetry } from '../telemetry/scheduler-telemetry.js';
import type { ResolvedSchedulerOptions } from './scheduler-options.js';

/** The last error of a provider request, for `CallScheduler.health()`. */
export interface ProviderLastError {
  /** Its code (`PROVIDER_TIMEOUT`, `PROVIDER_REJECTED`...). */
  readonly code: string;
  /** Its message. */
  readonly message: string;
  /** When it happened (the scheduler's clock, epoch ms). */
  readonly at: number;
}

/** What a provider request is, for its metrics and span: the operation, and the call it is about. */
export interface ProviderRequestLabel {
  /** The provider operation. */
  readonly operation: ProviderOperation;
  /** The call's id (a `place_call` and `get_call` get a span linked to it). */
  readonly callId: string;
  /** The attempt. */
  readonly attempt: number;
}

/** Request slots, timeouts and back-off for provider requests. */
export class ProviderGate {
  readonly #clock: Clock;
  readonly #providerName: string;
  readonly #maxInFlight: number;
  readonly #transient: ResolvedSchedulerOptions['transientRetry'];
  readonly #random: () => number;
  readonly #telemetry: SchedulerTelemetry | undefined;
  #inFlight = 0;
  #lastError: ProviderLastError | null = null;
  readonly #waiters: (() => void)[] = [];
  readonly #stopController = new AbortController();
  /** The requests in flight: aborted together when stopping (one loop, not a listener per request). */
  readonly #requests = new Set<AbortController>();
  /** Aborted when stopping begins: back-off waits end at once (in-flight requests get `timeoutMs`). */
  readonly #waitController = new AbortController();

  /** A gate for `providerName` with the scheduler's bounds; requests are recorded to `telemetry` when given. */
  constructor(clock: Clock, providerName: string, options: ResolvedSchedulerOptions, random: () => number, telemetry?: SchedulerTelemetry) {
    this.#telemetry = telemetry;
    this.#clock = clock;
    this.#providerName = providerName;
    this.#maxInFlight = options.maxConcurrentRequests;
    this.#transient = options.transientRetry;
    this.#random = random;
    // Back-off and pacing waits listen to these (provider requests are aborted through #requests);
    // their number is bounded by maxConcurrentRequests and maxLiveCalls, not by Node's default of 10 listeners.
    setMaxListeners(0, this.#stopController.signal, this.#waitController.signal);
  }

  /** Provider requests in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The last error a provider request ended with (any operation), or `null` when none failed yet. */
  get lastError(): ProviderLastError | null {
    return this.#lastError;
  }

  /** Aborted when the scheduler stops waiting: back-off and pacing waits end at once. */
  get waitSignal(): AbortSignal {
    return this.#waitController.signal;
  }

  /** True once in-flight requests were aborted (the scheduler stopped). */
  get stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  /** Ends every back-off and pacing wait. */
  endWaits(): void {
    this.#waitController.abort();
  }

  /** Aborts every request in flight with `reason`. */
  abortRequests(reason: unknown): void {
    this.#stopController.abort(reason);
    for (const request of this.#requests) request.abort(reason);
    this.#requests.clear();
  }

  /**
   * Runs one provider request within the concurrency bound and with a timeout on the clock;
   * `label` names it for the metrics and spans.
   */
  async request<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, label?: ProviderRequestLabel): Promise<T> {
    await this.acquire();
    return this.run(fn, timeoutMs, label);
  }

  /** Runs one provider request in a request slot already acquired (released when it ends). */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, label?: ProviderRequestLabel): Promise<T> {
    const telemetry = label === undefined ? undefined : this.#telemetry;
    if (telemetry !== undefined && label !== undefined) return this.#recorded(fn, timeoutMs, telemetry, label);
    return this.#run(fn, timeoutMs);
  }

  async #run<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
    const { controller, dispose } = timeoutController(this.#clock, timeoutMs);
    const stop = this.#stopController.signal;
    if (stop.aborted) controller.abort(stop.reason);
    else this.#requests.add(controller);
    const { signal } = controller;
    try {
      return await fn(signal);
    } catch (error) {
      const failure =
        signal.aborted && !isProviderError(error) ? ProviderError.timeout(`No answer from ${this.#providerName} within ${timeoutMs} ms`, { cause: error }) : error;
      if (!this.stopped) {
        const known = toProviderError(failure);
        this.#lastError = { code: known.code, message: known.message, at: this.#clock.now() };
      }
      throw failure;
    } finally {
      dispose();
      this.#requests.delete(controller);
      this.release();
    }
  }

  /**
   * {@link ProviderGate.run} with its duration, error kind and span recorded. The duration is
   * taken with `performance.now()` and only feeds the histogram (scheduling runs on the clock);
   * the span's times are the clock's.
   */
  async #recorded<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, telemetry: SchedulerTelemetry, label: ProviderRequestLabel): Promise<T> {
    const spanName = label.operation === 'place_call' ? 'call_scheduler.dial' : label.operation === 'get_call' ? 'call_scheduler.status_read' : undefined;
    const span = spanName === undefined ? undefined : telemetry.startSpan(spanName, label.callId, label.attempt, this.#clock.now());
    const started = performance.now();
    try {
      const result = await this.#run(fn, timeoutMs);
      telemetry.providerRequest(label.operation, performance.now() - started);
      if (span !== undefined) telemetry.endSpan(span, this.#clock.now());
      return result;
    } catch (caught) {
      const error = toProviderError(caught);
      const kind = providerErrorKind(error);
      telemetry.providerRequest(label.operation, performance.now() - started, kind);
      if (span !== undefined) telemetry.endSpan(span, this.#clock.now(), { kind, message: error.message });
      throw caught;
    }
  }

  /** Takes a request slot if one is free now (no waiter is passed over); false otherwise. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.#maxInFlight || this.#waiters.length > 0) return false;
    this.#inFlight += 1;
    return true;
  }

  /** Takes a request slot, waiting for one when all are taken. */
  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Hands a request slot to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next();
    else this.#inFlight -= 1;
  }

  /** The back-off before the next try after `failures` transient errors in a row (jittered). */
  backoff(failures: number): number {
    const t = this.#transient;
    const base = Math.min(t.maxDelayMs, t.initialDelayMs * 2 ** (failures - 1));
    return Math.round(base * (1 - t.jitter * this.#random()));
  }
}

/** Any error from a provider, as a {@link ProviderError} (unknown errors count as ambiguous and transient). */
export function toProviderError(error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  if (isCallSchedulerError(error) && error.code === ErrorCode.SCHEDULER_STOPPED) {
    return ProviderError.timeout('The scheduler stopped during the request', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ProviderError.timeout(`The provider failed unexpectedly: ${message}`, { cause: error });
}

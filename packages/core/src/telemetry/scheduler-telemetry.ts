/**
 * Owns the scheduler's metrics and traces: every OpenTelemetry instrument the library records,
 * created once per scheduler from `@opentelemetry/api`. Without an SDK registered by the
 * application the API hands out no-op instruments, so each record below costs a method call on an
 * empty object. The rest of the scheduler calls the named methods here and never sees the API.
 *
 * Names follow OpenTelemetry's semantic-convention style: a `call_scheduler.` namespace, dotted
 * segments, durations in seconds, counts with a `{unit}` annotation. `docs/observability.md` lists
 * every instrument with its unit and attributes.
 */
import {
  createNoopMeter,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type MetricOptions,
  type ObservableGauge,
  type ObservableResult,
  type ObservableUpDownCounter,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { ErrorCode } from '../errors/error-codes.js';
import type { ProviderError } from '../errors/provider-error.js';

/** The class of `@opentelemetry/api`'s no-op meter (what the global provider hands out until an SDK registers one). */
const NOOP_METER_CLASS = createNoopMeter().constructor as new () => Meter;

/** The instrumentation scope's name: what a metrics or trace backend shows as the library. */
export const TELEMETRY_SCOPE = '@call-scheduler/core';

/** Which providers the scheduler records to. Both default to the global ones of `@opentelemetry/api`. */
export interface TelemetryOptions {
  /** Where metrics go. @default `metrics.getMeterProvider()` (a no-op until an SDK registers one) */
  readonly meterProvider?: MeterProvider;
  /** Where spans go. @default `trace.getTracerProvider()` (a no-op until an SDK registers one) */
  readonly tracerProvider?: TracerProvider;
}

/** How an attempt ended, as the `call_scheduler.outcome` attribute of `call_scheduler.dials`. */
export type DialOutcome = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled' | 'unknown';

/** The kind of a provider error, as the `error.type` attribute. */
export type ProviderErrorKind = 'retryable' | 'ambiguous' | 'rejected' | 'lost';

/** Why a dial's outcome is unknown. */
export type UnknownOutcomeReason = 'answer-lost' | 'dialer-died' | 'timeout';

/** A provider operation, as the `call_scheduler.provider.operation` attribute. */
export type ProviderOperation = 'place_call' | 'get_call' | 'cancel_call';

/** The attribute keys the library uses, in one place. */
export const TelemetryAttribute = {
  /** How a dial or request ended. */
  OUTCOME: 'call_scheduler.outcome',
  /** The call's id (spans). */
  CALL_ID: 'call_scheduler.call.id',
  /** The attempt number (spans). */
  ATTEMPT: 'call_scheduler.attempt',
  /** The scheduler's `id` (every instrument). */
  SCHEDULER_ID: 'call_scheduler.scheduler.id',
  /** A call status (`call_scheduler.calls`). */
  STATUS: 'call_scheduler.call.status',
  /** The provider's `name` (every instrument). */
  PROVIDER: 'call_scheduler.provider.name',
  /** `place_call`, `get_call` or `cancel_call`. */
  PROVIDER_OPERATION: 'call_scheduler.provider.operation',
  /** The store method, e.g. `claimDueCalls`. */
  STORE_OPERATION: 'call_scheduler.store.operation',
  /** Why a dial's outcome is unknown. */
  REASON: 'call_scheduler.reason',
  /** The kind of a provider error (OpenTelemetry's `error.type`). */
  ERROR_TYPE: 'error.type',
} as const;

/**
 * The counts behind the `call_scheduler.calls` gauge, read when a metrics reader collects: the
 * number of calls per status. Return `undefined` when it cannot be answered now.
 */
export type CallCountsReader = () => Promise<Readonly<Record<string, number>> | undefined>;

/** The instrument each kind of {@link InstrumentSpec} creates. */
interface InstrumentOfKind {
  readonly counter: Counter;
  readonly histogram: Histogram;
  readonly 'observable-up-down-counter': ObservableUpDownCounter;
  readonly 'observable-gauge': ObservableGauge;
}

/** One instrument the library records: its kind, name, unit, description and, for a histogram, its buckets (seconds). */
interface InstrumentSpec {
  readonly kind: keyof InstrumentOfKind;
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly buckets?: readonly number[];
}

/** Every instrument of a scheduler, by the key {@link SchedulerTelemetry} reaches it with. `docs/observability.md` lists them. */
const INSTRUMENTS = {
  dials: { kind: 'counter', name: 'call_scheduler.dials', unit: '{dial}', description: 'Dials (attempts) that ended, by outcome.' },
  lateness: {
    kind: 'histogram',
    name: 'call_scheduler.dial.lateness',
    unit: 's',
    description: 'Time from a call being due to its placeCall request being sent.',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
  },
  liveCalls: {
    kind: 'observable-up-down-counter',
    name: 'call_scheduler.live_calls',
    unit: '{call}',
    description: 'Calls this scheduler is dialing or following now.',
  },
  providerDuration: {
    kind: 'histogram',
    name: 'call_scheduler.provider.request.duration',
    unit: 's',
    description: 'Duration of requests to the call provider, by operation and outcome.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  },
  providerErrors: {
    kind: 'counter',
    name: 'call_scheduler.provider.errors',
    unit: '{error}',
    description: 'Provider request errors, by kind (retryable, ambiguous, rejected, lost).',
  },
  storeDuration: {
    kind: 'histogram',
    name: 'call_scheduler.store.operation.duration',
    unit: 's',
    description: 'Duration of store operations, by operation.',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  },
  recoveries: {
    kind: 'counter',
    name: 'call_scheduler.lease.recoveries',
    unit: '{call}',
    description: 'Calls taken over after their lease expired (their scheduler died or stalled).',
  },
  unknownOutcomes: {
    kind: 'counter',
    name: 'call_scheduler.dial.unknown_outcomes',
    unit: '{dial}',
    description: 'Dials whose outcome is unknown (DISPATCH_OUTCOME_UNKNOWN), by reason.',
  },
  rateLimitPauses: {
    kind: 'counter',
    name: 'call_scheduler.provider.rate_limit_pauses',
    unit: '{pause}',
    description: 'Pauses of all dialing after the provider answered 429.',
  },
  calls: {
    kind: 'observable-gauge',
    name: 'call_scheduler.calls',
    unit: '{call}',
    description: 'Calls in the store, by status, read when metrics are collected.',
  },
} as const satisfies Record<string, InstrumentSpec>;

/** The instruments of one scheduler, one per entry of {@link INSTRUMENTS}. */
type Instruments = { readonly [K in keyof typeof INSTRUMENTS]: InstrumentOfKind[(typeof INSTRUMENTS)[K]['kind']] };

/** How `meter` creates an instrument of each kind. */
const CREATE_INSTRUMENT: { readonly [K in keyof InstrumentOfKind]: (meter: Meter, name: string, options: MetricOptions) => InstrumentOfKind[K] } = {
  counter: (meter, name, options) => meter.createCounter(name, options),
  histogram: (meter, name, options) => meter.createHistogram(name, options),
  'observable-up-down-counter': (meter, name, options) => meter.createObservableUpDownCounter(name, options),
  'observable-gauge': (meter, name, options) => meter.createObservableGauge(name, options),
};

/** Creates every instrument of {@link INSTRUMENTS} from `meter`. */
function createInstruments(meter: Meter): Instruments {
  const entries = Object.entries(INSTRUMENTS).map(([key, spec]: [string, InstrumentSpec]) => {
    const options: MetricOptions = { unit: spec.unit, description: spec.description };
    if (spec.buckets !== undefined) options.advice = { explicitBucketBoundaries: [...spec.buckets] };
    return [key, CREATE_INSTRUMENT[spec.kind](meter, spec.name, options)];
  });
  return Object.fromEntries(entries) as Instruments;
}

/**
 * Every instrument of one scheduler. Create one per scheduler with {@link SchedulerTelemetry.create};
 * {@link SchedulerTelemetry.close} removes the gauges' callbacks.
 */
export class SchedulerTelemetry {
  readonly #instruments: Instruments;
  #readLiveCalls: (() => number) | undefined;
  readonly #observeLive = (result: ObservableResult): void => {
    const read = this.#readLiveCalls;
    if (read !== undefined) result.observe(read(), this.#base);
  };
  readonly #tracer: Tracer;
  readonly #meter: Meter;
  /**
   * False when the meter provider hands out the API's no-op meter (no SDK was registered before
   * the scheduler was made): every metric would be dropped, so work done only to measure (timing
   * each store operation) is skipped.
   */
  readonly recordsMetrics: boolean;
  readonly #base: Attributes;
  /** Attribute sets by key, built once: recording allocates nothing on the hot path. */
  readonly #attributeSets = new Map<string, Attributes>();
  #countCalls: CallCountsReader | undefined;
  readonly #observeCalls = async (result: ObservableResult): Promise<void> => {
    const counts = await this.#countCalls?.().catch(() => undefined);
    if (counts === undefined) return;
    for (const [status, count] of Object.entries(counts)) {
      result.observe(count, this.#attributes(`calls:${status}`, () => ({ [TelemetryAttribute.STATUS]: status })));
    }
  };

  private constructor(options: TelemetryOptions, schedulerId: string, providerName: string) {
    const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
    const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
    this.#meter = meterProvider.getMeter(TELEMETRY_SCOPE);
    this.recordsMetrics = !(this.#meter instanceof NOOP_METER_CLASS);
    this.#tracer = tracerProvider.getTracer(TELEMETRY_SCOPE);
    this.#base = { [TelemetryAttribute.SCHEDULER_ID]: schedulerId, [TelemetryAttribute.PROVIDER]: providerName };
    this.#instruments = createInstruments(this.#meter);
  }

  /** The instruments of one scheduler, recording to `options`' providers (the global ones by default). */
  static create(options: TelemetryOptions, schedulerId: string, providerName: string): SchedulerTelemetry {
    return new SchedulerTelemetry(options, schedulerId, providerName);
  }

  /** The base attributes plus `extra`, built once per `key`. */
  #attributes(key: string, extra: () => Attributes): Attributes {
    let set = this.#attributeSets.get(key);
    if (set === undefined) {
      set = { ...this.#base, ...extra() };
      this.#attributeSets.set(key, set);
    }
    return set;
  }

  /** Starts answering the `call_scheduler.calls` gauge with `read`. */
  observeCallCounts(read: CallCountsReader): void {
    if (this.#countCalls === undefined) this.#instruments.calls.addCallback(this.#observeCalls);
    this.#countCalls = read;
  }

  /**
   * Starts answering `call_scheduler.live_calls` with `read`: the calls this scheduler is dialing
   * or following, read when metrics are collected (nothing is counted up and down on the way).
   */
  observeLiveCalls(read: () => number): void {
    if (this.#readLiveCalls === undefined) this.#instruments.liveCalls.addCallback(this.#observeLive);
    this.#readLiveCalls = read;
  }

  /** Stops answering the observable instruments; the others simply stop being recorded. */
  close(): void {
    if (this.#countCalls !== undefined) this.#instruments.calls.removeCallback(this.#observeCalls);
    this.#countCalls = undefined;
    if (this.#readLiveCalls !== undefined) this.#instruments.liveCalls.removeCallback(this.#observeLive);
    this.#readLiveCalls = undefined;
  }

  /** An attempt ended with `outcome`. */
  dialEnded(outcome: DialOutcome): void {
    this.#instruments.dials.add(1, this.#attributes(`dial:${outcome}`, () => ({ [TelemetryAttribute.OUTCOME]: outcome })));
  }

  /** A dial is sent `latenessMs` after its due time (never negative). */
  dialLateness(latenessMs: number): void {
    this.#instruments.lateness.record(Math.max(0, latenessMs) / 1000, this.#base);
  }

  /** A provider request took `ms` and ended `ok` or with an error of `errorKind`. */
  providerRequest(operation: ProviderOperation, ms: number, errorKind?: ProviderErrorKind): void {
    const outcome = errorKind === undefined ? 'ok' : 'error';
    this.#instruments.providerDuration.record(
      ms / 1000,
      this.#attributes(`provider:${operation}:${outcome}`, () => ({
        [TelemetryAttribute.PROVIDER_OPERATION]: operation,
        [TelemetryAttribute.OUTCOME]: outcome,
      })),
    );
    if (errorKind !== undefined) {
      this.#instruments.providerErrors.add(
        1,
        this.#attributes(`provider-error:${operation}:${errorKind}`, () => ({
          [TelemetryAttribute.PROVIDER_OPERATION]: operation,
          [TelemetryAttribute.ERROR_TYPE]: errorKind,
        })),
      );
    }
  }

  /**
   * A recorder of one store operation's durations (ms), its attributes built once: the store
   * wrapper takes one per method, so that recording builds no key and looks nothing up.
   */
  storeOperationRecorder(operation: string): (ms: number) => void {
    const histogram = this.#instruments.storeDuration;
    const attributes = this.#attributes(`store:${operation}`, () => ({ [TelemetryAttribute.STORE_OPERATION]: operation }));
    return (ms) => histogram.record(ms / 1000, attributes);
  }

  /** `count` calls were taken over after their lease expired. */
  leaseRecoveries(count: number): void {
    if (count > 0) this.#instruments.recoveries.add(count, this.#base);
  }

  /** A dial's outcome is unknown, for `reason`. */
  unknownOutcome(reason: UnknownOutcomeReason): void {
    this.#instruments.unknownOutcomes.add(1, this.#attributes(`unknown:${reason}`, () => ({ [TelemetryAttribute.REASON]: reason })));
  }

  /** Dialing paused after a 429. */
  rateLimitPause(): void {
    this.#instruments.rateLimitPauses.add(1, this.#base);
  }

  /**
   * Starts the span of one dial (`call_scheduler.dial`, kind CLIENT) or one status read
   * (`call_scheduler.status_read`), linked to the call by its id and attempt. End it with
   * {@link SchedulerTelemetry.endSpan}.
   */
  startSpan(name: 'call_scheduler.dial' | 'call_scheduler.status_read', callId: string, attempt: number, startTime: number): Span {
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime });
    // Attributes only for a span that records (none are built for the API's no-op spans).
    if (span.isRecording()) span.setAttributes({ ...this.#base, [TelemetryAttribute.CALL_ID]: callId, [TelemetryAttribute.ATTEMPT]: attempt });
    return span;
  }

  /** Ends `span` at `endTime`, as an error when `error` is given. */
  endSpan(span: Span, endTime: number, error?: { readonly kind: ProviderErrorKind; readonly message: string }): void {
    if (error !== undefined) {
      span.setAttribute(TelemetryAttribute.ERROR_TYPE, error.kind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end(endTime);
  }
}

/**
 * The kind of a provider error: `lost` (the provider no longer knows the call), `rejected` (a
 * permanent refusal), `ambiguous` (it may have taken effect: a timeout, an unreadable answer),
 * else `retryable`.
 */
export function providerErrorKind(error: ProviderError): ProviderErrorKind {
  if (error.code === ErrorCode.PROVIDER_CALL_NOT_FOUND) return 'lost';
  if (error.ambiguous) return 'ambiguous';
  return error.retryable ? 'retryable' : 'rejected';
}

/**
 * Why a dial that failed with `error` has an unknown outcome: `timeout` when no answer came in
 * time, else `answer-lost` (an answer that was cut off or could not be read).
 */
export function unknownReasonOf(error: ProviderError): UnknownOutcomeReason {
  return error.code === ErrorCode.PROVIDER_TIMEOUT ? 'timeout' : 'answer-lost';
}

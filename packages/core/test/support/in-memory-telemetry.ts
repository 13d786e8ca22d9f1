import { MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that only collects when asked: no timers. */
class CollectOnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point, flattened for assertions. */
export interface Point {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: unknown;
}

/** An OpenTelemetry SDK held in memory: metrics collected on demand, spans kept as ended. */
export class InMemoryTelemetry {
  readonly #reader = new CollectOnDemandReader();
  readonly #spans = new InMemorySpanExporter();
  /** Pass as `telemetry.meterProvider`. */
  readonly meterProvider = new MeterProvider({ readers: [this.#reader] });
  /** Pass as `telemetry.tracerProvider`. */
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.#spans)] });

  /** Every metric, by name. */
  async collect(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.#reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }

  /** The points of one metric (empty when it was never recorded). */
  async points(name: string): Promise<Point[]> {
    const metric = (await this.collect()).get(name);
    if (metric === undefined) return [];
    return (metric.dataPoints as DataPoint<unknown>[]).map((p) => ({ attributes: p.attributes, value: p.value }));
  }

  /** The sum of a counter's points whose attributes include `match`. */
  async sum(name: string, match: Readonly<Record<string, unknown>> = {}): Promise<number> {
    let total = 0;
    for (const point of await this.points(name)) {
      if (Object.entries(match).every(([k, v]) => point.attributes[k] === v)) total += point.value as number;
    }
    return total;
  }

  /** Ended spans. */
  spans(): ReadableSpan[] {
    return this.#spans.getFinishedSpans();
  }

  /** Shuts both providers down. */
  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}

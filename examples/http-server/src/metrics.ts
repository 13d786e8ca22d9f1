import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The example's metrics: an OpenTelemetry meter provider whose reader is the Prometheus exporter. */
export interface PrometheusMetrics {
  /** Pass to the scheduler as `telemetry.meterProvider`. */
  readonly meterProvider: MeterProvider;
  /** Answers a scrape (`GET /metrics`) in Prometheus' text format, collecting at that moment. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Stops the meter provider (and its reader). */
  shutdown(): Promise<void>;
}

/**
 * The scheduler's instruments are OpenTelemetry instruments, so OpenTelemetry's own Prometheus
 * exporter shows them as they are, with no second metrics model to keep in step. The exporter
 * starts no server of its own (`preventServerStart`): the example's HTTP server routes
 * `GET /metrics` to its request handler. `call_scheduler.dials` is scraped as
 * `call_scheduler_dials_total`, a histogram (in seconds) as `..._bucket`, `..._sum` and `..._count`.
 */
export function createPrometheusMetrics(): PrometheusMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  return {
    meterProvider,
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => meterProvider.shutdown(),
  };
}

import type { CallRouterScheduler } from '@call-scheduler/http-adapter';
import { apiKeyAuthorizer, createCallRouter } from '@call-scheduler/http-adapter';
import express, { type Express } from 'express';
import type { PrometheusMetrics } from './metrics.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The scheduler the API serves. */
  readonly scheduler: CallRouterScheduler;
  /** The folder of the web page (`index.html`, `app.js`, `styles.css`). */
  readonly publicDir: string;
  /** When set, every `/api` request needs it in the `x-api-key` header; the page asks for it. */
  readonly apiKey?: string | undefined;
  /** Where server-side API failures are reported. @default console.error */
  readonly onError?: (error: unknown) => void;
  /** When given, `GET /metrics` answers the scheduler's metrics in Prometheus' text format. */
  readonly metrics?: PrometheusMetrics | undefined;
}

/** The page talks only to its own origin and loads nothing from elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The example's Express 5 app: the call API (`createCallRouter`) at `/api`, and the web page at `/`.
 *
 * @example
 * ```ts
 * const app = createApp({ scheduler, publicDir: './public' });
 * app.listen(3000);
 * ```
 */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });
  app.use(
    '/api',
    createCallRouter({
      scheduler: options.scheduler,
      // With API_KEY, the key also guards POST /api/calls/purge (the page's "Clear ended calls");
      // without one, the page may clear calls too, like everything else on this example server.
      ...(options.apiKey === undefined ? { purge: { unprotected: true } } : { authorize: apiKeyAuthorizer(options.apiKey) }),
      ...(options.onError === undefined ? {} : { onError: (error: unknown) => options.onError?.(error) }),
      openapi: { title: 'Call Scheduler example server', version: '0.1.0' },
    }),
  );
  const metrics = options.metrics;
  if (metrics !== undefined) app.get('/metrics', (req, res) => metrics.handle(req, res));
  app.use(express.static(options.publicDir, { index: 'index.html', maxAge: 0, fallthrough: true }));
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
  });
  return app;
}

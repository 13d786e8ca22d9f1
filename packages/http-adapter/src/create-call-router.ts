import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRouterOptions } from './call-router-options.js';
import { hasSeries } from './call-router-series.js';
import { EventLogFollower } from './events/event-log-follower.js';
import { corsHeaders, preflightHeaders } from './http/cors.js';
import { HttpErrorCode, HttpProblem, toHttpProblem } from './http/problem.js';
import { parseQueryString } from './http/query-string.js';
import { readRequestUrl, type RequestUrl } from './http/request-url.js';
import { sendEmpty, sendProblem } from './http/send.js';
import { openApiDocumentOf, type OpenApiDocument } from './openapi/openapi-document.js';
import type { CallRoute, CallRouteInfo } from './routes/call-route.js';
import type { RouteContext, RouterSettings } from './routes/route-context.js';
import { buildRouteTable } from './routes/route-table.js';
import { checkRouterOptions } from './options/router-options-schema.js';
import { parseWebhookBody } from './webhooks/default-webhook-parser.js';
import { WebhookGuard } from './webhooks/webhook-guard.js';

/** The `next` of Express and Connect. */
export type NextFunction = (error?: unknown) => void;

/**
 * The handler {@link createCallRouter} returns: `(req, res, next?)`, usable with `app.use()` in
 * Express 4 and 5 and Connect, and as a `node:http` request listener.
 */
export interface CallRouter {
  /** Serves one request; calls `next()` for paths that are not the router's. */
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** The routes this router serves (its own route table). */
  readonly routes: readonly CallRouteInfo[];
  /** The OpenAPI 3.1 document of these routes (what `GET /openapi.json` serves, without `servers`). */
  openApiDocument(): OpenApiDocument;
}

interface CompiledRoute {
  readonly route: CallRoute;
  readonly segments: readonly string[];
}

function compile(route: CallRoute): CompiledRoute {
  return { route, segments: route.path.split('/').slice(1) };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] ?? '';
    const actual = segments[i] ?? '';
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (actual === '') return undefined;
      params[expected.slice(1, -1)] = actual;
    } else if (expected !== actual) return undefined;
  }
  return params;
}

/** The `Allow` list of a path: its routes' methods, `HEAD` where `GET` is, and `OPTIONS`. */
function allowedMethods(matches: readonly { readonly compiled: CompiledRoute }[]): string[] {
  const methods = matches.map((m) => m.compiled.route.method);
  return [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])];
}

function decodeSegments(path: string): string[] | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/').slice(1);
  if (!trimmed.includes('%')) return segments;
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function normalizeBasePath(basePath: string | undefined): string {
  if (basePath === undefined || basePath === '' || basePath === '/') return '';
  return basePath.replace(/\/+$/, '');
}

function authorizeFailure(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499) {
    const message = (error as { message?: unknown }).message;
    const code = status === 401 ? HttpErrorCode.UNAUTHORIZED : status === 403 ? HttpErrorCode.FORBIDDEN : `HTTP_${status}`;
    return new HttpProblem(status, code, typeof message === 'string' && message !== '' ? message : 'The request was refused', { cause: error });
  }
  return new HttpProblem(403, HttpErrorCode.FORBIDDEN, 'The request is not allowed', { cause: error });
}

/**
 * Creates the HTTP router of a scheduler: the REST routes of `POST/GET /calls`,
 * `GET/PATCH /calls/{id}`, `POST /calls/{id}/cancel`, Server-Sent Events at `GET /events`,
 * `GET /health`, `GET /openapi.json`, and optionally `POST /webhooks/call-status`. Errors are
 * `application/problem+json`. It has no runtime dependency on Express.
 *
 * @example
 * ```ts
 * // Express 4 or 5
 * app.use('/api', createCallRouter({ scheduler }));
 * // node:http
 * http.createServer(createCallRouter({ scheduler, basePath: '/api' })).listen(3000);
 * ```
 */
export function createCallRouter(options: CallRouterOptions): CallRouter {
  checkRouterOptions(options);
  const { scheduler } = options;
  const basePath = normalizeBasePath(options.basePath);
  const webhook = options.webhook;
  const webhookParser =
    typeof webhook === 'function'
      ? webhook
      : webhook === true || (typeof webhook === 'object' && webhook !== null)
        ? ((typeof webhook === 'object' ? webhook.parse : undefined) ?? parseWebhookBody)
        : undefined;
  const webhookGuard =
    typeof webhook === 'object' && webhook !== null && (webhook.twilio !== undefined || webhook.hmac !== undefined)
      ? new WebhookGuard({ twilio: webhook.twilio, hmac: webhook.hmac, clock: scheduler.clock })
      : undefined;
  const onError =
    options.onError ??
    ((error: unknown, req: IncomingMessage): void => {
      console.error(`[call-scheduler/http-adapter] ${req.method ?? ''} ${req.url ?? ''} failed:`, error);
    });
  const purgeAllowed = options.authorize !== undefined || options.purge?.unprotected === true;
  const routes = buildRouteTable({ webhook: webhookParser !== undefined, purge: purgeAllowed, series: hasSeries(scheduler) });
  const compiled = routes.map(compile);
  const ownedPrefixes = new Set(compiled.map((c) => c.segments[0] ?? ''));
  let document: OpenApiDocument | undefined;
  const openApiDocument = (): OpenApiDocument => (document ??= openApiDocumentOf(routes, options.openapi));
  const reportError = (error: unknown, req: IncomingMessage): void => {
    try {
      onError(error, req);
    } catch {
      // An onError that throws must not take the server down.
    }
  };
  const eventLog =
    scheduler.store?.watch === undefined || scheduler.store.eventLogHead === undefined
      ? undefined
      : new EventLogFollower({
          scheduler,
          clock: scheduler.clock,
          rereadMs: options.sseRereadMs ?? 2_000,
          // The watch is shared by the streams: its failures belong to no one request.
          reportError: (error) => reportError(error, { method: 'GET', url: '/events', headers: {} } as IncomingMessage),
        });
  const settings: RouterSettings = Object.freeze({
    scheduler,
    bodyLimit: options.bodyLimit ?? 100_000,
    sseHeartbeatMs: options.sseHeartbeatMs ?? 15_000,
    basePath,
    webhookParser,
    webhookGuard,
    maxOverdueMs: options.health?.maxOverdueMs,
    eventLog,
    reportError,
    openApiDocument,
  });
  const cors = options.cors;
  const authorize = options.authorize;

  async function serve(req: IncomingMessage, res: ServerResponse, url: RequestUrl, next: NextFunction | undefined): Promise<void> {
    let path = url.path;
    let mounted = url.mountPath !== '';
    if (basePath !== '') {
      if (path !== basePath && !path.startsWith(`${basePath}/`)) return fallThrough(req, res, url, next);
      path = path.slice(basePath.length) || '/';
      mounted = true;
    }
    const segments = decodeSegments(path);
    const owned = mounted || ownedPrefixes.has(path.split('/')[1] ?? '');
    const matches: { compiled: CompiledRoute; params: Record<string, string> }[] = [];
    if (segments !== undefined) {
      for (const c of compiled) {
        const params = matchSegments(c.segments, segments);
        if (params !== undefined) matches.push({ compiled: c, params });
      }
    }
    if (matches.length === 0 && !owned) return fallThrough(req, res, url, next);
    // CORS headers go on every answer of the router, errors included, so that a browser can read them.
    const cross = cors === undefined ? undefined : corsHeaders(req, cors);
    if (cross !== undefined) for (const [name, value] of Object.entries(cross)) res.setHeader(name, value);
    if (matches.length === 0) throw new HttpProblem(404, HttpErrorCode.NOT_FOUND, `No route for ${path.slice(0, 200)}`);
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'OPTIONS') {
      const allow = allowedMethods(matches);
      const isPreflight = cors !== undefined && req.headers['access-control-request-method'] !== undefined;
      const extra = isPreflight && cross?.['Access-Control-Allow-Origin'] !== undefined ? preflightHeaders(req, cors, allow) : {};
      sendEmpty(res, 204, { Allow: allow.join(', '), ...extra, 'Content-Length': '0' });
      return;
    }
    const wanted = method === 'HEAD' ? 'GET' : method;
    const match = matches.find((m) => m.compiled.route.method === wanted);
    if (match === undefined) {
      const allow = allowedMethods(matches);
      throw new HttpProblem(405, HttpErrorCode.METHOD_NOT_ALLOWED, `${method.slice(0, 20)} is not allowed here; use ${allow.join(', ')}`, {
        headers: { Allow: allow.join(', ') },
      });
    }
    const route = match.compiled.route;
    if (authorize !== undefined) {
      let allowed: boolean;
      try {
        allowed = await authorize(req, { operationId: route.operationId, method, path: route.path });
      } catch (error) {
        throw authorizeFailure(error);
      }
      if (allowed !== true) {
        throw new HttpProblem(401, HttpErrorCode.UNAUTHORIZED, 'The request needs valid credentials', {
          headers: { 'WWW-Authenticate': 'ApiKey' },
        });
      }
    }
    const ctx: RouteContext = {
      req,
      res,
      params: match.params,
      query: parseQueryString(url.query),
      url,
      settings,
    };
    await route.handle(ctx);
  }

  function fallThrough(req: IncomingMessage, res: ServerResponse, url: RequestUrl, next: NextFunction | undefined): void {
    if (next !== undefined) {
      next();
      return;
    }
    sendProblem(res, new HttpProblem(404, HttpErrorCode.NOT_FOUND, `No route for ${url.path.slice(0, 200)}`), url.fullPath);
  }

  const router = ((req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    let url: RequestUrl;
    try {
      url = readRequestUrl(req);
    } catch (error) {
      reportError(error, req);
      sendProblem(res, toHttpProblem(error).problem, '/');
      return;
    }
    serve(req, res, url, next).catch((error: unknown) => {
      const { problem, report } = toHttpProblem(error);
      if (report) reportError(error, req);
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      sendProblem(res, problem, url.fullPath);
    });
  }) as CallRouter;
  Object.defineProperty(router, 'routes', {
    value: Object.freeze(routes.map((r) => Object.freeze({ method: r.method, path: r.path, operationId: r.operationId }))),
    enumerable: true,
  });
  Object.defineProperty(router, 'openApiDocument', { value: openApiDocument, enumerable: true });
  return router;
}

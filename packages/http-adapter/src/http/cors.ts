import type { IncomingMessage } from 'node:http';

/** Cross-origin settings. CORS is off unless the router is given these. */
export interface CorsOptions {
  /**
   * Which origins may call the API: one origin (`https://app.example.com`), a list, `'*'` for any
   * (without credentials), or a function that decides.
   */
  readonly origin: string | readonly string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (not with `origin: '*'`). @default false */
  readonly credentials?: boolean;
  /** Request headers allowed in a preflight. @default the headers the browser asks for */
  readonly allowedHeaders?: readonly string[];
  /** Response headers the browser may read. @default ['Location'] */
  readonly exposedHeaders?: readonly string[];
  /** How long a browser may cache a preflight, in seconds. @default 600 */
  readonly maxAge?: number;
}

/**
 * The CORS headers to add to an answer for `req`. Unless every origin gets the same answer
 * (`origin: '*'` without credentials), every answer carries `Vary: Origin`, also for a refused
 * origin or a request without one: otherwise a shared cache could serve the answer that lacks
 * `Access-Control-Allow-Origin` to an allowed origin (or the reverse).
 */
export function corsHeaders(req: IncomingMessage, cors: CorsOptions | undefined): Record<string, string> {
  if (cors === undefined) return {};
  const wildcard = cors.origin === '*' && cors.credentials !== true;
  const vary: Record<string, string> = wildcard ? {} : { Vary: 'Origin' };
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return vary;
  const allowed =
    typeof cors.origin === 'function'
      ? safeCall(cors.origin, origin)
      : typeof cors.origin === 'string'
        ? cors.origin === '*' || cors.origin === origin
        : cors.origin.includes(origin);
  if (!allowed) return vary;
  return {
    'Access-Control-Allow-Origin': wildcard ? '*' : origin,
    ...vary,
    ...(cors.credentials === true ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
    'Access-Control-Expose-Headers': (cors.exposedHeaders ?? ['Location']).join(', '),
  };
}

/** The extra headers of a preflight answer (on top of {@link corsHeaders}). */
export function preflightHeaders(req: IncomingMessage, cors: CorsOptions, allow: readonly string[]): Record<string, string> {
  const requested = req.headers['access-control-request-headers'];
  const headers = cors.allowedHeaders?.join(', ') ?? (typeof requested === 'string' ? requested : '');
  return {
    'Access-Control-Allow-Methods': allow.join(', '),
    ...(headers === '' ? {} : { 'Access-Control-Allow-Headers': headers }),
    'Access-Control-Max-Age': String(cors.maxAge ?? 600),
  };
}

function safeCall(fn: (origin: string) => boolean, origin: string): boolean {
  try {
    return fn(origin) === true;
  } catch {
    return false;
  }
}

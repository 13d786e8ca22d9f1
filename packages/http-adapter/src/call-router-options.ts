import type { IncomingMessage } from 'node:http';
import type { CallRouterScheduler } from './call-router-scheduler.js';
import type { CorsOptions } from './http/cors.js';
import type { OpenApiInfo } from './openapi/openapi-document.js';
import type { WebhookParser } from './routes/route-context.js';

/** What an {@link CallRouterAuthorizer} is told about the request besides `req`. */
export interface AuthorizeContext {
  /** The route's OpenAPI operation id, e.g. `scheduleCall`. */
  readonly operationId: string;
  /** The method. */
  readonly method: string;
  /** The route's path template relative to the router, e.g. `/calls/{id}`. */
  readonly path: string;
}

/**
 * Decides whether a request may proceed: return (or resolve) `true` to allow, `false` to answer
 * 401. Throwing answers 403, or the thrown value's `status` (a number from 400 to 499) with its
 * `message` as the detail. It runs before the body is read; preflight `OPTIONS` requests skip it.
 */
export type CallRouterAuthorizer = (req: IncomingMessage, context: AuthorizeContext) => boolean | Promise<boolean>;

/** Options of {@link createCallRouter}. */
export interface CallRouterOptions {
  /** The scheduler to serve (a `CallScheduler`, or anything with the {@link CallRouterScheduler} members). */
  readonly scheduler: CallRouterScheduler;
  /** Checks every request before it is served. @default every request is allowed */
  readonly authorize?: CallRouterAuthorizer;
  /** Largest accepted request body in bytes; past it the router stops reading and answers 413. @default 100_000 */
  readonly bodyLimit?: number;
  /** Cross-origin settings. @default off */
  readonly cors?: CorsOptions;
  /**
   * A path prefix such as `/api`, for use as a plain `node:http` handler. Leave it out when
   * mounting with `app.use('/api', router)` (Express and Connect strip the mount path).
   * Requests outside it go to `next()` (or get 404 without a `next`).
   * @default ''
   */
  readonly basePath?: string;
  /** Interval of SSE heartbeat comments on the scheduler's clock, in ms. @default 15_000 */
  readonly sseHeartbeatMs?: number;
  /**
   * Serve `POST /webhooks/call-status` for provider status pushes: `true` for the default parser
   * (JSON `{ providerCallId, status, durationSeconds? }` or Twilio form fields), or a parser.
   * Protect it with `authorize` (e.g. checking the provider's signature). @default false
   */
  readonly webhook?: boolean | WebhookParser;
  /**
   * Called with every server-side failure (answered 500 or 503 without details).
   * @default logs with `console.error`
   */
  readonly onError?: (error: unknown, req: IncomingMessage) => void;
  /** The `info` of the OpenAPI document. */
  readonly openapi?: OpenApiInfo;
}

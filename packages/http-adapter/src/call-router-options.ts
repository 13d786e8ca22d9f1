import type { IncomingMessage } from 'node:http';
import type { CallRouterScheduler } from './call-router-scheduler.js';
import type { CorsOptions } from './http/cors.js';
import type { OpenApiInfo } from './openapi/openapi-document.js';
import type { WebhookParser } from './routes/route-context.js';
import type { WebhookOptions } from './webhooks/webhook-options.js';

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
  /**
   * Checks every request before it is served. With it, the webhook route may go without a
   * signature secret and `POST /calls/purge` is served (the hook decides).
   * @default every request is allowed (but see `webhook` and `purge`)
   */
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
   * When `GET /events` follows the store's event log (a store that can watch, such as
   * PostgreSQL), how often it re-reads the log anyway, in ms on the scheduler's clock: store
   * notifications are hints that can be coalesced or lost while a listener reconnects.
   * @default 2_000
   */
  readonly sseRereadMs?: number;
  /**
   * Serve `POST /webhooks/call-status` for provider status pushes: `true` for the default parser
   * (core's `parseCallApiWebhook`), a parser, or {@link WebhookOptions} with the signature checks
   * (`twilio`, `hmac`). The route must be protected: with neither a signature secret nor an
   * `authorize` hook, `createCallRouter` throws unless `{ unsigned: true }` says to serve it open.
   * @default false
   */
  readonly webhook?: boolean | WebhookParser | WebhookOptions;
  /**
   * `POST /calls/purge` deletes ended calls. It is refused (403) unless an `authorize` hook is set
   * (which then decides, with `operationId === 'purgeCalls'`) or `unprotected: true` opens it.
   * @default refused without an authorize hook
   */
  readonly purge?: {
    /** Serve `POST /calls/purge` without an `authorize` hook. @default false */
    readonly unprotected?: boolean;
  };
  /** `GET /health` settings. */
  readonly health?: {
    /**
     * Answer 503 (for load balancers) when the scheduler's health reports an oldest overdue call
     * (`oldestOverdueMs`) later than this many ms. @default never
     */
    readonly maxOverdueMs?: number;
  };
  /**
   * Called with every server-side failure (answered 500 or 503 without details).
   * @default logs with `console.error`
   */
  readonly onError?: (error: unknown, req: IncomingMessage) => void;
  /** The `info` of the OpenAPI document. */
  readonly openapi?: OpenApiInfo;
}

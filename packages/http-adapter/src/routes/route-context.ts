import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderStatusUpdate } from '@call-scheduler/core';
import type { CallRouterScheduler } from '../call-router-scheduler.js';
import type { RequestUrl } from '../http/request-url.js';
import type { EventLogFollower } from '../events/event-log-follower.js';
import type { WebhookGuard } from '../webhooks/webhook-guard.js';

/**
 * Turns a provider's webhook request into a {@link ProviderStatusUpdate}. `body` is the parsed
 * JSON body, or an object of strings for `application/x-www-form-urlencoded` (as Twilio sends).
 * Throw (or return `undefined`) to answer 400.
 */
export type WebhookParser = (
  body: unknown,
  req: IncomingMessage,
) => ProviderStatusUpdate | undefined | Promise<ProviderStatusUpdate | undefined>;

/** The router's frozen settings, as the route handlers see them. */
export interface RouterSettings {
  /** The scheduler. */
  readonly scheduler: CallRouterScheduler;
  /** Body limit in bytes. */
  readonly bodyLimit: number;
  /** Heartbeat interval of SSE streams. */
  readonly sseHeartbeatMs: number;
  /** The `basePath` option, normalized (`''` or `/api`). */
  readonly basePath: string;
  /** The webhook parser, when the webhook route is on. */
  readonly webhookParser: WebhookParser | undefined;
  /** The signature check of the webhook route, when a secret is configured. */
  readonly webhookGuard: WebhookGuard | undefined;
  /** `GET /health` answers 503 when the oldest overdue call is later than this (ms). */
  readonly maxOverdueMs: number | undefined;
  /** Follows the store's event log for `GET /events`, when the scheduler can watch its store. */
  readonly eventLog: EventLogFollower | undefined;
  /** Reports a server-side failure. */
  readonly reportError: (error: unknown, req: IncomingMessage) => void;
  /** The OpenAPI document (built once). */
  readonly openApiDocument: () => Readonly<Record<string, unknown>>;
}

/** Everything a route handler gets. */
export interface RouteContext {
  /** The request. */
  readonly req: IncomingMessage;
  /** The response. */
  readonly res: ServerResponse;
  /** Decoded path parameters (`id`). */
  readonly params: Readonly<Record<string, string>>;
  /** Decoded query parameters. */
  readonly query: ReadonlyMap<string, readonly string[]>;
  /** The request's URL parts. */
  readonly url: RequestUrl;
  /** The router's settings. */
  readonly settings: RouterSettings;
}

import type { WebhookParser } from '../routes/route-context.js';

/** Verification of Twilio's `X-Twilio-Signature` on the webhook route. */
export interface TwilioWebhookOptions {
  /** The account's auth token, or several while rotating (any one may have signed). */
  readonly authToken: string | readonly string[];
  /**
   * The scheme and host Twilio calls, e.g. `https://calls.example.com`: Twilio signs the full URL
   * it called, which a server behind a proxy or TLS terminator cannot see. The path and query are
   * the request's own (`req.originalUrl`).
   * @default the request's `Host` header, with `https:` on a TLS socket and `http:` otherwise
   */
  readonly publicOrigin?: string;
}

/**
 * Verification of the generic scheme: `X-Signature: sha256=<hex>`, an HMAC-SHA256 over
 * `${X-Signature-Timestamp}.${body}` keyed with a shared secret, the timestamp in whole seconds.
 */
export interface HmacWebhookOptions {
  /** The shared secret, or several while rotating (any one may have signed). */
  readonly secret: string | readonly string[];
  /**
   * How far the timestamp may be from the scheduler clock's now, either way, in ms. A signature is
   * accepted once: a replay inside the window is refused, and outside it the timestamp is stale.
   * @default 300_000
   */
  readonly toleranceMs?: number;
}

/** The `webhook` option of `createCallRouter` in full. */
export interface WebhookOptions {
  /**
   * Turns a request into a status report.
   * @default core's `parseCallApiWebhook` (`{ providerCallId, status, durationSeconds? }`,
   * `{ call: CALL }`, `{ id | call_id, status, duration? }`, or Twilio's form fields)
   */
  readonly parse?: WebhookParser;
  /** Verify Twilio's signature. */
  readonly twilio?: TwilioWebhookOptions;
  /** Verify the generic HMAC-SHA256 signature. */
  readonly hmac?: HmacWebhookOptions;
  /**
   * Serve the route without a signature check and without an `authorize` hook: anyone who can
   * reach it can end calls. Only for a route that a network boundary already protects.
   * @default false (`createCallRouter` throws instead)
   */
  readonly unsigned?: boolean;
}

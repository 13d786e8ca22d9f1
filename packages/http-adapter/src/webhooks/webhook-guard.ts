import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '@call-scheduler/core';
import { HttpErrorCode, HttpProblem } from '../http/problem.js';
import { HmacVerifier, SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER, type HmacRejection } from './hmac-signature.js';
import { verifyTwilioSignature } from './twilio-signature.js';
import type { HmacWebhookOptions, TwilioWebhookOptions } from './webhook-options.js';

/** The default tolerance of the generic scheme's timestamp. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 300_000;

/** A webhook body as read, for verification. */
export interface SignedBody {
  /** The body's text exactly as sent, when known. */
  readonly raw: string | undefined;
  /** The form fields, for `application/x-www-form-urlencoded`; `undefined` for JSON. */
  readonly form: Readonly<Record<string, string>> | undefined;
}

const HMAC_DETAIL: Readonly<Record<HmacRejection, string>> = {
  missing: `The push has no ${SIGNATURE_HEADER} and ${SIGNATURE_TIMESTAMP_HEADER} headers`,
  malformed: `${SIGNATURE_HEADER} must be sha256=<64 hex digits> and ${SIGNATURE_TIMESTAMP_HEADER} whole seconds`,
  stale: `${SIGNATURE_TIMESTAMP_HEADER} is outside the accepted window`,
  mismatch: 'The signature does not match the body',
  replayed: 'This signature was already used',
};

function refused(detail: string): HttpProblem {
  return new HttpProblem(401, HttpErrorCode.UNAUTHORIZED, detail, { headers: { 'WWW-Authenticate': 'Signature' } });
}

function single(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

function toList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

/**
 * Verifies webhook pushes before they touch the store: Twilio's `X-Twilio-Signature`, the generic
 * `X-Signature`, or either when both are configured (a push must pass the scheme whose header it
 * carries). Every comparison is constant-time; a failure is a 401 problem.
 */
export class WebhookGuard {
  readonly #twilio: { readonly authTokens: readonly string[]; readonly publicOrigin: string | undefined } | undefined;
  readonly #hmac: HmacVerifier | undefined;
  readonly #clock: Clock;

  constructor(options: { readonly twilio?: TwilioWebhookOptions | undefined; readonly hmac?: HmacWebhookOptions | undefined; readonly clock: Clock }) {
    this.#clock = options.clock;
    this.#twilio =
      options.twilio === undefined
        ? undefined
        : { authTokens: toList(options.twilio.authToken), publicOrigin: options.twilio.publicOrigin?.replace(/\/+$/, '') };
    this.#hmac =
      options.hmac === undefined
        ? undefined
        : new HmacVerifier(toList(options.hmac.secret), options.hmac.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS);
  }

  /** Throws a 401 {@link HttpProblem} unless the push is signed as configured. */
  verify(req: IncomingMessage, body: SignedBody): void {
    const twilioSignature = single(req, 'x-twilio-signature');
    if (this.#twilio !== undefined && (twilioSignature !== undefined || this.#hmac === undefined)) {
      if (twilioSignature === undefined) throw refused('The push has no X-Twilio-Signature header');
      const ok = verifyTwilioSignature({
        authTokens: this.#twilio.authTokens,
        signature: twilioSignature,
        url: this.#urlOf(req),
        params: body.form,
        rawBody: body.raw,
      });
      if (!ok) throw refused('The X-Twilio-Signature does not match the URL and parameters');
      return;
    }
    if (this.#hmac === undefined) return;
    if (body.raw === undefined) {
      throw refused('The signature cannot be checked: the raw body is gone (mount the router before body parsers, or keep the bytes in req.rawBody)');
    }
    const rejection = this.#hmac.verify(single(req, SIGNATURE_HEADER), single(req, SIGNATURE_TIMESTAMP_HEADER), body.raw, this.#clock.now());
    if (rejection !== undefined) throw refused(HMAC_DETAIL[rejection]);
  }

  /** The full URL as the caller saw it. */
  #urlOf(req: IncomingMessage): string {
    const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    if (this.#twilio?.publicOrigin !== undefined) return `${this.#twilio.publicOrigin}${path}`;
    const secure = (req.socket as Partial<TLSSocket> | null)?.encrypted === true;
    return `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${path}`;
  }
}

import { createHmac } from 'node:crypto';
import { equalsOneOf } from './constant-time.js';

/** The header that carries the generic scheme's signature, `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'x-signature';

/** The header that carries the generic scheme's timestamp, in whole seconds since the epoch. */
export const SIGNATURE_TIMESTAMP_HEADER = 'x-signature-timestamp';

/**
 * The generic webhook signature: HMAC-SHA256, keyed with a shared secret, over
 * `${timestamp}.${body}` (the timestamp in whole seconds since the epoch, the body exactly as
 * sent), written as `sha256=<hex>`.
 */
export function hmacSignature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * The headers a sender adds to sign a webhook body with the generic scheme
 * (`X-Signature-Timestamp` and `X-Signature`), for a provider or a test that pushes statuses.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ providerCallId: 'c1', status: 'completed' });
 * await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signWebhook(secret, body, Date.now()) } }); // clock-ok: the sender signs with its own wall clock (a user example, not library code)
 * ```
 */
export function signWebhook(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [SIGNATURE_TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: hmacSignature(secret, timestamp, body) };
}

/** Why a push failed the generic scheme's check. */
export type HmacRejection = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'replayed';

/**
 * Checks the generic scheme and refuses replays: a signature is accepted once; the same signature
 * again within the tolerance window is `replayed`, and outside it `stale`. Remembers the signatures
 * it accepted until they leave the window (in this process only).
 */
export class HmacVerifier {
  readonly #secrets: readonly string[];
  readonly #toleranceMs: number;
  /** Accepted signatures and when they leave the window (epoch ms). */
  readonly #seen = new Map<string, number>();

  constructor(secrets: readonly string[], toleranceMs: number) {
    this.#secrets = secrets;
    this.#toleranceMs = toleranceMs;
  }

  /** `undefined` when the push is signed, fresh and new; otherwise why not. */
  verify(signature: string | undefined, timestamp: string | undefined, rawBody: string, nowMs: number): HmacRejection | undefined {
    if (signature === undefined || timestamp === undefined) return 'missing';
    if (!/^\d{1,12}$/.test(timestamp) || !/^sha256=[0-9a-fA-F]{64}$/.test(signature)) return 'malformed';
    const signedAt = Number(timestamp) * 1000;
    if (Math.abs(nowMs - signedAt) > this.#toleranceMs) return 'stale';
    const seconds = Number(timestamp);
    const given = signature.toLowerCase();
    if (!equalsOneOf(given, this.#secrets.map((secret) => hmacSignature(secret, seconds, rawBody)))) return 'mismatch';
    this.#forget(nowMs);
    if (this.#seen.has(given)) return 'replayed';
    this.#seen.set(given, signedAt + this.#toleranceMs);
    return undefined;
  }

  /**
   * Drops the signatures that left the window (they are refused as stale from then on), oldest
   * accepted first, stopping at the first one still inside it: an entry accepted at `t` leaves
   * between `t` and `t + 2 × tolerance`, so none outlives the window by more than that and the
   * work per push stays small.
   */
  #forget(nowMs: number): void {
    for (const [signature, until] of this.#seen) {
      if (until >= nowMs) return;
      this.#seen.delete(signature);
    }
  }
}

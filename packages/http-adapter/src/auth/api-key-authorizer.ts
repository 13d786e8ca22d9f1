import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Options of {@link apiKeyAuthorizer}. */
export interface ApiKeyAuthorizerOptions {
  /** The request header that carries the key (case-insensitive). @default 'x-api-key' */
  readonly header?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * An example `authorize` hook: allows a request whose `header` carries `key` (or one of `keys`).
 * Keys are compared as SHA-256 digests with `crypto.timingSafeEqual`, so the comparison takes the
 * same time whatever the key's length or how much of it matches.
 *
 * @example
 * ```ts
 * const router = createCallRouter({ scheduler, authorize: apiKeyAuthorizer(process.env.API_KEY!) });
 * // curl -H 'x-api-key: …' http://localhost:3000/api/calls
 * ```
 */
export function apiKeyAuthorizer(key: string | readonly string[], options: ApiKeyAuthorizerOptions = {}): (req: IncomingMessage) => boolean {
  const keys = (typeof key === 'string' ? [key] : [...key]).map((k) => {
    if (typeof k !== 'string' || k.length === 0) throw new TypeError('apiKeyAuthorizer: a key must be a non-empty string');
    return digest(k);
  });
  if (keys.length === 0) throw new TypeError('apiKeyAuthorizer: give at least one key');
  const header = (options.header ?? 'x-api-key').toLowerCase();
  return (req) => {
    const given = req.headers[header];
    if (typeof given !== 'string' || given.length === 0) return false;
    const candidate = digest(given);
    let ok = false;
    for (const expected of keys) ok = timingSafeEqual(candidate, expected) || ok;
    return ok;
  };
}

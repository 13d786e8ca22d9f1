import { createHash, createHmac } from 'node:crypto';
import { equalsOneOf } from './constant-time.js';

/**
 * Twilio's request signature (`X-Twilio-Signature`): HMAC-SHA1, keyed with the account's auth
 * token, over the full URL Twilio called (scheme, host, path and query) followed by every POST
 * parameter, sorted by name, as name then value with no separators; base64.
 *
 * @example
 * ```ts
 * twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' });
 * // 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' (Twilio's documented example)
 * ```
 */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>> = {}): string {
  const names = Object.keys(params).sort();
  let data = url;
  for (const name of names) data += name + (params[name] ?? '');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL without its port, or with the default port of its scheme added (Twilio signs either). */
function portVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#:]*)(:\d+)?(.*)$/i.exec(url);
  if (match === null) return [url];
  const [, scheme = '', host = '', port, rest = ''] = match;
  if (port !== undefined) return [url, `${scheme}://${host}${rest}`];
  return [url, `${scheme}://${host}:${scheme.toLowerCase() === 'https' ? '443' : '80'}${rest}`];
}

/**
 * Checks an `X-Twilio-Signature` against each auth token (several while rotating) and the URL with
 * and without its port, comparing in constant time.
 *
 * - A form request (`application/x-www-form-urlencoded`): the URL followed by the sorted
 *   parameters.
 * - A JSON request: Twilio signs the URL only, and that URL carries `bodySHA256`, the hex SHA-256
 *   of the body, which must match `rawBody`.
 */
export function verifyTwilioSignature(options: {
  /** The auth tokens that may have signed the request. */
  readonly authTokens: readonly string[];
  /** The header's value. */
  readonly signature: string;
  /** The full URL Twilio called. */
  readonly url: string;
  /** The form parameters, or `undefined` for a JSON body. */
  readonly params: Readonly<Record<string, string>> | undefined;
  /** The raw body, needed for a JSON body. */
  readonly rawBody: string | undefined;
}): boolean {
  const { authTokens, signature, url, params } = options;
  if (params === undefined) {
    let bodyHash: string | null;
    try {
      bodyHash = new URL(url).searchParams.get('bodySHA256');
    } catch {
      bodyHash = null;
    }
    if (bodyHash === null || options.rawBody === undefined) return false;
    const actual = createHash('sha256').update(options.rawBody, 'utf8').digest('hex');
    if (!equalsOneOf(bodyHash.toLowerCase(), [actual])) return false;
  }
  const expected: string[] = [];
  for (const token of authTokens) {
    for (const variant of portVariants(url)) expected.push(twilioSignature(token, variant, params ?? {}));
  }
  return equalsOneOf(signature, expected);
}

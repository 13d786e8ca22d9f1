/**
 * The wait a `Retry-After` header asks for, in ms: a number of seconds (`"2"`, `"1.5"`) or an
 * HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`, measured against `nowMs`). A date in the past
 * gives `0`; a missing or unreadable header gives `null`.
 *
 * @example
 * ```ts
 * parseRetryAfter('3', clock.now()); // 3000
 * parseRetryAfter(new Date(clock.now() + 5_000).toUTCString(), clock.now()); // about 5000
 * ```
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : null;
  }
  if (!/[a-z]/i.test(text)) return null; // an HTTP-date names its day and month
  const date = Date.parse(text);
  if (!Number.isFinite(date)) return null;
  return Math.max(0, date - nowMs);
}

import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `given` equals one of `expected`, in time that depends neither on where they differ nor
 * on their lengths: both sides are hashed to SHA-256 first and compared with
 * `crypto.timingSafeEqual`, and every candidate is compared.
 */
export function equalsOneOf(given: string, expected: readonly string[]): boolean {
  const candidate = digest(given);
  let ok = false;
  for (const value of expected) ok = timingSafeEqual(candidate, digest(value)) || ok;
  return ok;
}

/** Valid US area codes, so that up to 80 million distinct numbers pass libphonenumber's checks. */
const AREA_CODES = ['415', '212', '312', '617', '206', '303', '404', '512'];

/**
 * A distinct, valid E.164 number for index `i` (0 ≤ i < 64,000,000): distinct numbers keep the
 * scheduler's one-live-call-per-number rule from serializing the benchmark.
 */
export function phoneNumber(i: number): string {
  const area = AREA_CODES[Math.floor(i / 8_000_000) % AREA_CODES.length] ?? '415';
  return `+1${area}${String(2_000_000 + (i % 8_000_000)).padStart(7, '0')}`;
}

import examples from 'libphonenumber-js/examples.mobile.json';
import metadataJson from 'libphonenumber-js/min/metadata';
import { describe, expect, it } from 'vitest';
import { isKnownValidE164 } from '../src/schema/known-valid-e164.js';
import { normalizeByFullParse, normalizePhoneNumber } from '../src/schema/phone-number.js';
import { seededRandom } from '../src/testing/index.js';

/** `normalizePhoneNumber` as it was before the fast path: every number through libphonenumber-js's full parse. */
const fullParse = normalizeByFullParse;

const random = seededRandom(20_261_206);
const digits = (count: number): string => Array.from({ length: count }, () => String(Math.floor(random() * 10))).join('');

const countriesByCallingCode: Readonly<Record<string, readonly string[]>> = metadataJson.country_calling_codes;
const callingCodes = Object.keys(countriesByCallingCode);
const callingCodeOf = (country: string): string => {
  const code = callingCodes.find((cc) => countriesByCallingCode[cc]?.includes(country));
  if (code === undefined) throw new Error(`no calling code for ${country}`);
  return code;
};

/**
 * Numbers valid and invalid, most of them already in E.164: random national numbers of every
 * length for every calling code (mostly invalid); every country's example mobile number and its
 * one-digit variants (changed, dropped, added: many valid, across the countries that share a
 * calling code); those with a national prefix written in; US numbers as the benchmarks write them;
 * and forms that are not E.164 at all.
 */
function corpus(): string[] {
  const numbers = new Set<string>();
  for (const cc of callingCodes) {
    for (let length = 1; length <= 15 - cc.length; length++) for (let n = 0; n < 8; n++) numbers.add(`+${cc}${digits(length)}`);
  }
  for (const [country, example] of Object.entries(examples as Record<string, string>)) {
    const cc = callingCodeOf(country);
    numbers.add(`+${cc}${example}`);
    for (let i = 0; i <= example.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (i < example.length) numbers.add(`+${cc}${example.slice(0, i)}${d}${example.slice(i + 1)}`);
        numbers.add(`+${cc}${example.slice(0, i)}${d}${example.slice(i)}`);
      }
      if (i < example.length) numbers.add(`+${cc}${example.slice(0, i)}${example.slice(i + 1)}`);
    }
    for (const prefix of ['0', '1', '8', '01', '06', '9']) numbers.add(`+${cc}${prefix}${example}`);
  }
  for (const area of ['415', '212', '312', '617', '206', '303', '404', '512', '555', '800', '900', '011', '123']) {
    for (let n = 0; n < 50; n++) numbers.add(`+1${area}${digits(7)}`);
  }
  for (const odd of ['', '+', '+1', '+12', '+123', '+1234', '+0123456789', '+1415555012345678', ' +14155550123', '+1 415 555 0123', '0014155550123', '+1(415)5550123', '+1415555O123', '++14155550123', '+14155550123;ext=2']) {
    numbers.add(odd);
  }
  return [...numbers];
}

describe('normalizePhoneNumber: the E.164 fast path', () => {
  const numbers = corpus();

  it('answers what the full parse answers for every number, valid or not', () => {
    const differences = numbers.map((n) => ({ n, now: normalizePhoneNumber(n), full: fullParse(n) })).filter((d) => d.now !== d.full);
    expect(differences).toEqual([]);
  }, 120_000);

  it('accepts only numbers the full parse accepts unchanged, and most valid E.164 numbers without it', () => {
    let validE164 = 0;
    let fast = 0;
    const wrong: string[] = [];
    for (const n of numbers) {
      const full = fullParse(n);
      if (full === n) validE164 += 1;
      if (isKnownValidE164(n)) {
        fast += 1;
        if (full !== n) wrong.push(n);
      }
    }
    expect(wrong).toEqual([]);
    // The corpus holds thousands of valid numbers; nearly all go the fast way (those with a
    // national prefix the library might strip go the full way).
    expect(validE164).toBeGreaterThan(5_000);
    expect(fast / validE164).toBeGreaterThan(0.95);
  }, 120_000);

  it('takes the fast way for the US numbers the benchmarks schedule', () => {
    for (const n of ['+14152000000', '+12129999999', '+13125551234', '+16172000123', '+12062345678', '+13033456789', '+14044567890', '+15125678901']) {
      expect({ n, fast: isKnownValidE164(n), full: fullParse(n) }).toEqual({ n, fast: true, full: n });
    }
  });
});

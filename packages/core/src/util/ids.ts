import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock/clock.js';

/**
 * Makes time-ordered UUID v7 ids from the injected clock: ids made later sort later, also within
 * one millisecond and when the clock steps back (the last timestamp is kept), which keeps B-tree
 * inserts local and makes id order creation order.
 */
export function createIdGenerator(clock: Clock): () => string {
  let lastMs = 0;
  let counter = 0;
  // Random bytes come from a pool refilled 4 KiB at a time: one randomBytes() call per id costs
  // 10–20 µs, a slice of the pool well under 1 µs.
  let pool = Buffer.alloc(0);
  let offset = 0;
  // The id's 36 characters are written into one buffer and read out as one flat string (a string
  // built from pieces is a cons-string of ~480 B more per id held in memory), without the
  // intermediate buffer and strings of a hex encoding.
  const text = Buffer.alloc(36);
  text[8] = text[13] = text[18] = text[23] = DASH;
  return () => {
    let ms = clock.now();
    if (ms <= lastMs) {
      ms = lastMs;
      counter += 1;
      if (counter > 0xfff) {
        ms += 1;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    lastMs = ms;
    if (!(ms >= 0 && ms <= MAX_MS)) throw new RangeError(`An id needs a time from 1970 to the year 10889 in 48 bits of milliseconds, got ${ms}`);
    if (offset + 8 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    // 48-bit milliseconds, version 7 and the 12-bit counter, variant 10 and 62 random bits.
    writeHex(text, 0, Math.floor(ms / 0x10000), 8);
    writeHex(text, 9, ms % 0x10000, 4);
    writeHex(text, 14, 0x7000 | counter, 4);
    writeHex(text, 19, 0x8000 | ((pool[offset]! & 0x3f) << 8) | pool[offset + 1]!, 4);
    for (let i = 0; i < 6; i++) writeHex(text, 24 + 2 * i, pool[offset + 2 + i]!, 2);
    offset += 8;
    return text.toString('latin1', 0, 36);
  };
}

/** The largest 48-bit millisecond time. */
const MAX_MS = 0xffff_ffff_ffff;
const DASH = 0x2d;
/** ASCII codes of `0`-`9`, `a`-`f`. */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Writes `value` as `digits` lowercase hex characters at `at`. */
function writeHex(target: Buffer, at: number, value: number, digits: number): void {
  for (let i = digits - 1; i >= 0; i--) {
    target[at + i] = HEX_DIGITS[value % 16]!;
    value = Math.floor(value / 16);
  }
}

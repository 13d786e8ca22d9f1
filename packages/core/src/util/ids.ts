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
    if (offset + 16 > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    const bytes = Buffer.from(pool.subarray(offset, offset + 16));
    offset += 16;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    // Flatten into one fresh string (a cons-string costs ~480 B more per id held in memory).
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

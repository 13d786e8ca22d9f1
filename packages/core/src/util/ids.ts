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
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    // Flatten into one fresh string (a cons-string costs ~480 B more per id held in memory).
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock/clock.js';
import { createIdGenerator } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A clock at a fixed instant, also one that a {@link FakeClock} cannot hold (past the year 9999). */
function fixedClock(ms: number): Clock {
  return { now: () => ms, setTimeout: () => ({}), clearTimeout: () => undefined };
}

describe('createIdGenerator layout', () => {
  it('writes the 48-bit time, version, counter and variant where UUID v7 puts them, and random bits after', () => {
    const clock = new FakeClock('9999-12-31T23:59:59.999Z');
    const next = createIdGenerator(clock);
    const ids = Array.from({ length: 1000 }, () => next());
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(UUID_V7);
      const hex = id.replaceAll('-', '');
      expect(Number.parseInt(hex.slice(0, 12), 16)).toBe(Date.parse('9999-12-31T23:59:59.999Z'));
      expect(Number.parseInt(hex.slice(13, 16), 16)).toBe(i); // the counter within one millisecond
    }
    // 62 random bits per id: no two tails alike among 1,000.
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(1000);
  });

  it('answers a fresh string each time (the next id does not change an earlier one)', () => {
    const next = createIdGenerator(new FakeClock('2026-06-01T00:00:00Z'));
    const first = next();
    const copy = `${first}`;
    next();
    expect(first).toBe(copy);
  });

  it('refuses a time that 48 bits of milliseconds cannot hold', () => {
    expect(() => createIdGenerator(fixedClock(2 ** 48))()).toThrow(RangeError);
    expect(createIdGenerator(fixedClock(2 ** 48 - 1))()).toMatch(/^ffffffff-ffff-7000-/);
  });
});

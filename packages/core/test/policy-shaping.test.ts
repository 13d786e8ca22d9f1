import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumberAttemptCap } from '../src/policy/number-attempt-cap.js';
import { TokenBucket } from '../src/policy/token-bucket.js';
import { FakeClock } from '../src/testing/fake-clock.js';

const HOUR = 3_600_000;

/** Takes `n` tokens as fast as the bucket allows, waiting exactly `msUntilAvailable` each time. */
function drain(bucket: TokenBucket, start: number, n: number): number[] {
  const times: number[] = [];
  let now = start;
  while (times.length < n) {
    if (bucket.tryTake(now)) times.push(now);
    else {
      const wait = bucket.msUntilAvailable(now);
      expect(wait).toBeGreaterThan(0);
      now += wait;
    }
  }
  return times;
}

/** The most entries of sorted `times` in any half-open span of `spanMs`. */
function maxInSpan(times: readonly number[], spanMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= spanMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('TokenBucket', () => {
  it('1,000 takes at 10 per second: over 99.9 s, never more than 10 in any second, each exactly when msUntilAvailable said', () => {
    const clock = new FakeClock('2026-06-10T12:00:00Z');
    const bucket = new TokenBucket({ ratePerSecond: 10, clock });
    const start = clock.now();
    const times = drain(bucket, start, 1_000);
    expect(times[0]).toBe(start);
    expect(times.at(-1)).toBe(start + 99_900);
    expect(maxInSpan(times, 1_000)).toBe(10);
    expect(times.every((t, i) => i === 0 || t - (times[i - 1] as number) === 100)).toBe(true);
  });

  it('lets a burst through at once, then refills at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, clock });
    const now = clock.now();
    expect(bucket.available(now)).toBe(5);
    for (let i = 0; i < 5; i++) expect(bucket.tryTake(now)).toBe(true);
    expect(bucket.tryTake(now)).toBe(false);
    expect(bucket.msUntilAvailable(now)).toBe(100);
    expect(bucket.msUntilAvailable(now, 3)).toBe(300);
    expect(bucket.tryTake(now + 99)).toBe(false);
    expect(bucket.tryTake(now + 100)).toBe(true);
    // A long quiet spell refills to the burst, not beyond.
    expect(bucket.available(now + 3_600_000)).toBe(5);
  });

  it('reads the injected clock when no time is passed', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 0.5, clock });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilAvailable()).toBe(2_000);
    await clock.advance(1_999);
    expect(bucket.tryTake()).toBe(false);
    await clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('pauses for a 429 Retry-After: nothing before the pause ends, one token right at its end', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
    const now = clock.now();
    bucket.pauseUntil(now + 5_000, now);
    expect(bucket.pausedUntil(now)).toBe(now + 5_000);
    expect(bucket.tryTake(now + 4_999)).toBe(false);
    expect(bucket.available(now + 4_999)).toBe(0);
    expect(bucket.msUntilAvailable(now + 1_000)).toBe(4_000);
    // A shorter pause does not cut the longer one short.
    bucket.pauseUntil(now + 2_000, now + 1_000);
    expect(bucket.pausedUntil(now + 1_000)).toBe(now + 5_000);
    expect(bucket.tryTake(now + 5_000)).toBe(true);
    expect(bucket.pausedUntil(now + 5_000)).toBeNull();
    // The saved-up burst was dropped: the next token comes at the rate.
    expect(bucket.tryTake(now + 5_000)).toBe(false);
    expect(bucket.msUntilAvailable(now + 5_000)).toBe(100);
  });

  it('a pause shorter than the rate does not let a dial through early', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, clock });
    const now = clock.now();
    expect(bucket.tryTake(now)).toBe(true);
    bucket.pauseUntil(now + 10, now + 5); // Retry-After of 5 ms, but the next token is due at +1000
    expect(bucket.pausedUntil(now + 5)).toBe(now + 1_000);
    expect(bucket.tryTake(now + 999)).toBe(false);
    expect(bucket.tryTake(now + 1_000)).toBe(true);
  });

  it('mints nothing when the clock goes backwards', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, clock });
    const now = clock.now();
    expect(bucket.tryTake(now)).toBe(true);
    expect(bucket.tryTake(now - 10_000)).toBe(false);
    expect(bucket.tryTake(now + 500)).toBe(false);
    expect(bucket.msUntilAvailable(now - 10_000)).toBe(11_000);
    expect(bucket.tryTake(now + 1_000)).toBe(true);
  });

  it('refuses bad options, naming them', () => {
    const clock = new FakeClock();
    expect(() => new TokenBucket({ ratePerSecond: 0, clock })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: Number.NaN, clock })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 1.5, clock })).toThrow(/burst/);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 2, clock }).tryTake(0, 3)).toThrow(/count/);
  });

  it('property: at most burst - 1 + ceil(rate × span) takes in any span, whatever the timing of the requests and pauses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.5, 1, 2.5, 3, 10, 25),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.option(fc.integer({ min: 0, max: 3_000 }), { freq: 10 })), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(250, 1_000, 3_000),
        (rate, burst, steps, span) => {
          const clock = new FakeClock();
          const bucket = new TokenBucket({ ratePerSecond: rate, burst, clock });
          const times: number[] = [];
          let now = clock.now();
          // After a refusal, msUntilAvailable promised a token at `readyAt`: the next request must
          // succeed exactly when it comes at or after that time (never early, never late).
          let readyAt: number | null = null;
          for (const [gap, pauseMs] of steps) {
            now += gap;
            if (pauseMs !== null) {
              // A 429 with Retry-After: nothing before it ends, then the promise above holds again.
              bucket.pauseUntil(now + pauseMs, now);
              const until = bucket.pausedUntil(now) ?? now;
              expect(until).toBeGreaterThanOrEqual(now + pauseMs);
              readyAt = until;
              continue;
            }
            const wait = bucket.msUntilAvailable(now);
            const taken = bucket.tryTake(now);
            expect(taken).toBe(wait === 0);
            if (readyAt !== null) expect(taken).toBe(now >= readyAt);
            if (taken) {
              times.push(now);
              readyAt = null;
            } else {
              readyAt = now + wait;
            }
          }
          expect(maxInSpan(times, span)).toBeLessThanOrEqual(burst - 1 + Math.ceil((rate * span) / 1000));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('NumberAttemptCap', () => {
  const now = Date.parse('2026-06-10T12:00:00Z');
  /** countAttempts over a fixed list of attempt start times, counting the queries. */
  const counter = (starts: number[]) => {
    const calls: number[] = [];
    return {
      calls,
      countSince: async (since: number) => {
        calls.push(since);
        return starts.filter((s) => s >= since).length;
      },
    };
  };

  it('counts the attempts of the last 24 h', () => {
    const cap = new NumberAttemptCap({ maxAttempts: 3 });
    expect(cap.periodMs).toBe(24 * HOUR);
    expect(cap.since(now)).toBe(now - 24 * HOUR + 1);
    expect(cap.allows(2)).toBe(true);
    expect(cap.allows(3)).toBe(false);
  });

  it('allows an attempt under the cap with one count', async () => {
    const cap = new NumberAttemptCap({ maxAttempts: 3 });
    const store = counter([now - 25 * HOUR, now - 23 * HOUR, now - HOUR]);
    expect(await cap.check(now, store.countSince)).toEqual({ allowed: true });
    expect(store.calls).toEqual([now - 24 * HOUR + 1]);
  });

  it('when capped, finds when the oldest counted attempt leaves the period (never early)', async () => {
    const cap = new NumberAttemptCap({ maxAttempts: 3 });
    const starts = [now - 23 * HOUR, now - 10 * HOUR, now - HOUR];
    const exact = counter(starts);
    expect(await cap.check(now, exact.countSince, 1)).toEqual({ allowed: false, retryAt: now + HOUR });
    const coarse = counter(starts);
    const decision = await cap.check(now, coarse.countSince);
    expect(decision.allowed).toBe(false);
    const retryAt = (decision as { retryAt: number }).retryAt;
    expect(retryAt).toBeGreaterThanOrEqual(now + HOUR);
    expect(retryAt).toBeLessThanOrEqual(now + HOUR + 60_000);
    expect(coarse.calls.length).toBeLessThanOrEqual(1 + 11);
  });

  it('refuses bad options', () => {
    expect(() => new NumberAttemptCap({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new NumberAttemptCap({ maxAttempts: 1, periodMs: -1 })).toThrow(/periodMs/);
  });
});

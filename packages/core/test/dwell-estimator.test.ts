import { describe, expect, it } from 'vitest';
import { DwellEstimator, nextPollAt } from '../src/polling/dwell-estimator.js';

const tuning = { minIntervalMs: 500, maxIntervalMs: 5000, backoffFactor: 1.5, targetLagMs: 1000 };

describe('DwellEstimator', () => {
  it('answers after enough precise samples and follows a moving average', () => {
    const e = new DwellEstimator();
    e.observe('ringing', 3000, 200);
    expect(e.expected('ringing')).toBeNull();
    e.observe('ringing', 3400, 5000); // too imprecise: ignored
    expect(e.expected('ringing')).toBeNull();
    e.observe('ringing', 3400, 300);
    expect(e.expected('ringing')).toBe(3100);
    e.observe('ringing', -1, 0);
    e.observe('ringing', Number.NaN, 0);
    expect(e.expected('ringing')).toBe(3100);
  });
});

describe('nextPollAt', () => {
  it('without an estimate, keeps a young status within the target lag', () => {
    let intervalMs = 500;
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      const next = nextPollAt(1000, { status: 'ringing', enteredAt: 0, intervalMs }, null, tuning);
      gaps.push(next.intervalMs);
      intervalMs = next.intervalMs;
    }
    expect(gaps).toEqual([750, 800, 800, 800]);
  });

  it('without an estimate, grows the gap of an old status geometrically up to the cap', () => {
    let intervalMs = 500;
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextPollAt(60_000, { status: 'connected', enteredAt: 0, intervalMs }, null, tuning);
      gaps.push(next.intervalMs);
      intervalMs = next.intervalMs;
    }
    expect(gaps).toEqual([750, 1125, 1687.5, 2531.25, 3796.875, 5000, 5000, 5000]);
  });

  it('with an estimate, sleeps until just before the expected change, then polls densely', () => {
    const first = nextPollAt(10_000, { status: 'ringing', enteredAt: 10_000, intervalMs: 500 }, 3000, tuning);
    expect(first.at).toBe(13_000 - 400);
    const dense = nextPollAt(12_600, { status: 'ringing', enteredAt: 10_000, intervalMs: 800 }, 3000, tuning);
    expect(dense.at).toBe(13_400);
    // Long overdue (a conversation that runs long): back off instead of polling densely for ever.
    const overdue = nextPollAt(50_000, { status: 'ringing', enteredAt: 10_000, intervalMs: 800 }, 3000, tuning);
    expect(overdue.intervalMs).toBe(1200);
  });

  it('polls statuses shorter than the target lag at half their expected length, so none is skipped', () => {
    const fast = { ...tuning, minIntervalMs: 20 };
    const next = nextPollAt(1000, { status: 'initiated', enteredAt: 1000, intervalMs: 20 }, 200, fast);
    expect(next.intervalMs).toBe(100);
    expect(next.at).toBe(1150); // just before the expected change at 1200
  });

  it('sees every change of a predictable call within the target lag with few requests', () => {
    // The reference progression: initiated 2 s, ringing 3 s, connected 5 s; the estimator has learned it.
    const changes = [2000, 5000, 10_000];
    const statuses = ['initiated', 'ringing', 'connected'];
    const e = new DwellEstimator();
    for (let i = 0; i < 3; i++) for (const [j, s] of statuses.entries()) e.observe(s, (changes[j] ?? 0) - (changes[j - 1] ?? 0), 0);
    let now = 0;
    let index = 0;
    let state = { status: 'initiated', enteredAt: 0, intervalMs: 500 };
    let gets = 0;
    const lags: number[] = [];
    while (index < 3) {
      const next = nextPollAt(now, state, e.expected(state.status), tuning);
      now = next.at;
      gets++;
      if (now >= changes[index]!) {
        lags.push(now - changes[index]!);
        state = { status: statuses[index + 1] ?? 'completed', enteredAt: now - Math.min(next.intervalMs, now - changes[index]!) / 2, intervalMs: 500 };
        index++;
      } else {
        state = { ...state, intervalMs: next.intervalMs };
      }
    }
    expect(Math.max(...lags)).toBeLessThanOrEqual(1000);
    expect(gets).toBeLessThan(10); // a fixed 1 s poll needs 10
  });
});

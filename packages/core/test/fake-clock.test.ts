import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/testing/index.js';

describe('FakeClock', () => {
  it('fires timers in time order, each at its exact time, ties in creation order', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const start = clock.now();
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now() - start]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now() - start]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now() - start]), 20);
    await clock.advance(15);
    expect(fired).toEqual([['a', 10]]);
    expect(clock.now() - start).toBe(15);
    await clock.advance(5);
    expect(fired).toEqual([['a', 10], ['b', 20], ['c', 20]]);
  });

  it('runs timers set by timers and lets promise chains settle in between', async () => {
    const clock = new FakeClock(0);
    const log: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => {
          log.push(clock.now());
          clock.setTimeout(() => log.push(clock.now()), 5);
        });
    }, 10);
    await clock.advance(100);
    expect(log).toEqual([10, 15]);
  });

  it('clearTimeout cancels; unknown handles are ignored', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const h = clock.setTimeout(() => n++, 10);
    clock.clearTimeout(h);
    clock.clearTimeout({ nope: true });
    clock.clearTimeout(undefined);
    await clock.advance(20);
    expect(n).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('jump() moves the wall clock both ways without firing timers; timers keep their remaining delay', async () => {
    const clock = new FakeClock(1_000_000);
    let firedAt = -1;
    clock.setTimeout(() => (firedAt = clock.now()), 100);
    clock.jump(-500_000);
    expect(clock.now()).toBe(500_000);
    await clock.advance(99);
    expect(firedAt).toBe(-1);
    await clock.advance(1);
    expect(firedAt).toBe(500_100);
    clock.setSystemTime(2_000_000);
    expect(clock.now()).toBe(2_000_000);
  });

  it('advanceTo, runNext and runAll', async () => {
    const clock = new FakeClock(0);
    const log: number[] = [];
    clock.setTimeout(() => log.push(clock.now()), 50);
    clock.setTimeout(() => log.push(clock.now()), 70);
    expect(clock.nextTimerAt()).toBe(50);
    await clock.runNext();
    expect(log).toEqual([50]);
    await clock.runAll();
    expect(log).toEqual([50, 70]);
    expect(await clock.runNext()).toBe(false);
    await clock.advanceTo(100);
    expect(clock.now()).toBe(100);
    await expect(clock.advanceTo(10)).rejects.toThrow(/past/);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  it('runAll refuses to loop for ever', async () => {
    const clock = new FakeClock(0);
    const again = (): void => void clock.setTimeout(again, 1);
    again();
    await expect(clock.runAll({ maxTimers: 100 })).rejects.toThrow(/re-arming itself/);
  });

  it('refuses delays Node would clamp to 1 ms', () => {
    const clock = new FakeClock(0);
    expect(() => clock.setTimeout(() => {}, 2 ** 31)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS } from '../src/index.js';
import { WakeTimer } from '../src/scheduler/wake-timer.js';
import { FakeClock } from '../src/testing/index.js';
import { START } from './harness.js';

describe('WakeTimer', () => {
  it('keeps one timer armed to the earliest of its tasks and the time it is given', async () => {
    const clock = new FakeClock(START);
    let fired = 0;
    const timer = new WakeTimer(clock, () => (fired += 1));
    timer.push(START + 300, () => {});
    timer.push(START + 100, () => {});
    timer.arm(START + 200);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(START + 100);
    timer.arm(START + 200); // the same time again: the armed timer is kept
    expect(clock.pendingTimers).toBe(1);
    timer.arm(START + 50);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(START + 50);
    await clock.advance(50);
    expect(fired).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs the tasks due now in time order (tasks they add for now included), skipping canceled ones', () => {
    const clock = new FakeClock(START);
    const timer = new WakeTimer(clock, () => {});
    const ran: string[] = [];
    timer.push(START + 20, () => ran.push('b'));
    timer.push(START + 10, () => {
      ran.push('a');
      timer.push(START + 15, () => ran.push('added'));
    });
    timer.push(START + 12, () => ran.push('canceled')).canceled = true;
    timer.push(START + 30, () => ran.push('later'));
    timer.runDue(START + 20);
    expect(ran).toEqual(['a', 'added', 'b']);
    expect(timer.next()?.at).toBe(START + 30);
  });

  it('disarms for nothing to do, caps a long wait, and cancelAll drops every task', async () => {
    const clock = new FakeClock(START);
    let fired = 0;
    const timer = new WakeTimer(clock, () => (fired += 1));
    timer.arm(Number.POSITIVE_INFINITY);
    expect(clock.pendingTimers).toBe(0);
    timer.arm(START + 10 * MAX_TIMER_DELAY_MS);
    expect(clock.nextTimerAt()).toBe(START + MAX_TIMER_DELAY_MS);
    const task = timer.push(START + 5, () => {});
    timer.cancelAll();
    expect(task.canceled).toBe(true);
    expect(timer.next()).toBeUndefined();
    timer.disarm();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(MAX_TIMER_DELAY_MS);
    expect(fired).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode, ProviderError } from '../src/index.js';
import { NUMBER, SECOND, harnessStoppedAfterEach } from './harness.js';

const setup = harnessStoppedAfterEach();

describe('listeners', () => {
  it('once(fn), off(fn), then on(fn) keeps fn for every later emit', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    const fn = ({ call }: { call: { id: string } }): void => {
      seen.push(call.id);
    };
    scheduler.once('call:scheduled', fn);
    scheduler.off('call:scheduled', fn);
    scheduler.on('call:scheduled', fn);
    await scheduler.start();
    const a = await scheduler.schedule({ to: NUMBER, at: clock.now() + 60 * SECOND });
    const b = await scheduler.schedule({ to: NUMBER, at: clock.now() + 120 * SECOND });
    expect(seen).toEqual([a.id, b.id]);
  });

  it('a listener added with both once() and on() runs once more after the first emit, not zero times', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    const fn = ({ call }: { call: { id: string } }): void => {
      seen.push(call.id);
    };
    scheduler.once('call:scheduled', fn);
    scheduler.on('call:scheduled', fn);
    const a = await scheduler.schedule({ to: NUMBER, at: clock.now() + 60 * SECOND });
    const b = await scheduler.schedule({ to: NUMBER, at: clock.now() + 120 * SECOND });
    expect(seen).toEqual([a.id, a.id, b.id]);
  });
});

describe('random', () => {
  it('takes the jitter of transient back-offs from the injected random, so a fake-clock run is deterministic', async () => {
    // jitter 0.5 with random() = 1 halves the first back-off: 1000 ms becomes 500 ms.
    const { clock, provider, scheduler } = setup({ transientRetry: { initialDelayMs: 1000, jitter: 0.5 }, random: () => 1 });
    provider.script(NUMBER, { placeErrors: [ProviderError.unavailable('503', { httpStatus: 503 })] });
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    expect(provider.placeRequests()).toHaveLength(1);
    await clock.advance(499);
    expect(provider.placeRequests()).toHaveLength(1);
    await clock.advance(1);
    expect(provider.placeRequests().map((r) => r.result)).toEqual([ErrorCode.PROVIDER_UNAVAILABLE, 'ok']);
  });
});

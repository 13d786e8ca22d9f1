import { CallScheduler, ErrorCode, ProviderError, type CallSchedulerOptions } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterEach, expect, it } from 'vitest';

const NUMBER = '+14155550123';
const MINUTE = 60_000;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A scheduler on a fake clock, with a fake provider that follows the script given per number. */
function setup(options: Partial<CallSchedulerOptions> = {}) {
  const clock = new FakeClock('2026-05-04T08:00:00Z');
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store: new MemoryStore(), provider, clock, ...options });
  stops.push(() => scheduler.stop());
  return { clock, provider, scheduler };
}

it('retries a busy number ten minutes later, then completes', async () => {
  const { clock, provider, scheduler } = setup({ retry: { busy: { delaysMs: [10 * MINUTE], maxAttempts: 2 } } });
  provider.script(
    NUMBER,
    { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 4_000, status: 'busy' }] }, // first attempt
    {}, // later attempts: the default progression (ringing at 2 s, connected at 5 s, completed at 10 s)
  );
  await scheduler.start();
  const call = await scheduler.schedule({ to: NUMBER });

  await clock.advance(10 * MINUTE + 30_000);
  const done = await scheduler.get(call.id);
  expect(done?.status).toBe('completed');
  expect(done?.attempts.map((a) => a.status)).toEqual(['busy', 'completed']);
  const [first, second] = provider.placeRequests(NUMBER);
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(10 * MINUTE);
});

it('fails a call the provider refuses, with the provider message', async () => {
  const { clock, provider, scheduler } = setup();
  provider.script(NUMBER, { placeErrors: [ProviderError.rejected('Invalid phone number', { httpStatus: 400 })] });
  const failures: string[] = [];
  scheduler.on('call:failed', ({ error }) => failures.push(`${error.code}: ${error.message}`));
  await scheduler.start();
  await scheduler.schedule({ to: NUMBER });
  await clock.advance(1_000);
  expect(failures).toEqual(['PROVIDER_REJECTED: Invalid phone number']);
});

it('never dials twice when the provider does not answer a dial', async () => {
  const { clock, provider, scheduler } = setup({ dispatchTimeoutMs: 5_000 });
  provider.script(NUMBER, { hang: true, createWhenHanging: true }); // the call rings, but the answer is lost
  await scheduler.start();
  const call = await scheduler.schedule({ to: NUMBER });
  await clock.advance(MINUTE);
  expect((await scheduler.get(call.id))?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
  expect(provider.placeRequests(NUMBER)).toHaveLength(1);
});

it('survives a listener that throws, and reports it', async () => {
  const { clock, scheduler } = setup();
  const reported: string[] = [];
  scheduler.on('call:scheduled', () => {
    throw new Error('my bug');
  });
  scheduler.on('scheduler:error', ({ operation, error }) => reported.push(`${operation}: ${(error as Error).message}`));
  await scheduler.start();
  const call = await scheduler.schedule({ to: NUMBER });
  await clock.advance(15_000);
  expect(reported).toEqual(['listener:call:scheduled: my bug']);
  expect((await scheduler.get(call.id))?.status).toBe('completed');
});

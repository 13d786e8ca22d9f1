import { describe, expect, it } from 'vitest';
import { CallSchedulerError, ErrorCode, ProviderError, isCallSchedulerError } from '../src/index.js';
import { DAY, HOUR, MINUTE, NUMBER, OTHER, SECOND, START, harnessStoppedAfterEach } from './harness.js';

const setup = harnessStoppedAfterEach();

describe('the life of a call on a fake clock', () => {
  it('schedules for next week, dials at exactly its time, follows every status and keeps the history', async () => {
    const { clock, provider, scheduler, events, of, errors } = setup();
    await scheduler.start();
    const at = START + 7 * DAY;
    const call = await scheduler.schedule({ to: '+1 (415) 555-0123', at: new Date(at), metadata: { customer: 42 } });
    expect(call.to).toBe(NUMBER);
    expect(call.status).toBe('scheduled');
    expect(call.nextAttemptAt?.getTime()).toBe(at);

    await clock.advance(7 * DAY - 1);
    expect(provider.dials()).toBe(0);
    await clock.advance(1);
    expect(provider.dials(NUMBER)).toBe(1);
    const dial = provider.placeRequests(NUMBER)[0]!;
    expect(dial.at - at).toBe(0); // lateness 0 on the fake clock
    expect(dial.idempotencyKey).toBe(`${call.id}:1`);

    await clock.advance(11 * SECOND);
    const names = of(call.id).map((e) => `${e.name}:${e.status}`);
    expect(names).toEqual([
      'call:scheduled:scheduled',
      'call:dispatching:dispatching',
      'call:status:initiated',
      'call:status:ringing',
      'call:status:connected',
      'call:status:completed',
      'call:completed:completed',
    ]);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.endedAt?.getTime()).toBeGreaterThanOrEqual(at + 10 * SECOND);
    expect(done?.metadata).toEqual({ customer: 42 });
    expect(done?.attempts).toHaveLength(1);
    expect(done?.attempts[0]).toMatchObject({ number: 1, status: 'completed', providerStatus: 'completed', durationSeconds: 10 });
    expect(done?.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'status', 'status', 'status', 'status', 'completed']);
    expect(done?.events.map((e) => e.status)).toEqual(['scheduled', 'dispatching', 'initiated', 'ringing', 'connected', 'completed', 'completed']);
    const ids = done!.events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // Each status is seen within the fast poll interval of its change.
    const statusAt = (s: string) => events.find((e) => e.name === 'call:status' && e.status === s)!.at - at;
    expect(statusAt('ringing')).toBeGreaterThanOrEqual(2 * SECOND);
    expect(statusAt('ringing')).toBeLessThanOrEqual(2 * SECOND + 5 * SECOND);
    expect(errors()).toEqual([]);
    // Nothing is left armed once the call has ended.
    // (the lease expiry read before the call ended may still wake the scheduler once, to find nothing)
    await clock.advance(scheduler.options.leaseMs);
    expect(clock.pendingTimers).toBe(0);
  });

  it('dials a call without `at` at once', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    expect(call.at.getTime()).toBe(START);
    await clock.advance(0);
    expect(provider.placeRequests()).toHaveLength(1);
    expect(provider.placeRequests()[0]!.at).toBe(START);
  });

  it('dials calls scheduled before start() once started, and a past `at` at once', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.schedule({ to: NUMBER, at: START - HOUR });
    await clock.advance(MINUTE);
    expect(provider.dials()).toBe(0);
    await scheduler.start();
    await clock.advance(0);
    expect(provider.dials()).toBe(1);
  });

  it('cancels a call before it is dialed, and refuses to cancel one that is live', async () => {
    const { clock, provider, scheduler, of } = setup();
    await scheduler.start();
    const a = await scheduler.schedule({ to: NUMBER, at: START + HOUR });
    const canceled = await scheduler.cancel(a.id);
    expect(canceled.status).toBe('canceled');
    await clock.advance(2 * HOUR);
    expect(provider.dials()).toBe(0);
    expect(of(a.id).map((e) => e.name)).toEqual(['call:scheduled', 'call:canceled']);

    const b = await scheduler.schedule({ to: OTHER });
    await clock.advance(3 * SECOND);
    const error = await scheduler.cancel(b.id).catch((e: unknown) => e);
    expect(isCallSchedulerError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.INVALID_STATE, currentStatus: 'ringing' });
    await expect(scheduler.cancel('no-such-id')).rejects.toMatchObject({ code: ErrorCode.CALL_NOT_FOUND });
    await expect(scheduler.cancel(a.id)).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE, currentStatus: 'canceled' });
  });

  it('reschedules earlier and later, and the timer follows', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const early = await scheduler.schedule({ to: NUMBER, at: START + 10 * HOUR });
    const late = await scheduler.schedule({ to: OTHER, at: START + HOUR });
    await scheduler.reschedule(early.id, START + 30 * MINUTE);
    const moved = await scheduler.reschedule(late.id, { at: new Date(START + 20 * HOUR).toISOString() });
    expect(moved.nextAttemptAt?.getTime()).toBe(START + 20 * HOUR);

    await clock.advance(30 * MINUTE);
    expect(provider.placeRequests().map((r) => [r.to, r.at])).toEqual([[NUMBER, START + 30 * MINUTE]]);
    await clock.advance(HOUR); // the old time of `late` passes: nothing
    expect(provider.placeRequests()).toHaveLength(1);
    await clock.advanceTo(START + 20 * HOUR);
    expect(provider.placeRequests().map((r) => [r.to, r.at])).toEqual([
      [NUMBER, START + 30 * MINUTE],
      [OTHER, START + 20 * HOUR],
    ]);
    await expect(scheduler.reschedule(early.id, START + 30 * HOUR)).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE });
  });

  it('dials 10,000 calls at random times over a month, each at its time, in order', async () => {
    const { clock, provider, scheduler, errors } = setup({
      providerOptions: { defaultBehavior: { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 1, status: 'completed' }] } },
      polling: { minIntervalMs: 1 },
      maxLiveCalls: 10_000,
      claimBatchSize: 500,
      maxConcurrentRequests: 1000,
    });
    await scheduler.start();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const inputs = Array.from({ length: 10_000 }, (_, i) => ({
      to: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`,
      at: START + 1 + Math.floor(random() * 30 * DAY),
      metadata: { i },
    }));
    for (let i = 0; i < inputs.length; i += 1000) await scheduler.scheduleMany(inputs.slice(i, i + 1000));
    await clock.advance(31 * DAY);
    const dials = provider.placeRequests();
    expect(dials).toHaveLength(10_000);
    const byKey = new Map(dials.map((d) => [d.callId!, d.at]));
    const page = await scheduler.list({ limit: 1000, order: 'asc' });
    expect(page.items).toHaveLength(1000);
    let late = 0;
    let pageCursor: string | null = null;
    let seen = 0;
    do {
      const p = await scheduler.list({ limit: 1000, order: 'asc', cursor: pageCursor });
      for (const call of p.items) {
        seen++;
        expect(call.status).toBe('completed');
        if (byKey.get(call.id) !== call.at.getTime()) late++;
      }
      pageCursor = p.nextCursor;
    } while (pageCursor !== null);
    expect(seen).toBe(10_000);
    expect(late).toBe(0);
    const times = dials.map((d) => d.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(errors()).toEqual([]);
  }, 60_000);
});

describe('input validation', () => {
  it('rejects bad input with INVALID_INPUT naming each field, and stores nothing', async () => {
    const { scheduler, store } = setup();
    const error = (await scheduler
      .schedule({ to: '555', at: 'tomorrow', metadata: 'x' } as never)
      .catch((e: unknown) => e)) as CallSchedulerError;
    expect(error).toBeInstanceOf(CallSchedulerError);
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.issues.map((i) => i.path).sort()).toEqual(['at', 'metadata', 'to']);
    expect(error.message).toMatch(/to .*phone number/);
    await expect(scheduler.schedule({ to: NUMBER, tz: 'UTC' } as never)).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
      issues: [expect.objectContaining({ rule: 'unrecognized_keys' })],
    });
    await expect(scheduler.schedule({ to: NUMBER, at: START, expiresAt: START - 1 })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'expiresAt' })],
    });
    const batch = (await scheduler
      .scheduleMany([{ to: NUMBER }, { to: OTHER, at: new Date(Number.NaN) }])
      .catch((e: unknown) => e)) as CallSchedulerError;
    expect(batch.issues.map((i) => i.path)).toEqual(['1.at']);
    expect((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items).toHaveLength(0);
  });

  it('de-duplicates by idempotency key', async () => {
    const { scheduler, events } = setup();
    const a = await scheduler.schedule({ to: NUMBER, idempotencyKey: 'order-1' });
    const b = await scheduler.schedule({ to: NUMBER, idempotencyKey: 'order-1' });
    expect(b.id).toBe(a.id);
    expect(events.filter((e) => e.name === 'call:scheduled')).toHaveLength(1);
    // The same key for another number is a mix-up, not a retry.
    await expect(scheduler.schedule({ to: OTHER, idempotencyKey: 'order-1' })).rejects.toMatchObject({
      code: ErrorCode.IDEMPOTENCY_CONFLICT,
      callId: a.id,
      issues: [expect.objectContaining({ path: 'idempotencyKey' })],
    });
    expect(events.filter((e) => e.name === 'call:scheduled')).toHaveLength(1);
  });
});

describe('provider faults', () => {
  it('retries transient errors with back-off without spending an attempt', async () => {
    const { clock, provider, scheduler } = setup({ transientRetry: { jitter: 0 } });
    provider.script(NUMBER, {
      placeErrors: [ProviderError.unavailable('503', { httpStatus: 503 }), ProviderError.rateLimited(5000)],
      getErrors: [ProviderError.unavailable('502', { httpStatus: 502 })],
    });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    await clock.advance(500); // first back-off: 500 ms
    expect(provider.placeRequests().map((r) => r.result)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_RATE_LIMITED']);
    await clock.advance(4999); // Retry-After 5 s wins over the 1 s back-off
    expect(provider.placeRequests()).toHaveLength(2);
    await clock.advance(1);
    expect(provider.placeRequests().map((r) => r.result)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_RATE_LIMITED', 'ok']);
    await clock.advance(30 * SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.attemptCount).toBe(1);
    expect(provider.dials(NUMBER)).toBe(1);
  });

  it('fails the call at once with the provider message on a permanent error', async () => {
    const { clock, provider, scheduler, events } = setup({ retry: { failed: { delaysMs: [MINUTE], maxAttempts: 3 } } });
    provider.script(NUMBER, { placeErrors: [ProviderError.rejected('Invalid phone number', { httpStatus: 400 })] });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(HOUR);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error).toEqual({ code: ErrorCode.PROVIDER_REJECTED, message: 'Invalid phone number' });
    expect(provider.placeRequests()).toHaveLength(1);
    expect(events.find((e) => e.name === 'call:failed')).toBeDefined();
  });

  it('marks a dial that timed out DISPATCH_OUTCOME_UNKNOWN and never dials it again', async () => {
    const { clock, provider, scheduler } = setup({ dispatchTimeoutMs: 5000, retry: { failed: { delaysMs: [1], maxAttempts: 5 } } });
    provider.script(NUMBER, { hang: true, createWhenHanging: true });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(4999);
    expect((await scheduler.get(call.id))?.status).toBe('dispatching');
    await clock.advance(1);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
    await clock.advance(DAY);
    expect(provider.placeRequests(NUMBER)).toHaveLength(1);
  });

  it('re-sends a timed-out dial with the same key when the provider de-duplicates: exactly one call', async () => {
    const { clock, provider, scheduler } = setup({ dispatchTimeoutMs: 5000, providerOptions: { capabilities: { idempotentPlaceCall: true } } });
    provider.script(NUMBER, { hang: true, createWhenHanging: true });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    // The first request hangs (but creates the call); the repeat is answered with the same call.
    provider.script(NUMBER, {});
    await clock.advance(5000 + 2000);
    await clock.advance(20 * SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(provider.dials(NUMBER)).toBe(1);
    const keys = provider.placeRequests(NUMBER).map((r) => r.idempotencyKey);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys)).toEqual(new Set([`${call.id}:1`]));
  });

  it('ends a call the provider forgot as PROVIDER_CALL_LOST after a confirming 404', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(3 * SECOND);
    provider.forgetAll();
    await clock.advance(30 * SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error?.code).toBe(ErrorCode.PROVIDER_CALL_LOST);
    const notFound = provider.getRequests().filter((r) => r.result === 'PROVIDER_CALL_NOT_FOUND');
    expect(notFound).toHaveLength(2);
    expect(notFound[1]!.at - notFound[0]!.at).toBe(1000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps unknown and backward statuses as events without moving the call', async () => {
    const { clock, provider, scheduler } = setup();
    provider.script(NUMBER, {
      steps: [
        { afterMs: 0, status: 'initiated' },
        { afterMs: 1000, status: 'ringing' },
        { afterMs: 2000, status: 'on-hold-weird' },
        { afterMs: 3000, status: 'queued' },
        { afterMs: 4000, status: 'in-progress' },
        { afterMs: 6000, status: 'completed' },
      ],
    });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    const seen: string[] = [];
    scheduler.on('call:status', ({ call: c, providerStatus }) => seen.push(`${providerStatus}->${c.status}`));
    await clock.advance(20 * SECOND);
    expect(seen).toEqual(['initiated->initiated', 'ringing->ringing', 'on-hold-weird->ringing', 'queued->ringing', 'in-progress->connected', 'completed->completed']);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.events.filter((e) => e.type === 'status').map((e) => e.providerStatus)).toEqual([
      'initiated',
      'ringing',
      'on-hold-weird',
      'queued',
      'in-progress',
      'completed',
    ]);
  });

  it('ends a call that rings too long as no-answer (MAX_RING_TIME_EXCEEDED) and hangs up', async () => {
    const { clock, provider, scheduler } = setup({ maxRingMs: 30 * SECOND });
    provider.script(NUMBER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 1000, status: 'ringing' }] });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(29 * SECOND);
    expect((await scheduler.get(call.id))?.status).toBe('ringing');
    await clock.advance(2 * SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('no-answer');
    expect(done?.error?.code).toBe(ErrorCode.MAX_RING_TIME_EXCEEDED);
    expect(provider.requests.filter((r) => r.kind === 'cancelCall')).toHaveLength(1);
  });

  it('backs polling off while nothing changes and resets it on a change', async () => {
    const { clock, provider, scheduler } = setup();
    provider.script(NUMBER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 60 * SECOND, status: 'completed' }] });
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER });
    await clock.advance(70 * SECOND);
    const gets = provider.getRequests().map((r) => r.at - START);
    const gaps = gets.slice(1).map((t, i) => t - gets[i]!);
    expect(gaps[0]).toBe(750);
    expect(Math.max(...gaps)).toBe(5000);
    expect(gets.length).toBeLessThan(60 / 0.5);
  });
});

describe('retries by outcome', () => {
  it('busy twice then completed: three attempts at exactly the configured delays', async () => {
    const busy = { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 2000, status: 'busy' }] };
    const { clock, provider, scheduler, events } = setup({ polling: { minIntervalMs: 500, maxIntervalMs: 500 } });
    provider.script(NUMBER, busy, busy, {});
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER, retry: { busy: { delaysMs: [10 * MINUTE, 30 * MINUTE], maxAttempts: 3 } } });
    await clock.advance(DAY);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.attemptCount).toBe(3);
    expect(done?.attempts.map((a) => a.status)).toEqual(['busy', 'busy', 'completed']);
    const dials = provider.placeRequests(NUMBER).map((r) => r.at - START);
    // busy is seen at 2 s, then the next dial is exactly the delay after that.
    expect(dials).toEqual([0, 2000 + 10 * MINUTE, 2000 + 10 * MINUTE + 2000 + 30 * MINUTE]);
    expect(events.filter((e) => e.name === 'call:retrying').map((e) => (e.payload as { nextAttemptAt: Date }).nextAttemptAt.getTime() - START)).toEqual([
      2000 + 10 * MINUTE,
      2000 + 10 * MINUTE + 2000 + 30 * MINUTE,
    ]);
  });

  it('never answered: ends no-answer after the maximum attempts', async () => {
    const { clock, provider, scheduler, events } = setup({ maxRingMs: 20 * SECOND, retry: { 'no-answer': { delaysMs: [HOUR], maxAttempts: 3 } } });
    provider.script(NUMBER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 1000, status: 'ringing' }] });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(DAY);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('no-answer');
    expect(done?.attemptCount).toBe(3);
    expect(provider.dials(NUMBER)).toBe(3);
    expect(events.filter((e) => e.name === 'call:failed')).toHaveLength(1);
  });
});

describe('robustness', () => {
  it('a throwing listener is reported as scheduler:error and does not break the scheduler or other listeners', async () => {
    const { clock, scheduler, errors } = setup();
    const seen: string[] = [];
    scheduler.on('call:status', () => {
      throw new Error('listener bug');
    });
    scheduler.on('call:status', ({ status }) => seen.push(status));
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(15 * SECOND);
    expect((await scheduler.get(call.id))?.status).toBe('completed');
    expect(seen).toEqual(['initiated', 'ringing', 'connected', 'completed']);
    expect(errors().length).toBe(4);
    expect((errors()[0]!.payload as { operation: string }).operation).toBe('listener:call:status');
  });

  it('once-listeners run once', async () => {
    const { clock, scheduler } = setup();
    let n = 0;
    scheduler.once('call:status', () => n++);
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER });
    await clock.advance(15 * SECOND);
    expect(n).toBe(1);
  });

  it('does not dial twice when the wall clock steps back, and waits for the new time', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER, at: START + HOUR });
    await clock.advance(HOUR);
    expect(provider.dials()).toBe(1);
    clock.jump(-HOUR); // NTP steps the clock back an hour
    await scheduler.schedule({ to: OTHER, at: START + 30 * MINUTE });
    await clock.advance(29 * MINUTE);
    expect(provider.dials(OTHER)).toBe(0);
    await clock.advance(1 * MINUTE);
    expect(provider.dials(OTHER)).toBe(1);
    await clock.advance(2 * HOUR);
    expect(provider.dials(NUMBER)).toBe(1);
  });

  it('catches up when the wall clock jumps forward', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER, at: START + DAY });
    clock.jump(2 * DAY); // e.g. a VM resumed after a pause; the armed timer still waits
    await scheduler.schedule({ to: OTHER });
    await clock.advance(0);
    expect(provider.dials(NUMBER)).toBe(1);
    expect(provider.dials(OTHER)).toBe(1);
  });

  it('caps waits at 2^31-1 ms and still dials a call a year away on time', async () => {
    const { clock, provider, scheduler } = setup();
    await scheduler.start();
    await scheduler.schedule({ to: NUMBER, at: START + 365 * DAY });
    await clock.advance(0);
    expect(clock.nextTimerAt()).toBe(START + 2_147_483_647);
    await clock.advance(365 * DAY - 1);
    expect(provider.dials()).toBe(0);
    await clock.advance(1);
    expect(provider.placeRequests()[0]?.at).toBe(START + 365 * DAY);
  });

  it('bounds provider requests in flight', async () => {
    const { clock, provider, scheduler } = setup({ maxConcurrentRequests: 3, providerOptions: { defaultBehavior: { latencyMs: 1000 } } });
    await scheduler.start();
    await scheduler.scheduleMany(Array.from({ length: 10 }, (_, i) => ({ to: `+1415555${2000 + i}` })));
    await clock.advance(0);
    await clock.advance(999);
    expect(provider.placeRequests()).toHaveLength(0);
    await clock.advance(1);
    expect(provider.placeRequests()).toHaveLength(3);
    await clock.advance(1000);
    expect(provider.placeRequests()).toHaveLength(6);
  });

  it('stop() lets an in-flight dial finish, hands leases back, and leaves no timer armed', async () => {
    const { clock, provider, scheduler, store } = setup({ providerOptions: { defaultBehavior: { latencyMs: 2000 } } });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(100);
    const stopping = scheduler.stop({ timeoutMs: 5000 });
    await clock.advance(2000);
    await stopping;
    expect(scheduler.state).toBe('stopped');
    expect(provider.dials()).toBe(1);
    const record = await store.getCall(call.id);
    expect(record?.status).toBe('initiated');
    expect(record?.lease?.expiresAt).toBe(START + 2000); // handed back when the dial finished: recoverable at once
    expect(clock.pendingTimers).toBe(0);
    await expect(scheduler.schedule({ to: NUMBER })).rejects.toMatchObject({ code: ErrorCode.SCHEDULER_STOPPED });
  });

  it('stop() during a back-off puts a call that was surely not placed back in the queue', async () => {
    const first = setup({ transientRetry: { initialDelayMs: 60_000, jitter: 0 } });
    first.provider.script(NUMBER, { placeErrors: [ProviderError.unavailable('503', { httpStatus: 503 })] });
    await first.scheduler.start();
    const call = await first.scheduler.schedule({ to: NUMBER });
    await first.clock.advance(0);
    await first.scheduler.stop({ timeoutMs: 5000 }); // returns at once: nothing is in flight
    const record = await first.store.getCall(call.id);
    expect(record?.status).toBe('scheduled');
    expect(record?.lease).toBeNull();
    const second = setup({ store: first.store, id: 'scheduler-b' });
    second.provider.script(NUMBER, {});
    await second.scheduler.start();
    await second.clock.advance(70_000);
    const done = await second.scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(second.provider.dials(NUMBER)).toBe(1);
  });

  it('stop() aborts a dial that outlasts its timeout; the outcome is then unknown to the next scheduler', async () => {
    const first = setup({ providerOptions: { defaultBehavior: { hang: true, createWhenHanging: true } }, leaseMs: 10_000 });
    await first.scheduler.start();
    const call = await first.scheduler.schedule({ to: NUMBER });
    await first.clock.advance(0);
    const stopping = first.scheduler.stop({ timeoutMs: 1000 });
    await first.clock.advance(1000);
    await stopping;
    expect((await first.store.getCall(call.id))?.status).toBe('dispatching');
    // A second scheduler on the same store recovers it once the lease runs out (the lease was
    // extended to cover the dial's timeout, 15 s, when the dial was sent).
    const second = setup({ store: first.store, id: 'scheduler-b' });
    await second.scheduler.start();
    await second.clock.advanceTo(START + 25 * SECOND);
    await second.clock.advance(0);
    const done = await second.scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
    expect(done?.events.map((e) => e.type)).toContain('recovered');
  });
});

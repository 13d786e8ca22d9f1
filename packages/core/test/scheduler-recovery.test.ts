import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import { CallScheduler, ErrorCode } from '../src/index.js';
import { FakeCallProvider, FakeClock } from '../src/testing/index.js';
import { HOUR, MINUTE, NUMBER, OTHER, SECOND, START, harness } from './harness.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

const cleanup = cleanupAfterEach();

describe('recovery and several schedulers on one store', () => {
  it('a call claimed by a scheduler that died is failed DISPATCH_OUTCOME_UNKNOWN on its lease expiry, never re-dialed', async () => {
    const { clock, provider, scheduler, store } = harness({ id: 'survivor' });
    cleanup.stop(scheduler);
    const call = await scheduler.schedule({ to: NUMBER });
    // A scheduler that claims and then dies before recording the provider's answer.
    const [claimed] = await store.claimDueCalls({ now: START, limit: 10, owner: 'dead', leaseExpiresAt: START + 30 * SECOND });
    expect(claimed?.call.id).toBe(call.id);
    await scheduler.start();
    await clock.advance(30 * SECOND - 1);
    expect((await scheduler.get(call.id))?.status).toBe('dispatching');
    await clock.advance(1); // recovered on the lease's own expiry
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
    expect(done?.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'recovered', 'failed']);
    expect(provider.dials()).toBe(0);
  });

  it('a live call left by a dead scheduler is polled again to its end', async () => {
    const { clock, provider, scheduler, store } = harness({ id: 'survivor' });
    cleanup.stop(scheduler);
    const call = await scheduler.schedule({ to: NUMBER });
    const [claimed] = await store.claimDueCalls({ now: START, limit: 1, owner: 'dead', leaseExpiresAt: START + 30 * SECOND });
    const info = await provider.placeCall(
      { to: NUMBER, callId: call.id, attempt: 1, idempotencyKey: `${call.id}:1`, metadata: null },
      { signal: new AbortController().signal },
    );
    await store.updateCall({
      id: call.id,
      expect: { token: claimed!.call.lease!.token },
      set: { status: 'initiated', providerCallId: info.providerCallId, providerStatus: 'initiated' },
      attempt: { number: 1, set: { status: 'initiated', providerCallId: info.providerCallId } },
      now: START,
    });
    await scheduler.start();
    await clock.advance(30 * SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(provider.dials()).toBe(1);
  });

  it('with a provider that de-duplicates, a dead scheduler’s dial is re-sent with the same key: one call', async () => {
    const h = harness({ id: 'survivor', providerOptions: { capabilities: { idempotentPlaceCall: true } } });
    cleanup.stop(h.scheduler);
    const call = await h.scheduler.schedule({ to: NUMBER });
    await h.store.claimDueCalls({ now: START, limit: 1, owner: 'dead', leaseExpiresAt: START + 10 * SECOND });
    // The dead scheduler's request did reach the provider.
    await h.provider.placeCall(
      { to: NUMBER, callId: call.id, attempt: 1, idempotencyKey: `${call.id}:1`, metadata: null },
      { signal: new AbortController().signal },
    );
    await h.scheduler.start();
    await h.clock.advance(40 * SECOND);
    const done = await h.scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(h.provider.dials()).toBe(1);
    expect(done?.attemptCount).toBe(1);
  });

  it('three schedulers sharing one store dial each of 600 calls exactly once', async () => {
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    const provider = new FakeCallProvider({ clock });
    const schedulers = ['a', 'b', 'c'].map(
      (id) => new CallScheduler({ id, clock, store, provider, storeRereadIntervalMs: 100, claimBatchSize: 7, onePerNumber: false }),
    );
    for (const s of schedulers) cleanup.stop(s);
    const perScheduler = new Map<string, number>();
    for (const s of schedulers) s.on('call:dispatching', () => perScheduler.set(s.id, (perScheduler.get(s.id) ?? 0) + 1));
    for (const s of schedulers) await s.start();
    const inputs = Array.from({ length: 600 }, (_, i) => ({ to: `+1415555${String(3000 + i)}`, at: START + (i % 60) * SECOND }));
    await schedulers[0]!.scheduleMany(inputs.slice(0, 300));
    await schedulers[1]!.scheduleMany(inputs.slice(300));
    await clock.advance(5 * MINUTE);
    const dials = provider.placeRequests();
    expect(dials).toHaveLength(600);
    expect(new Set(dials.map((d) => d.callId)).size).toBe(600);
    expect([...perScheduler.values()].reduce((a, b) => a + b, 0)).toBe(600);
    expect(perScheduler.size).toBe(3); // all three took part
    const page = await schedulers[2]!.list({ status: 'completed', limit: 1000 });
    expect(page.items).toHaveLength(600);
  });

  it('never has two live calls to one number', async () => {
    const { clock, provider, scheduler } = harness();
    cleanup.stop(scheduler);
    await scheduler.start();
    await scheduler.scheduleMany([{ to: NUMBER }, { to: NUMBER }, { to: OTHER }]);
    await clock.advance(0);
    expect(provider.placeRequests().map((r) => r.to).sort()).toEqual([NUMBER, OTHER]);
    await clock.advance(11 * SECOND);
    expect(provider.placeRequests(NUMBER)).toHaveLength(2);
    const [first, second] = provider.placeRequests(NUMBER);
    expect(second!.at).toBeGreaterThanOrEqual(first!.at + 10 * SECOND);
  });
});

describe('webhooks', () => {
  it('feeds a provider push into the same status machine, ignoring stale reports', async () => {
    const { clock, scheduler, provider } = harness({ polling: { minIntervalMs: HOUR, maxIntervalMs: HOUR } });
    cleanup.stop(scheduler);
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    const providerCallId = provider.placeRequests()[0]!.providerCallId!;
    await scheduler.handleProviderStatus({ providerCallId, status: 'in-progress' });
    expect((await scheduler.get(call.id))?.status).toBe('connected');
    await scheduler.handleProviderStatus({ providerCallId, status: 'ringing' }); // late, out of order
    expect((await scheduler.get(call.id))?.status).toBe('connected');
    const after = await scheduler.handleProviderStatus({ providerCallId, status: 'completed', durationSeconds: 42 });
    expect(after?.status).toBe('completed');
    const done = await scheduler.get(call.id);
    expect(done?.attempts[0]?.durationSeconds).toBe(42);
    expect(done?.events.filter((e) => e.type === 'status').map((e) => `${e.providerStatus}:${e.status}`)).toEqual([
      'initiated:initiated',
      'in-progress:connected',
      'ringing:connected',
      'completed:completed',
    ]);
    expect(await scheduler.handleProviderStatus({ providerCallId: 'unknown-id', status: 'completed' })).toBeUndefined();
    await expect(scheduler.handleProviderStatus({ providerCallId: 5, status: 'x' } as never)).rejects.toMatchObject({
      code: ErrorCode.INVALID_INPUT,
    });
  });

  it('a push for a call another scheduler follows moves it, and that scheduler then stops following it', async () => {
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    const provider = new FakeCallProvider({ clock });
    const owner = new CallScheduler({ id: 'owner', clock, store, provider, polling: { minIntervalMs: 10 * MINUTE, maxIntervalMs: 10 * MINUTE } });
    const receiver = new CallScheduler({ id: 'receiver', clock, store, provider });
    cleanup.stop(owner);
    await owner.start();
    const call = await owner.schedule({ to: NUMBER });
    await clock.advance(0);
    const providerCallId = provider.placeRequests()[0]!.providerCallId!;
    const moved = await receiver.handleProviderStatus({ providerCallId, status: 'completed' });
    expect(moved?.status).toBe('completed');
    await clock.advance(HOUR);
    const done = await owner.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.events.filter((e) => e.type === 'completed')).toHaveLength(1);
  });
});

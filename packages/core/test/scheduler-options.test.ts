import { MemoryStore } from '@call-scheduler/store-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { CallScheduler, ErrorCode, isCallSchedulerError, type CallSchedulerOptions } from '../src/index.js';
import { FakeCallProvider, FakeClock } from '../src/testing/index.js';
import { NUMBER, SECOND, START, harness } from './harness.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** The INVALID_INPUT error `make()` throws, with its issue paths. */
function refusal(make: () => unknown): { message: string; paths: string[] } {
  try {
    make();
  } catch (error) {
    if (isCallSchedulerError(error) && error.code === ErrorCode.INVALID_INPUT) {
      return { message: error.message, paths: (error.issues ?? []).map((i) => i.path) };
    }
    throw error;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('CallScheduler options are checked like inputs', () => {
  const clock = new FakeClock(START);
  const base = (): CallSchedulerOptions => ({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock });

  it('names every bad field with its path', () => {
    const bad = refusal(
      () =>
        new CallScheduler({
          ...base(),
          leaseMs: -1,
          polling: { minIntervalMs: 0 },
          transientRetry: { jitter: 2 },
          perNumberCap: { maxAttempts: 1.5 },
          defaultTimeZone: 'Mars/Olympus',
          burst: 0,
        }),
    );
    expect(bad.paths.sort()).toEqual(['burst', 'defaultTimeZone', 'leaseMs', 'perNumberCap.maxAttempts', 'polling.minIntervalMs', 'transientRetry.jitter']);
    expect(bad.message).toMatch(/^Invalid CallScheduler options: /);
    expect(bad.message).toContain('leaseMs must be a positive number');
  });

  it('refuses a missing store or provider, and options that are not an object, with INVALID_INPUT', () => {
    const { store: _s, ...noStore } = base();
    expect(refusal(() => new CallScheduler(noStore as CallSchedulerOptions)).paths).toEqual(['store']);
    const { provider: _p, ...noProvider } = base();
    expect(refusal(() => new CallScheduler(noProvider as CallSchedulerOptions)).paths).toEqual(['provider']);
    expect(refusal(() => new CallScheduler(null as unknown as CallSchedulerOptions)).paths).toEqual(['']);
    expect(refusal(() => new CallScheduler({ ...base(), retry: { busy: { delaysMs: [-5], maxAttempts: 2 } } })).paths[0]).toMatch(/^retry\.busy/);
    expect(refusal(() => new CallScheduler({ ...base(), random: 0.5 as unknown as () => number })).paths).toEqual(['random']);
  });

  it('fills in the defaults and freezes them', () => {
    const scheduler = new CallScheduler({ ...base(), maxLiveCalls: 10.7 });
    expect(scheduler.options.leaseMs).toBe(30_000);
    expect(scheduler.options.maxLiveCalls).toBe(10);
    expect(scheduler.options.polling.minIntervalMs).toBe(500);
    expect(Object.isFrozen(scheduler.options)).toBe(true);
  });
});

describe('the store behind a scheduler', () => {
  it('is exposed without its writes: no path to write past the lease', async () => {
    const { scheduler, store } = harness();
    stops.push(() => scheduler.stop({ timeoutMs: 0 }));
    const call = await scheduler.schedule({ to: NUMBER });
    const view = scheduler.store as unknown as Record<string, unknown>;
    for (const write of ['insertCalls', 'updateCall', 'claimDueCalls', 'claimDueCallsWithWakeUp', 'claimExpiredLeases', 'purgeCalls', 'init']) expect(view[write]).toBeUndefined();
    expect(Object.isFrozen(view)).toBe(true);
    expect((await scheduler.store.getCall(call.id))?.id).toBe(call.id);
    expect(await scheduler.store.nextWakeUpAt()).toBe(await store.nextWakeUpAt());
  });
});

describe('leases', () => {
  it('a leaseMs shorter than dispatchTimeoutMs is handled: the lease is renewed while a slow dial runs, so no other scheduler takes the call over', async () => {
    const a = harness({ id: 'a', leaseMs: 2 * SECOND, dispatchTimeoutMs: 10 * SECOND, storeRereadIntervalMs: 100, providerOptions: { defaultBehavior: { latencyMs: 8 * SECOND } } });
    const b = new CallScheduler({ id: 'b', store: a.store, provider: a.provider, clock: a.clock, storeRereadIntervalMs: 100 });
    const recovered: string[] = [];
    b.on('call:recovered', ({ call }) => recovered.push(call.id));
    stops.push(() => a.scheduler.stop({ timeoutMs: 0 }), () => b.stop({ timeoutMs: 0 }));
    await a.scheduler.start();
    const call = await a.scheduler.schedule({ to: NUMBER });
    await a.clock.advance(0);
    await b.start();
    await a.clock.advance(9 * SECOND); // the dial answers after 8 s
    expect(recovered).toEqual([]);
    expect((await a.store.getCall(call.id))?.lease?.owner).toBe('a');
    await a.clock.advance(60 * SECOND);
    expect((await a.scheduler.get(call.id))?.status).toBe('completed');
    expect(a.provider.dials()).toBe(1);
    expect(recovered).toEqual([]);
    expect(a.errors()).toEqual([]);
  });

  it('a lease shorter than the request timeouts is never stretched over them: it stays within leaseMs of now while a slow dial or poll runs, so a host that dies mid-request holds its call at most leaseMs', async () => {
    const leaseMs = 2 * SECOND;
    const { clock, scheduler, store, provider } = harness({ id: 'a', leaseMs, dispatchTimeoutMs: 15 * SECOND, requestTimeoutMs: 10 * SECOND, providerOptions: { defaultBehavior: { latencyMs: 6 * SECOND } } });
    stops.push(() => scheduler.stop({ timeoutMs: 0 }));
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    const ahead: number[] = [];
    const statuses = new Set<string>();
    for (let t = 0; t < 20 * SECOND; t += 250) {
      await clock.advance(250);
      const record = await store.getCall(call.id);
      if (record?.lease === null || record?.lease === undefined) continue;
      statuses.add(record.status);
      ahead.push(record.lease.expiresAt - clock.now());
    }
    // Both a dial and polls ran while the lease was checked.
    expect(statuses).toContain('dispatching');
    expect(provider.requests.filter((r) => r.kind === 'getCall').length).toBeGreaterThan(0);
    expect(Math.max(...ahead)).toBeLessThanOrEqual(leaseMs);
    // ... and was never allowed to run out: nobody else could have taken the call over.
    expect(Math.min(...ahead)).toBeGreaterThan(0);
  });

  it('a claimed call waiting for a request slot longer than half its lease keeps its lease: another scheduler does not take it for a dead host\'s', async () => {
    const a = harness({ id: 'a', leaseMs: 2 * SECOND, maxConcurrentRequests: 1, storeRereadIntervalMs: 100, providerOptions: { defaultBehavior: { latencyMs: 3 * SECOND } } });
    const b = new CallScheduler({ id: 'b', store: a.store, provider: a.provider, clock: a.clock, storeRereadIntervalMs: 100 });
    const recovered: string[] = [];
    b.on('call:recovered', ({ call }) => recovered.push(call.id));
    stops.push(() => a.scheduler.stop({ timeoutMs: 0 }), () => b.stop({ timeoutMs: 0 }));
    await a.scheduler.start();
    const calls = await a.scheduler.scheduleMany([{ to: NUMBER }, { to: '+14155550199' }]);
    await a.clock.advance(0);
    // A holds both: one dialing, one waiting for the only request slot (3 s, more than the lease).
    for (const call of calls) expect((await a.store.getCall(call.id))?.lease?.owner).toBe('a');
    await b.start();
    await a.clock.advance(60 * SECOND);
    expect(recovered).toEqual([]);
    for (const call of calls) expect((await a.scheduler.get(call.id))?.status).toBe('completed');
    expect(a.provider.dials()).toBe(2);
    expect(a.errors()).toEqual([]);
  });

  it('a lease lost mid-work is reported as scheduler:error with code LEASE_LOST, and the scheduler stops following that call', async () => {
    const { clock, scheduler, store, errors } = harness({ id: 'a' });
    stops.push(() => scheduler.stop({ timeoutMs: 0 }));
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(100);
    expect((await store.getCall(call.id))?.status).toBe('initiated');
    // Another scheduler takes the call over (as after an expired lease).
    await store.updateCall({ id: call.id, expect: { statuses: ['initiated'] }, set: { leaseExpiresAt: clock.now() - 1 }, now: clock.now() });
    const [taken] = await store.claimExpiredLeases({ now: clock.now(), limit: 1, owner: 'b', leaseExpiresAt: clock.now() + 60 * SECOND });
    expect(taken?.call.lease?.owner).toBe('b');
    await clock.advance(10 * SECOND);
    const lost = errors().map((e) => e.payload as { error: unknown; callId?: string });
    expect(lost).toHaveLength(1);
    expect(lost[0]?.callId).toBe(call.id);
    expect(lost[0]?.error).toMatchObject({ code: ErrorCode.LEASE_LOST });
    expect((await scheduler.health()).liveCalls).toBe(0);
  });
});

// Races and rare paths found in review: each test failed before its fix.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '@call-scheduler/store-memory';
import { CallScheduler, ProviderError, type ClaimOptions } from '../src/index.js';
import { FakeCallProvider, FakeClock } from '../src/testing/index.js';
import { harness, NUMBER, HOUR, MINUTE, SECOND, START } from './harness.js';

describe('races and rare paths', () => {
  it('F1: a call scheduled while a tick awaits nextWakeUpAt is still dialed (poke during #tick)', async () => {
    const inner = new MemoryStore();
    let gate: (() => void) | null = null;
    let arm = false;
    let gated = false;
    // A store whose answer is a snapshot taken before a concurrent insert commits (any networked DB).
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        // The scheduler reads the next wake-up by one method or another (nextWakeUpTimes when the
        // store has it, with the claim when it has claimDueCallsWithWakeUp, as MemoryStore does).
        if (prop === 'nextWakeUpAt' || prop === 'nextWakeUpTimes' || prop === 'claimDueCallsWithWakeUp') {
          return async (...args: unknown[]) => {
            const answer: unknown = await (prop === 'nextWakeUpAt'
              ? target.nextWakeUpAt()
              : prop === 'nextWakeUpTimes'
                ? target.nextWakeUpTimes!()
                : target.claimDueCallsWithWakeUp!(args[0] as ClaimOptions));
            if (arm) {
              arm = false;
              gated = true;
              await new Promise<void>((resolve) => (gate = resolve));
            }
            return answer;
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const { clock, provider, scheduler } = harness({ store });
    arm = true;
    await scheduler.start();
    await clock.advance(0);
    expect(gated).toBe(true); // the first tick is waiting in nextWakeUpAt (snapshot: nothing due)
    const call = await scheduler.schedule({ to: NUMBER }); // due now; #poke sees #ticking
    gate!();
    await clock.advance(HOUR);
    const placed = provider.requests.filter((r) => r.kind === 'placeCall').length;
    const now = await scheduler.get(call.id);
    await scheduler.stop();
    expect({ placed, status: now?.status }).toEqual({ placed: 1, status: expect.not.stringMatching(/^scheduled$/) });
  });

  it('F2: an async listener that rejects does not become an unhandled rejection', async () => {
    const { clock, scheduler, errors } = harness();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- an async listener is exactly what this test is about
      scheduler.on('call:scheduled', async () => {
        throw new Error('listener failed');
      });
      await scheduler.start();
      await scheduler.schedule({ to: NUMBER, at: clock.now() + HOUR });
      await new Promise<void>((r) => setImmediate(r));
      await new Promise<void>((r) => setImmediate(r));
      await scheduler.stop();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect({ unhandled: unhandled.length, reported: errors().length }).toEqual({ unhandled: 0, reported: 1 });
  });

  it('F3: with a de-duplicating provider, the unknown rule re-sends the same dial (same key), never a new attempt', async () => {
    const { clock, provider, scheduler } = harness({
      providerOptions: { capabilities: { idempotentPlaceCall: true } },
      transientRetry: { maxRetries: 1, jitter: 0 },
      retry: { unknown: { delaysMs: [MINUTE], maxAttempts: 2 } },
    });
    provider.script(NUMBER, { placeErrors: [ProviderError.timeout(), ProviderError.timeout()] });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(2 * MINUTE);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.attemptCount).toBe(1);
    const requests = provider.placeRequests(NUMBER);
    expect(requests.map((r) => r.idempotencyKey)).toEqual([`${call.id}:1`, `${call.id}:1`, `${call.id}:1`]);
    expect(requests[2]!.at - requests[1]!.at).toBe(MINUTE);
    expect(provider.dials(NUMBER)).toBe(1);
    await scheduler.stop();
  });

  it('F5: a webhook handled by another scheduler is not undone by the owner’s lagging poll', async () => {
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    const provider = new FakeCallProvider({ clock });
    const owner = new CallScheduler({ id: 'owner', clock, store, provider });
    const receiver = new CallScheduler({ id: 'receiver', clock, store, provider });
    const errors: unknown[] = [];
    owner.on('scheduler:error', ({ error }) => errors.push(error));
    await owner.start();
    const call = await owner.schedule({ to: NUMBER });
    await clock.advance(100);
    const providerCallId = (await owner.get(call.id))!.providerCallId!;
    // The provider pushes `in-progress` before its API reports it (pushes often run ahead).
    await receiver.handleProviderStatus({ providerCallId, status: 'in-progress' });
    expect((await store.getCall(call.id))?.status).toBe('connected');
    await clock.advance(3 * SECOND); // the owner's poll now sees `ringing`
    const mid = await owner.get(call.id);
    expect(mid?.status).toBe('connected');
    expect(mid?.events.filter((e) => e.type === 'status').map((e) => e.status)).toEqual(['initiated', 'connected', 'connected']);
    await clock.advance(10 * SECOND);
    expect((await owner.get(call.id))?.status).toBe('completed');
    expect(errors).toEqual([]);
    await owner.stop();
  });

  it('F4: a claimed call whose lease ran out while it waited for a request slot is not dialed by its old claimer', async () => {
    const SLOW = '+14155550998';
    const WAITING = '+14155550999';
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    const provider = new FakeCallProvider({ clock });
    provider.script(SLOW, { latencyMs: 10 * SECOND });
    // `a` cannot renew a lease (its store refuses lease-only writes, as in an outage), so the
    // lease of the call waiting for the slot runs out although `a` keeps it while waiting.
    const refusing = new Proxy(store, {
      get(target, property) {
        if (property === 'updateCall') {
          return (update: Parameters<MemoryStore['updateCall']>[0]) =>
            Object.keys(update.set).join() === 'leaseExpiresAt' ? Promise.reject(new Error('store unavailable')) : target.updateCall(update);
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const a = new CallScheduler({ id: 'a', clock, store: refusing, provider, maxConcurrentRequests: 1, leaseMs: 5 * SECOND });
    await a.start();
    // Both are claimed by `a` at once; the second waits for a's one request slot, past its lease.
    const [, waiting] = await a.scheduleMany([{ to: SLOW }, { to: WAITING }]);
    await clock.advance(0);
    // Another scheduler on the store takes the expired lease over and settles the dial as unknown.
    const b = new CallScheduler({ id: 'b', clock, store, provider, storeRereadIntervalMs: 1000 });
    await b.start();
    await clock.advance(11 * SECOND);
    // The waiting dispatch in `a`, fenced by the lease, never sends it.
    expect(provider.placeRequests(WAITING)).toHaveLength(0);
    expect((await a.get(waiting!.id))?.error?.code).toBe('DISPATCH_OUTCOME_UNKNOWN');
    expect(provider.dials(SLOW)).toBe(1);
    await a.stop({ timeoutMs: 0 });
    await b.stop({ timeoutMs: 0 });
  });
});

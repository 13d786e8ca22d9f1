import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import type { CallStore, CallUpdate, ClaimOptions } from '../src/index.js';
import type { FakeClock } from '../src/testing/index.js';
import { callFixture, callInsertFixture } from '../src/testing/index.js';
import { NUMBER, OTHER, SECOND, START, harness } from './harness.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

// What the scheduler asks of its store, counted: each store call is work (a transaction on SQLite).

const cleanup = cleanupAfterEach();

/** A MemoryStore that counts calls per method and keeps every `updateCall`; `after` runs after each call. */
function countingStore(after: (name: string) => void = () => {}): { store: CallStore; counts: Map<string, number>; updates: CallUpdate[] } {
  const inner = new MemoryStore();
  const counts = new Map<string, number>();
  const updates: CallUpdate[] = [];
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        if (name === 'updateCall') updates.push(args[0] as CallUpdate);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        after(name);
        return result;
      };
    },
  });
  return { store, counts, updates };
}

/** Claims of due calls, by either method (`claimDueCallsWithWakeUp` when the store has it, as MemoryStore does). */
const claimsOf = (counts: ReadonlyMap<string, number>): number => (counts.get('claimDueCalls') ?? 0) + (counts.get('claimDueCallsWithWakeUp') ?? 0);

/**
 * Schedules `count` calls `gapMs` apart (the first `gapMs` after the start), to distinct numbers,
 * on a counting MemoryStore (without its method `hidden`, when given), lets the scheduler dial
 * them all (each ends at once), and answers the store calls it made meanwhile, by method.
 */
async function storeCallsWhileDialing(count: number, gapMs: number, hidden?: keyof CallStore): Promise<Map<string, number>> {
  const { store, counts } = countingStore();
  const plain = hidden === undefined ? store : new Proxy(store, { get: (target, name, receiver) => (name === hidden ? undefined : Reflect.get(target, name, receiver)) });
  const { clock, scheduler, provider } = harness({ store: plain, providerOptions: completedAtOnce });
  cleanup.stop(scheduler);
  await scheduler.start();
  await scheduler.scheduleMany(Array.from({ length: count }, (_, i) => ({ to: `+1415555${String(1000 + i)}`, at: START + (i + 1) * gapMs })));
  await clock.advance(0);
  const before = new Map(counts);
  await clock.advance(count * gapMs + Math.min(gapMs, 45 * SECOND));
  expect(provider.dials()).toBe(count);
  const made = new Map<string, number>();
  for (const [name, n] of counts) if (n > (before.get(name) ?? 0)) made.set(name, n - (before.get(name) ?? 0));
  return made;
}

const completedAtOnce = { defaultBehavior: { steps: [{ afterMs: 0, status: 'completed' }] } };

describe('store calls per call', () => {
  it('with the default leaseMs and dispatchTimeoutMs, a dial writes no lease renewal before placeCall', async () => {
    // Each claim takes 1 ms of wall time, as a real store's transaction does.
    const clockRef: { clock?: FakeClock } = {};
    const { store, updates } = countingStore((name) => {
      if (name === 'claimDueCalls' || name === 'claimDueCallsWithWakeUp') clockRef.clock?.jump(1);
    });
    const { clock, scheduler, provider } = harness({ store, providerOptions: completedAtOnce });
    clockRef.clock = clock;
    cleanup.stop(scheduler);
    await scheduler.start();
    await scheduler.scheduleMany(Array.from({ length: 20 }, (_, i) => ({ to: `+1415555${String(1000 + i)}` })));
    await clock.advance(10 * SECOND);
    expect(provider.dials()).toBe(20);
    const renewals = updates.filter((u) => Object.keys(u.set).join() === 'leaseExpiresAt');
    expect(renewals).toEqual([]);
  });

  it('a dial answered with a final status is one write after the claim, with the history and events of an accept and an end', async () => {
    const { store, updates } = countingStore();
    const { clock, scheduler, provider, of } = harness({ store, providerOptions: { defaultBehavior: { steps: [{ afterMs: 0, status: 'busy' }] } } });
    cleanup.stop(scheduler);
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(SECOND);
    expect(provider.dials()).toBe(1);
    // One write: the accept (provider call id) and the end together, under the claim's token.
    expect(updates).toHaveLength(1);
    expect(updates[0]?.expect).toEqual({ token: 1 });
    const ended = await scheduler.get(call.id);
    expect(ended?.status).toBe('busy');
    expect(ended?.providerCallId).toMatch(/.+/);
    expect(ended?.attempts.map((a) => [a.status, a.providerCallId, a.providerStatus])).toEqual([['busy', ended?.providerCallId, 'busy']]);
    expect(ended?.events.map((e) => [e.type, e.status, e.providerStatus])).toEqual([
      ['scheduled', 'scheduled', null],
      ['dispatching', 'dispatching', null],
      ['status', 'initiated', 'busy'],
      ['status', 'busy', 'busy'],
      ['failed', 'busy', null],
    ]);
    expect(ended?.events[2]?.data).toEqual({ providerCallId: ended?.providerCallId });
    // The events a listener sees are those of the two writes, each with the call as it was then.
    const statuses = of(call.id).filter((e) => e.name === 'call:status').map((e) => e.payload as { previousStatus: string; status: string; call: { status: string; endedAt: Date | null } });
    expect(statuses.map((e) => [e.previousStatus, e.status, e.call.status, e.call.endedAt === null])).toEqual([
      ['dispatching', 'initiated', 'initiated', true],
      ['initiated', 'busy', 'busy', false],
    ]);
    expect(of(call.id).map((e) => e.name)).toEqual(['call:scheduled', 'call:dispatching', 'call:status', 'call:status', 'call:failed']);
  });

  it('a final answer that the retry policy turns into a new attempt keeps the provider word the accept left, in the same one write', async () => {
    const { store, updates } = countingStore();
    const { clock, scheduler } = harness({ store, providerOptions: { defaultBehavior: { steps: [{ afterMs: 0, status: 'busy' }] } } });
    cleanup.stop(scheduler);
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER, retry: { busy: { delaysMs: [60 * SECOND], maxAttempts: 2 } } });
    await clock.advance(SECOND);
    expect(updates).toHaveLength(1);
    const record = await store.getCall(call.id);
    expect(record?.status).toBe('scheduled');
    expect(record?.providerStatus).toBe('busy');
    expect(record?.providerCallId).toMatch(/.+/);
  });

  it('a call that ends does not send the scheduler back to the store when no due call is held back', async () => {
    // One call due every second (each ends at once), to ten numbers: nothing is ever held back.
    const made = await storeCallsWhileDialing(10, SECOND);
    // One claim per due call; none more for the ends.
    expect(claimsOf(made)).toBe(10);
  });

  it('a claim answers the next wake-up with it: no read after a claim, when the store has claimDueCallsWithWakeUp', async () => {
    const made = await storeCallsWhileDialing(10, SECOND);
    expect(made.get('claimDueCallsWithWakeUp')).toBe(10);
    expect(made.get('claimDueCalls')).toBeUndefined();
    // Ten claims, one store call each: the claims told the next due call, so nothing else was read.
    expect(made.get('nextWakeUpTimes')).toBeUndefined();
    expect(made.get('nextWakeUpAt')).toBeUndefined();
  });

  it('a store without claimDueCallsWithWakeUp gets a claim and a read of the next wake-up, as before', async () => {
    const made = await storeCallsWhileDialing(10, SECOND, 'claimDueCallsWithWakeUp');
    expect(made.get('claimDueCalls')).toBe(10);
    expect(made.get('nextWakeUpTimes')).toBe(10);
  });

  it("a claim's answer that still shows a call another host was claiming is read again: nothing is held back for it", async () => {
    // A claim answers the next wake-up from its own snapshot: a call another host was claiming at
    // that moment still looks due. Taken for a call held back, it would make this scheduler wait
    // for the re-read (1 s) before the next call, due 100 ms later.
    const inner = new MemoryStore();
    await inner.insertCalls([
      callInsertFixture(callFixture({ id: 'contested', to: NUMBER, at: START, dueAt: START, createdAt: START })),
      callInsertFixture(callFixture({ id: 'next', to: OTHER, at: START + 100, dueAt: START + 100, createdAt: START })),
    ]);
    let contested = false;
    let reads = 0;
    const store = new Proxy(inner, {
      get(target, name, receiver) {
        if (name === 'claimDueCallsWithWakeUp') {
          return async (options: ClaimOptions) => {
            if (contested) return target.claimDueCallsWithWakeUp!(options);
            contested = true;
            // The other host's claim takes the due call; ours finds nothing, and its snapshot still showed the call.
            await target.claimDueCalls({ ...options, owner: 'host-b' });
            const claimed = await target.claimDueCalls(options);
            const { leaseExpiry } = await target.nextWakeUpTimes!();
            return { claimed, wakeUp: { due: START, leaseExpiry } };
          };
        }
        if (name === 'nextWakeUpTimes') reads += 1;
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { clock, scheduler, provider } = harness({ store, providerOptions: completedAtOnce });
    cleanup.stop(scheduler);
    await scheduler.start();
    await clock.advance(0);
    expect(contested).toBe(true);
    expect(reads).toBeGreaterThan(0);
    await clock.advance(SECOND);
    expect(provider.placeRequests().map((r) => [r.callId, r.at])).toEqual([['next', START + 100]]);
  });

  it('a full claim with no room left is not followed by a read: the next claim waits for room', async () => {
    // One request slot and dials of a second: each claim takes 2 calls (twice the slots) and fills
    // the room. Going back to the store before a dial is answered could claim nothing; it only
    // read the next wake-up again, one wasted round trip per claim on a network store.
    const { store, counts } = countingStore();
    const { clock, scheduler, provider } = harness({
      store,
      maxConcurrentRequests: 1,
      providerOptions: { defaultBehavior: { latencyMs: SECOND, steps: [{ afterMs: 0, status: 'completed' }] } },
    });
    cleanup.stop(scheduler);
    await scheduler.start();
    await scheduler.scheduleMany(Array.from({ length: 10 }, (_, i) => ({ to: `+1415555${String(4000 + i)}` })));
    const before = new Map(counts);
    await clock.advance(20 * SECOND);
    expect(provider.dials()).toBe(10);
    const made = (name: string): number => (counts.get(name) ?? 0) - (before.get(name) ?? 0);
    // A claim each time a dial is answered and frees room (the first took two), and no read of the
    // wake-up between them: each claim's answer told it.
    expect(made('claimDueCallsWithWakeUp')).toBe(9);
    expect(made('nextWakeUpTimes')).toBe(0);
  });

  it('the next claim does not wait for the writes of the answers already in: claims and writes overlap', async () => {
    // maxConcurrentRequests 1: a claim may take 2 calls (twice the request slots) while dials are in
    // progress. The writes of the answers hang until released; the provider answers at once.
    const inner = new MemoryStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let writesWaiting = 0;
    const store = new Proxy(inner, {
      get(target, name, receiver) {
        if (name === 'updateCall') {
          return async (update: CallUpdate) => {
            writesWaiting += 1;
            await gate;
            return target.updateCall(update);
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { clock, scheduler, provider } = harness({ store, maxConcurrentRequests: 1, providerOptions: completedAtOnce });
    cleanup.stop(scheduler);
    await scheduler.start();
    await scheduler.scheduleMany(Array.from({ length: 6 }, (_, i) => ({ to: `+1415555${String(1000 + i)}` })));
    try {
      await clock.advance(0);
      // Every call was dialed, though no answer has been written yet: a dial stops counting
      // against the claims once the provider answered (it counted until its write ended, and the
      // first claim's two calls were all that was dialed).
      expect(provider.dials()).toBe(6);
      expect(writesWaiting).toBe(6);
    } finally {
      release();
    }
    await clock.advance(SECOND);
    expect((await inner.countByStatus()).completed).toBe(6);
  });

  it('calls far apart cost one claim each: the lease expiry of a call that ended is only looked at, not claimed from', async () => {
    // One call a minute (longer than the 30 s lease): the store's next wake-up after each claim is
    // that claim's lease expiry, 30 s later, though the call ended at once.
    const made = await storeCallsWhileDialing(5, 60 * SECOND);
    expect(claimsOf(made)).toBe(5);
    // The store tells its next lease expiry apart (nextWakeUpTimes): with no lease expired, no claim
    // tries a recovery (it took one each before the store told them apart).
    expect(made.get('claimExpiredLeases')).toBeUndefined();
  });

  it('a store without nextWakeUpTimes gets a recovery try with every claim, as before', async () => {
    const made = await storeCallsWhileDialing(5, 60 * SECOND, 'nextWakeUpTimes');
    expect(made.get('claimExpiredLeases')).toBe(5);
    expect(made.get('nextWakeUpTimes')).toBeUndefined();
  });

  it('an expired lease is still recovered when the store tells its lease expiry apart', async () => {
    const { store, counts } = countingStore();
    // A call claimed by a host that died: its lease expires in 10 s.
    await store.insertCalls([callInsertFixture(callFixture({ id: 'dead-host-call', to: NUMBER, at: START, dueAt: START, createdAt: START }))]);
    const [claimed] = await store.claimDueCalls({ now: START, limit: 1, owner: 'dead-host', leaseExpiresAt: START + 10 * SECOND });
    expect(claimed?.call.id).toBe('dead-host-call');
    const { clock, scheduler } = harness({ store, providerOptions: completedAtOnce });
    cleanup.stop(scheduler);
    await scheduler.start();
    const recovered = async (): Promise<boolean> => ((await store.getCallDetails('dead-host-call'))?.events ?? []).some((e) => e.type === 'recovered');
    await clock.advance(5 * SECOND);
    expect(await recovered()).toBe(false);
    await clock.advance(6 * SECOND);
    expect(counts.get('claimExpiredLeases')).toBeGreaterThan(0);
    expect(await recovered()).toBe(true);
  });

  it('a call held back by a live call to the same number is still claimed as soon as that call ends', async () => {
    const { store } = countingStore();
    const { clock, scheduler, provider } = harness({ store, providerOptions: { defaultBehavior: { steps: [{ afterMs: 0, status: 'ringing' }, { afterMs: 3 * SECOND, status: 'completed' }] } } });
    cleanup.stop(scheduler);
    await scheduler.start();
    await scheduler.scheduleMany([{ to: NUMBER }, { to: NUMBER }]);
    await clock.advance(0);
    expect(provider.dials(NUMBER)).toBe(1);
    // The first call is seen completed by a poll; the second is claimed in the same instant.
    let endedAt = 0;
    scheduler.once('call:completed', () => {
      endedAt = clock.now();
    });
    await clock.advance(10 * SECOND);
    expect(provider.dials(NUMBER)).toBe(2);
    const second = provider.placeRequests(NUMBER)[1]!;
    expect(endedAt).toBeGreaterThan(0);
    expect(second.at).toBe(endedAt);
  });

  it('a call that ends while a store read is under way still frees the call it held back at once', async () => {
    // The first call is live; a webhook ends it while the scheduler's read of the next wake-up is
    // under way (after its claim skipped the second call to the same number).
    const hooks: { duringRead?: (() => Promise<void>) | undefined } = {};
    const { store } = countingStore();
    const slowRead = new Proxy(store, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        // The scheduler reads the next wake-up by one method or another (nextWakeUpTimes when the
        // store has it; with the claim itself when the store has claimDueCallsWithWakeUp: the hook
        // then runs between the claim and its read).
        if (name === 'claimDueCallsWithWakeUp' && typeof value === 'function') {
          return async (options: ClaimOptions) => {
            const claimed = await target.claimDueCalls(options);
            const hook = hooks.duringRead;
            hooks.duringRead = undefined;
            if (hook !== undefined) await hook();
            return { claimed, wakeUp: await target.nextWakeUpTimes!() };
          };
        }
        if ((name !== 'nextWakeUpAt' && name !== 'nextWakeUpTimes') || typeof value !== 'function') return value;
        return async () => {
          const hook = hooks.duringRead;
          hooks.duringRead = undefined;
          if (hook !== undefined) await hook();
          return (value as () => Promise<unknown>).call(target);
        };
      },
    });
    const { clock, scheduler, provider } = harness({ store: slowRead, providerOptions: { defaultBehavior: { steps: [{ afterMs: 0, status: 'ringing' }] } } });
    cleanup.stop(scheduler);
    await scheduler.start();
    const first = await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    const providerCallId = (await store.getCall(first.id))?.providerCallId;
    expect(providerCallId).toBeTruthy();
    hooks.duringRead = async () => {
      await scheduler.handleProviderStatus({ providerCallId: providerCallId!, status: 'completed' });
    };
    await scheduler.schedule({ to: NUMBER });
    await clock.advance(0);
    expect((await store.getCall(first.id))?.status).toBe('completed');
    expect(provider.dials(NUMBER)).toBe(2);
    expect(provider.placeRequests(NUMBER)[1]?.at).toBe(START);
  });
  it('a claim takes a whole claimBatchSize on a networked store, twice the request slots otherwise', async () => {
    // One request slot, dials that take a second: without the feature a claim may take 2 calls
    // (twice the slots); on a networked store (PostgreSQL) a whole batch of 7, the rest waiting for
    // the slot under their lease.
    const limitsOf = async (networked: boolean): Promise<{ limits: number[]; claimed: number }> => {
      const inner = new MemoryStore();
      const limits: number[] = [];
      let claimed = 0;
      const store = new Proxy(inner, {
        get(target, name, receiver) {
          if (name === 'features') return { ...target.features, networked };
          if (name === 'claimDueCallsWithWakeUp') {
            return async (options: ClaimOptions) => {
              limits.push(options.limit);
              const result = await target.claimDueCallsWithWakeUp!(options);
              claimed += result.claimed.length;
              return result;
            };
          }
          const value: unknown = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const { clock, scheduler, provider } = harness({
        store,
        maxConcurrentRequests: 1,
        claimBatchSize: 7,
        providerOptions: { defaultBehavior: { latencyMs: SECOND, steps: [{ afterMs: 0, status: 'completed' }] } },
      });
      cleanup.stop(scheduler);
      await scheduler.start();
      await scheduler.scheduleMany(Array.from({ length: 10 }, (_, i) => ({ to: `+1415555${String(3000 + i)}` })));
      await clock.advance(0);
      expect(provider.placeRequests()).toHaveLength(0); // the one slot is taken by the first dial, still in flight
      return { limits, claimed };
    };
    const onLoop = await limitsOf(false);
    expect(onLoop.limits[0]).toBe(2);
    expect(onLoop.claimed).toBe(2);
    const offLoop = await limitsOf(true);
    expect(offLoop.limits[0]).toBe(7);
    expect(offLoop.claimed).toBe(7);
  });
});

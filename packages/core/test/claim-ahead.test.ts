import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it, vi } from 'vitest';
import { CallScheduler, ErrorCode, isCallSchedulerError } from '../src/index.js';
import { FakeCallProvider, FakeClock } from '../src/testing/index.js';
import { NUMBER, OTHER, SECOND, START, harnessStoppedAfterEach } from './harness.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

const cleanup = cleanupAfterEach();
const harness = harnessStoppedAfterEach(cleanup);
const AHEAD = 200;

/** A MemoryStore whose claims (by either method) run through `around`: `claim` is the real one. */
function storeWithClaims(around: (claim: () => Promise<unknown>) => Promise<unknown>): MemoryStore {
  const inner = new MemoryStore();
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      // MemoryStore has claimDueCallsWithWakeUp, which the scheduler prefers.
      if (name !== 'claimDueCalls' && name !== 'claimDueCallsWithWakeUp') return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => around(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

describe('claimAheadMs: calls claimed before their time are dialed at it', () => {
  /** Schedules calls due at `dues` (distinct numbers), runs to +200 ms, and answers the claims' and the dials' times after +50 ms. */
  async function claimsAndDials(claimAheadMs: number, dues: readonly number[]): Promise<{ claims: number[]; dials: number[] }> {
    const claims: number[] = [];
    const ref: { clock?: FakeClock } = {};
    const store = storeWithClaims((claim) => {
      claims.push(ref.clock!.now());
      return claim();
    });
    const { clock, scheduler, provider } = harness({ store, claimAheadMs });
    ref.clock = clock;
    await scheduler.start();
    await scheduler.scheduleMany(dues.map((at, i) => ({ to: `+1415555012${String(i)}`, at })));
    await clock.advanceTo(START + 200);
    return { claims: claims.filter((t) => t >= START + 50), dials: provider.requests.filter((r) => r.kind === 'placeCall').map((r) => r.at) };
  }

  it('a claim due 1 ms before a held call\'s dial waits for that dial and goes in the gap after it', async () => {
    // The first claim (at +90, for the call due at +100) takes it and the one due at +105 (within
    // 20 ms). The third's claim falls due at +104, 1 ms before the held dial: it runs right after it.
    const dues = [START + 100, START + 105, START + 114];
    expect(await claimsAndDials(20, dues)).toEqual({ claims: [START + 90, START + 105], dials: dues });
  });

  it('a claim with no slack before the next unclaimed call does not wait for a held dial', async () => {
    // claimAheadMs 4: the first claim (at +98) takes the calls due at +100 and +102. The third's
    // claim falls due at +101, 1 ms before the held dial; waiting for it would leave no time
    // before the third call (+103): the claim goes at once.
    const dues = [START + 100, START + 102, START + 103];
    expect(await claimsAndDials(4, dues)).toEqual({ claims: [START + 98, START + 101], dials: dues });
  });

  it('claims a lone call half of claimAheadMs before it is due and dials it exactly at its time, never before', async () => {
    const { clock, scheduler, store, provider } = harness({ claimAheadMs: AHEAD });
    await scheduler.start();
    const dueAt = START + 10 * SECOND;
    const call = await scheduler.schedule({ to: NUMBER, at: dueAt });
    await clock.advanceTo(dueAt - AHEAD / 2 - 1);
    expect((await store.getCall(call.id))?.status).toBe('scheduled');
    await clock.advanceTo(dueAt - AHEAD / 2);
    expect((await store.getCall(call.id))?.status).toBe('dispatching');
    await clock.advanceTo(dueAt - 1);
    expect(provider.requests.filter((r) => r.kind === 'placeCall')).toEqual([]);
    await clock.advanceTo(dueAt);
    expect(provider.requests.filter((r) => r.kind === 'placeCall').map((r) => r.at)).toEqual([dueAt]);
    await clock.advance(60 * SECOND);
    expect((await scheduler.get(call.id))?.status).toBe('completed');
  });

  it('holding a call makes no composite abort signal (AbortSignal.any on the scheduler-long signal is never collected on Node 20)', async () => {
    const any = vi.spyOn(AbortSignal, 'any');
    try {
      const { clock, scheduler, provider } = harness({ claimAheadMs: AHEAD });
      await scheduler.start();
      const base = START + 5 * SECOND;
      await scheduler.scheduleMany(Array.from({ length: 50 }, (_, i) => ({ to: `+14155554${String(i).padStart(3, '0')}`, at: base + i * 10 })));
      await clock.advanceTo(base + 60 * SECOND);
      expect(provider.dials()).toBe(50);
      expect(any).not.toHaveBeenCalled();
    } finally {
      any.mockRestore();
    }
  });

  it('claims that take longer than half the horizon stretch it: calls are still dialed at their time', async () => {
    // A store whose claims take 15 ms on the clock (a network store under load): with a 20 ms
    // horizon a claim made 10 ms early would end 5 ms after the call's time.
    const clockRef: { clock?: FakeClock } = {};
    const store = storeWithClaims(async (claim) => {
      const result = await claim();
      clockRef.clock?.jump(15);
      return result;
    });
    const { clock, scheduler, provider } = harness({ store, claimAheadMs: 20 });
    clockRef.clock = clock;
    await scheduler.start();
    const base = START + 5 * SECOND;
    await scheduler.scheduleMany(Array.from({ length: 5 }, (_, i) => ({ to: `+14155556${String(i).padStart(3, '0')}`, at: base + i * SECOND })));
    await clock.advanceTo(base + 10 * SECOND);
    const lateness = provider.requests.filter((r) => r.kind === 'placeCall').map((r, i) => r.at - (base + i * SECOND));
    // The claim at start teaches how long claims take; the horizon is four times that from then
    // on, and every call is dialed on the dot (each would be 5 ms late with a fixed horizon).
    expect(lateness).toEqual([0, 0, 0, 0, 0]);
  });

  it('a held call is dialed at its time while a claim still waits for the store, not when the store answers', async () => {
    // A store whose claims can be held open (a busy store thread, a slow network store).
    let claimGate: Promise<void> | null = null;
    let claimsStarted = 0;
    const store = storeWithClaims(async (claim) => {
      claimsStarted += 1;
      if (claimGate !== null) await claimGate;
      return claim();
    });
    const { clock, scheduler, provider } = harness({ store, claimAheadMs: AHEAD });
    await scheduler.start();
    const heldAt = START + 10 * SECOND;
    const held = await scheduler.schedule({ to: NUMBER, at: heldAt });
    await clock.advanceTo(heldAt - AHEAD / 2);
    expect((await scheduler.get(held.id))?.status).toBe('dispatching');
    // The next claim (for a call scheduled now, due just after the held one) hangs in the store
    // across the held call's time.
    let open = (): void => undefined;
    claimGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const before = claimsStarted;
    const next = await scheduler.schedule({ to: OTHER, at: heldAt + 20 });
    try {
      await clock.advanceTo(heldAt - 10);
      expect(claimsStarted).toBeGreaterThan(before);
      await clock.advanceTo(heldAt);
      expect(provider.placeRequests(NUMBER).map((r) => r.at)).toEqual([heldAt]);
      expect(provider.placeRequests(OTHER)).toHaveLength(0);
    } finally {
      claimGate = null;
      open();
    }
    await clock.advanceTo(heldAt + 60 * SECOND);
    expect(provider.placeRequests(OTHER)).toHaveLength(1);
    expect((await scheduler.get(held.id))?.status).toBe('completed');
    expect((await scheduler.get(next.id))?.status).toBe('completed');
  });

  it('a batch due within the horizon is claimed in one store read, and each call is dialed at its own time', async () => {
    const { clock, scheduler, provider } = harness({ claimAheadMs: AHEAD });
    await scheduler.start();
    const base = START + 5 * SECOND;
    const offsets = [0, 37, 120, 199];
    await scheduler.scheduleMany(offsets.map((offset, i) => ({ to: `+1415555020${i}`, at: base + offset })));
    await clock.advanceTo(base + 250);
    expect(provider.requests.filter((r) => r.kind === 'placeCall').map((r) => r.at - base)).toEqual(offsets);
  });

  it('calls due close together share claims: one store read for each half horizon, each call held at most claimAheadMs', async () => {
    const inner = new MemoryStore();
    let claims = 0;
    const store = new Proxy(inner, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        // A claim by either method (MemoryStore has claimDueCallsWithWakeUp, which the scheduler prefers).
        if (name !== 'claimDueCalls' && name !== 'claimDueCallsWithWakeUp') return (value as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          claims += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const { clock, scheduler, provider } = harness({ store, claimAheadMs: AHEAD });
    await scheduler.start();
    const base = START + 5 * SECOND;
    // 100 calls 10 ms apart, over one second.
    await scheduler.scheduleMany(Array.from({ length: 100 }, (_, i) => ({ to: `+14155553${String(i).padStart(3, '0')}`, at: base + i * 10 })));
    const before = claims;
    const claimedAt = new Map<string, number>();
    scheduler.on('call:dispatching', ({ call }) => claimedAt.set(call.id, clock.now()));
    await clock.advanceTo(base + 1_000);
    const dials = provider.requests.filter((r) => r.kind === 'placeCall');
    expect(dials.map((r) => r.at)).toEqual(Array.from({ length: 100 }, (_, i) => base + i * 10));
    // A claim each time the next call is AHEAD / 2 away: about 1,000 / (AHEAD / 2) claims, not 100.
    expect(claims - before).toBeGreaterThanOrEqual(5);
    expect(claims - before).toBeLessThanOrEqual(12);
    for (const dial of dials) {
      const held = dial.at - (claimedAt.get(dial.callId ?? '') ?? Number.NaN);
      expect(held).toBeGreaterThanOrEqual(AHEAD / 2 - 10);
      expect(held).toBeLessThanOrEqual(AHEAD);
    }
  });

  it('cancel and reschedule on the scheduler that holds the call release it first: canceled, or dialed at the new time', async () => {
    const { clock, scheduler, provider } = harness({ claimAheadMs: AHEAD });
    await scheduler.start();
    const dueAt = START + 10 * SECOND;
    const [toCancel, toMove] = await scheduler.scheduleMany([
      { to: NUMBER, at: dueAt },
      { to: OTHER, at: dueAt },
    ]);
    await clock.advanceTo(dueAt - AHEAD / 2);
    expect((await scheduler.get(toCancel!.id))?.status).toBe('dispatching');
    expect((await scheduler.cancel(toCancel!.id)).status).toBe('canceled');
    const later = dueAt + 30 * SECOND;
    const moved = await scheduler.reschedule(toMove!.id, later);
    expect(moved.status).toBe('scheduled');
    expect(moved.attemptCount).toBe(0);
    await clock.advanceTo(later + 60 * SECOND);
    expect((await scheduler.get(toCancel!.id))?.status).toBe('canceled');
    expect(provider.placeRequests(NUMBER)).toHaveLength(0);
    expect(provider.placeRequests(OTHER).map((r) => r.at)).toEqual([later]);
    expect((await scheduler.get(toMove!.id))?.status).toBe('completed');
  });

  it('a stop before the time puts a held call back to scheduled, its attempt undone, and the next scheduler dials it on time', async () => {
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    const provider = new FakeCallProvider({ clock });
    const first = new CallScheduler({ id: 'first', clock, store, provider, claimAheadMs: AHEAD });
    await first.start();
    const dueAt = START + 10 * SECOND;
    const call = await first.schedule({ to: NUMBER, at: dueAt });
    await clock.advanceTo(dueAt - AHEAD / 2);
    expect((await store.getCall(call.id))?.status).toBe('dispatching');
    await first.stop();
    const after = await store.getCall(call.id);
    expect(after).toMatchObject({ status: 'scheduled', dueAt, attemptCount: 0, lease: null });
    const second = new CallScheduler({ id: 'second', clock, store, provider, claimAheadMs: AHEAD });
    cleanup.stop(second);
    await second.start();
    await clock.advanceTo(dueAt + 60 * SECOND);
    expect(provider.placeRequests(NUMBER).map((r) => r.at)).toEqual([dueAt]);
    expect((await store.getCall(call.id))?.status).toBe('completed');
  });

  it('an overdue call is still dialed at once, and a call scheduled inside the horizon is claimed at once and dialed at its time', async () => {
    const { clock, scheduler, provider } = harness({ claimAheadMs: AHEAD });
    await scheduler.start();
    const overdue = await scheduler.schedule({ to: NUMBER, at: START - SECOND });
    await clock.advance(0);
    expect(provider.placeRequests(NUMBER).map((r) => r.at)).toEqual([START]);
    const soonAt = clock.now() + 50;
    await scheduler.schedule({ to: OTHER, at: soonAt });
    await clock.advance(0);
    expect(provider.placeRequests(OTHER)).toHaveLength(0);
    await clock.advanceTo(soonAt);
    expect(provider.placeRequests(OTHER).map((r) => r.at)).toEqual([soonAt]);
    expect(overdue.id).toBeTruthy();
  });

  it('claimAheadMs above leaseMs / 2 is refused, naming the field', () => {
    const clock = new FakeClock(START);
    try {
      new CallScheduler({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock, leaseMs: 1000, claimAheadMs: 600 });
      expect.unreachable('expected INVALID_INPUT');
    } catch (error) {
      expect(isCallSchedulerError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
      expect(isCallSchedulerError(error) ? error.issues?.map((i) => i.path) : []).toEqual(['claimAheadMs']);
    }
  });
});

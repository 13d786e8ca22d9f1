import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import { CallScheduler, type CallStore, type ClaimOptions, type CallStoreChange, type CallStoreWatch, type InsertResult } from '../src/index.js';
import { FakeCallProvider, FakeClock, callFixture, callInsertFixture } from '../src/testing/index.js';
import { NUMBER, OTHER, SECOND, START } from './harness.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

// Wake-ups across hosts: a store that can `watch` tells every scheduler when another handle made a
// call due, so a dialer re-arms its one timer at once instead of waiting for its slow re-read.

/** Handles on one MemoryStore that announce, like LISTEN/NOTIFY, the due time of each call inserted through any of them. */
class DueBus {
  readonly #listeners = new Set<(change: CallStoreChange) => void>();
  readonly store = new MemoryStore();
  opened = 0;
  closed = 0;

  handle(): CallStore {
    const watch = async (onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch> => {
      this.opened++;
      this.#listeners.add(onChange);
      return { close: async () => void (this.closed++, this.#listeners.delete(onChange)) };
    };
    return new Proxy(this.store, {
      get: (target, property) => {
        if (property === 'watch') return watch;
        if (property === 'close') return async () => undefined;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property !== 'insertCalls') return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
        return async (...args: unknown[]) => {
          const results = (await (value as (...a: unknown[]) => Promise<InsertResult[]>).apply(target, args));
          const due = Math.min(...results.filter((r) => r.created && r.call.dueAt !== null).map((r) => r.call.dueAt!));
          if (Number.isFinite(due)) queueMicrotask(() => this.#listeners.forEach((l) => l({ dueAt: due })));
          return results;
        };
      },
    });
  }
}

const cleanup = cleanupAfterEach();

function hosts(storeRereadIntervalMs: number | null) {
  const clock = new FakeClock(START);
  const bus = new DueBus();
  const provider = new FakeCallProvider({ clock, defaultBehavior: { steps: [{ afterMs: 0, status: 'completed' }] } });
  // The web tier only schedules: it never starts.
  const web = new CallScheduler({ store: bus.handle(), provider, clock, id: 'web' });
  // Claims at the due time (claimAheadMs 0): these tests time the wake-up by the claim.
  const dialer = new CallScheduler({ store: bus.handle(), provider, clock, id: 'dialer', storeRereadIntervalMs, claimAheadMs: 0 });
  const dials: { at: number; to: string }[] = [];
  dialer.on('call:dispatching', ({ call }) => dials.push({ at: clock.now(), to: call.to }));
  cleanup.stop(dialer, web);
  return { clock, bus, web, dialer, dials, provider };
}

describe('store watch', () => {
  it('a call scheduled by a process that never starts is dialed by another at its time, woken by the store and not by a re-read', async () => {
    const { clock, bus, web, dialer, dials } = hosts(null);
    await dialer.start();
    expect(bus.opened).toBe(1);
    // Let the dialer's first store read finish: from here on it has nothing due and no re-read.
    await clock.advance(100);
    await web.schedule({ to: NUMBER, at: START + 2 * SECOND });
    await web.schedule({ to: OTHER, at: START + 500 });
    await clock.advance(5 * SECOND);
    expect(dials).toEqual([
      { at: START + 500, to: OTHER },
      { at: START + 2 * SECOND, to: NUMBER },
    ]);
    expect(web.state).toBe('idle');
  });

  it('a dialer on a handle without watch never sees that call (so the test above depends on the notification)', async () => {
    const { clock, bus, web, provider } = hosts(null);
    const unwatched = new CallScheduler({ store: bus.store, provider, clock, id: 'unwatched' });
    const dials: number[] = [];
    unwatched.on('call:dispatching', () => dials.push(clock.now()));
    cleanup.stop(unwatched);
    await unwatched.start();
    await clock.advance(100);
    await web.schedule({ to: NUMBER, at: START + 2 * SECOND });
    await clock.advance(5 * SECOND);
    expect(dials).toEqual([]);
  });

  it('a notification for a later time does not dial early, and the slow re-read still runs beside the watch', async () => {
    const { clock, web, dialer, dials } = hosts(10 * SECOND);
    await dialer.start();
    await clock.advance(100);
    await web.schedule({ to: NUMBER, at: START + 3_250 });
    await clock.advance(3_149);
    expect(dials).toEqual([]);
    await clock.advance(1);
    expect(dials).toEqual([{ at: START + 3_250, to: NUMBER }]);
  });

  /**
   * The race between two processes: another process inserts a call (due `racerDue`) while the
   * dialer claims the earliest call (due 2 s after START). The insert saw that call as the
   * earliest, so it sends no notification; its commit lands just after the claim's read of the
   * next wake-up. Each claim takes `claimMs` on the clock. Returns where and when both were dialed.
   */
  async function raceInsertAgainstClaim(options: {
    readonly racerDue: number;
    readonly claimMs: number;
    readonly claimAheadMs: number;
    /** Whether the store answers the next wake-up with the claim (`claimDueCallsWithWakeUp`) or reads it apart. */
    readonly withWakeUp: boolean;
  }): Promise<{ raced: boolean; dials: unknown[][] }> {
    const clock = new FakeClock(START);
    const store = new MemoryStore();
    let armed = false;
    let raced = false;
    const handle = new Proxy(store, {
      get: (target, property) => {
        if (property === 'watch') return async () => ({ close: async () => undefined });
        if (property === 'close') return async () => undefined;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const race = async (): Promise<void> => {
          if (armed && !raced) {
            raced = true;
            // The other process's insert commits now, after this read; it notifies nobody.
            await target.insertCalls([callInsertFixture(callFixture({ id: 'racer', to: OTHER, at: options.racerDue, dueAt: options.racerDue, createdAt: clock.now() }))]);
          }
        };
        if (property === 'claimDueCallsWithWakeUp') {
          if (!options.withWakeUp) return undefined;
          return async (claim: ClaimOptions) => {
            const claimed = await target.claimDueCalls(claim);
            clock.jump(options.claimMs);
            if (claimed.length > 0 && !raced) armed = true;
            const wakeUp = await target.nextWakeUpTimes!();
            await race();
            return { claimed, wakeUp };
          };
        }
        if (property === 'claimDueCalls') {
          return async (...args: unknown[]) => {
            const claimed = await (value as (...a: unknown[]) => Promise<unknown[]>).apply(target, args);
            clock.jump(options.claimMs);
            if (claimed.length > 0 && !raced) armed = true;
            return claimed;
          };
        }
        if (property === 'nextWakeUpTimes') {
          return async () => {
            const times: unknown = await (value as () => Promise<unknown>).apply(target);
            await race();
            return times;
          };
        }
        return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    const provider = new FakeCallProvider({ clock, defaultBehavior: { steps: [{ afterMs: 0, status: 'completed' }] } });
    const dialer = new CallScheduler({ store: handle, provider, clock, id: 'dialer', storeRereadIntervalMs: null, claimAheadMs: options.claimAheadMs });
    cleanup.stop(dialer);
    await dialer.start();
    await dialer.schedule({ to: NUMBER, at: START + 2 * SECOND });
    await clock.advanceTo(START + 3 * SECOND);
    return { raced, dials: provider.requests.filter((r) => r.kind === 'placeCall').map((r) => [r.to, r.at]) };
  }

  const readModes = [
    ['the claim answers the next wake-up', true],
    ['the next wake-up is read after the claim', false],
  ] as const;

  it.each(readModes)('an insert that commits just after a claim read the next wake-up, and sent no notification, is still found at once (%s)', async (_mode, withWakeUp) => {
    // Without a second read the new call would wait for the re-read (here: none at all).
    const racerDue = START + 2 * SECOND + 200;
    const { raced, dials } = await raceInsertAgainstClaim({ racerDue, claimMs: 0, claimAheadMs: 20, withWakeUp });
    expect(raced).toBe(true);
    expect(dials).toEqual([
      [NUMBER, START + 2 * SECOND],
      [OTHER, racerDue],
    ]);
  });

  it.each(readModes)('a call found by that second read inside the last claim horizon is still claimed ahead and dialed on time (%s)', async (_mode, withWakeUp) => {
    // Claims take 15 ms; the first claim (100 ms before its call) covered 200 ms ahead, and the
    // racing call is due 50 ms after the first: claimed only at its time, it would be 15 ms late.
    const racerDue = START + 2 * SECOND + 50;
    const { raced, dials } = await raceInsertAgainstClaim({ racerDue, claimMs: 15, claimAheadMs: 200, withWakeUp });
    expect(raced).toBe(true);
    expect(dials).toEqual([
      [NUMBER, START + 2 * SECOND],
      [OTHER, racerDue],
    ]);
  });

  it('stop closes the watch, and a watch that cannot open leaves the scheduler running on the re-read', async () => {
    const { bus, dialer } = hosts(null);
    await dialer.start();
    await dialer.stop();
    expect(bus.closed).toBe(1);

    const clock = new FakeClock(START);
    const broken = new Proxy(new MemoryStore(), {
      get: (target, property) => {
        if (property === 'watch') return async () => Promise.reject(new Error('LISTEN refused'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const scheduler = new CallScheduler({ store: broken, provider: new FakeCallProvider({ clock }), clock });
    const errors: string[] = [];
    scheduler.on('scheduler:error', ({ error, operation }) => errors.push(`${operation}: ${error instanceof Error ? error.message : String(error)}`));
    cleanup.stop(scheduler);
    await scheduler.start();
    expect(scheduler.state).toBe('running');
    expect(errors).toEqual(['watch: LISTEN refused']);
  });
});

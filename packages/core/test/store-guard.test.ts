import { describe, expect, it } from 'vitest';
import { GuardedCallStore, type CallStoreDriver } from '../src/store/guarded-call-store.js';
import { schedulerErrorOf } from '../../../test-support/rejections.js';

/** A driver whose methods record their calls; `open` fails while `failOpen` is set. */
function recordingDriver(overrides: Partial<CallStoreDriver> = {}): CallStoreDriver & { opened: number; closed: number; failOpen: boolean } {
  const driver = {
    name: 'TestStore',
    opened: 0,
    closed: 0,
    failOpen: false,
    async open() {
      if (driver.failOpen) throw new Error('disk on fire');
      driver.opened += 1;
    },
    async close() {
      driver.closed += 1;
    },
    insertCalls: async () => [],
    getCall: async () => undefined,
    getCallDetails: async () => undefined,
    findCallByProviderCallId: async () => undefined,
    listCalls: async () => ({ items: [], nextCursor: null }),
    listEvents: async () => ({ items: [], nextCursor: null }),
    eventLogHead: async () => null,
    claimDueCalls: async () => [],
    claimExpiredLeases: async () => [],
    updateCall: async () => undefined,
    nextWakeUpAt: async () => null,
    countAttempts: async () => 0,
    ...overrides,
  };
  return driver;
}

const CLAIM = { now: 1_000, limit: 10, owner: 'a', leaseExpiresAt: 2_000 };

describe('GuardedCallStore', () => {
  it('opens the driver once, on init or on the first operation, and again after a failure', async () => {
    const driver = recordingDriver();
    driver.failOpen = true;
    const store = new GuardedCallStore(driver);
    const failed = await schedulerErrorOf(() => store.getCall('x'));
    expect(failed.code).toBe('STORE_INIT_FAILED');
    expect(failed.message).toContain('TestStore: init failed: disk on fire');
    driver.failOpen = false;
    await Promise.all([store.init(), store.init(), store.getCall('x')]);
    await store.init();
    expect(driver.opened).toBe(1);
  });

  it('rejects every operation with STORE_CLOSED after close, and closes the driver once', async () => {
    const driver = recordingDriver({ purgeCalls: async () => 0 });
    const store = new GuardedCallStore(driver);
    await store.init();
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect(driver.closed).toBe(1);
    for (const run of [() => store.init(), () => store.getCall('x'), () => store.claimDueCalls(CLAIM), () => store.purgeCalls!({ endedBefore: 1, limit: 1 })]) {
      const error = await schedulerErrorOf(run);
      expect(error.code).toBe('STORE_CLOSED');
      expect(error.message).toBe('The TestStore is closed');
    }
  });

  it('does not close a driver that was never opened', async () => {
    const driver = recordingDriver();
    const store = new GuardedCallStore(driver);
    await store.close();
    expect(driver.closed).toBe(0);
  });

  it('close waits for the operations under way, and refuses new ones meanwhile', async () => {
    let finish!: () => void;
    const order: string[] = [];
    const driver = recordingDriver({
      getCall: () =>
        new Promise((resolve) => {
          finish = () => {
            order.push('getCall done');
            resolve(undefined);
          };
        }),
      close: async () => {
        order.push('driver closed');
      },
    });
    const store = new GuardedCallStore(driver);
    await store.init();
    const pending = store.getCall('x');
    const closing = store.close().then(() => order.push('close resolved'));
    expect((await schedulerErrorOf(() => store.getCall('y'))).code).toBe('STORE_CLOSED');
    expect(order).toEqual([]);
    finish();
    await pending;
    await closing;
    expect(order).toEqual(['getCall done', 'driver closed', 'close resolved']);
  });

  it('an operation waiting for init when the store closes rejects with STORE_CLOSED', async () => {
    let opened!: () => void;
    const driver = recordingDriver({ open: () => new Promise<void>((resolve) => (opened = resolve)) });
    const store = new GuardedCallStore(driver);
    const waiting = schedulerErrorOf(() => store.getCall('x'));
    const closing = store.close();
    opened();
    await closing;
    expect((await waiting).code).toBe('STORE_CLOSED');
  });

  it('passes library errors through, wraps others in STORE_ERROR naming the operation, and never throws synchronously', async () => {
    const cause = new Error('SQLITE_CORRUPT');
    const store = new GuardedCallStore(
      recordingDriver({
        getCall: () => {
          throw cause;
        },
        countAttempts: () => {
          throw Object.assign(new Error('boom'), { code: 'E42' });
        },
      }),
    );
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = store.getCall('x'))).not.toThrow();
    const error = await schedulerErrorOf(() => promise!);
    expect(error.code).toBe('STORE_ERROR');
    expect(error.message).toBe('TestStore: getCall failed: SQLITE_CORRUPT');
    expect(error.cause).toBe(cause);
    expect((await schedulerErrorOf(() => store.countAttempts({ to: '+1', since: 0 }))).message).toBe('TestStore: countAttempts failed: boom (E42)');
  });

  it('checks arguments with the shared schemas before the driver sees them, naming the field', async () => {
    const seen: string[] = [];
    const store = new GuardedCallStore(
      recordingDriver({
        listCalls: async () => {
          seen.push('listCalls');
          return { items: [], nextCursor: null };
        },
        claimDueCalls: async () => {
          seen.push('claimDueCalls');
          return [];
        },
        purgeCalls: async () => {
          seen.push('purgeCalls');
          return 0;
        },
      }),
    );
    const cases: [() => Promise<unknown>, string][] = [
      [() => store.listCalls({ limit: 0, cursor: null, order: 'asc' }), 'limit'],
      [() => store.listCalls({ limit: 10, cursor: null, order: 'up' as 'asc' }), 'order'],
      [() => store.listEvents({ after: 5 as unknown as string, limit: 10 }), 'after'],
      [() => store.listEvents({ after: null, limit: 1001 }), 'limit'],
      [() => store.claimDueCalls({ ...CLAIM, owner: '' }), 'owner'],
      [() => store.claimExpiredLeases({ ...CLAIM, now: Number.NaN }), 'now'],
      [() => store.countAttempts({ to: '+1', since: Number.POSITIVE_INFINITY }), 'since'],
      [() => store.purgeCalls!({ endedBefore: 1, limit: 10, statuses: ['ringing'] }), 'statuses.0'],
      [() => store.updateCall({ id: 'x', expect: {}, set: {}, unclaim: true, attempt: { number: 1, set: {} }, now: 1 }), 'unclaim'],
    ];
    for (const [run, field] of cases) {
      const error = await schedulerErrorOf(run);
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.issues.map((i) => i.path)).toEqual([field]);
    }
    expect(seen).toEqual([]);
    await store.listCalls({ limit: 10, cursor: null, order: 'asc' });
    await store.claimDueCalls(CLAIM);
    await store.purgeCalls!({ endedBefore: 1, limit: 10, statuses: ['completed'] });
    expect(seen).toEqual(['listCalls', 'claimDueCalls', 'purgeCalls']);
  });

  it('has the optional methods exactly when the driver has them', async () => {
    const bare = new GuardedCallStore(recordingDriver());
    expect(bare.purgeCalls).toBeUndefined();
    expect(bare.watch).toBeUndefined();
    expect(bare.health).toBeUndefined();
    const full = new GuardedCallStore(
      recordingDriver({
        purgeCalls: async () => 3,
        health: async () => ({ ok: true, watching: false }),
        watch: async () => ({ close: async () => undefined }),
      }),
    );
    expect(await full.purgeCalls!({ endedBefore: 1, limit: 1 })).toBe(3);
    expect(await full.health!()).toEqual({ ok: true, watching: false });
    await (await full.watch!(() => undefined)).close();
    expect(full.features).toEqual({});
  });
});

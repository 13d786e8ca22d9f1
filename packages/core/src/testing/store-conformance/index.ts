import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallStore } from '../../store/call-store.js';
import { createIdGenerator } from '../../util/ids.js';
import { FakeClock } from '../fake-clock.js';
import { atomicBatchTests } from './atomic-batches.js';
import { claimDueCallsTests } from './claim-due-calls.js';
import { claimExpiredLeasesTests } from './claim-expired-leases.js';
import { claimOwnerTests } from './claim-owners.js';
import { countAttemptsTests } from './count-attempts.js';
import { findByProviderCallIdTests } from './find-by-provider-call-id.js';
import { idempotencyTests } from './idempotency.js';
import { insertAndGetTests } from './insert-and-get.js';
import { lifecycleTests } from './lifecycle.js';
import { listCallsTests } from './list-calls.js';
import { listEventsTests } from './list-events.js';
import { nextWakeUpAtTests } from './next-wake-up-at.js';
import { purgeCallsTests } from './purge-calls.js';
import { storeFigureTests } from './store-figures.js';
import { suiteHelpers, type Suite, type TestBody } from './suite.js';
import { twoHandleTests } from './two-handles.js';
import { unclaimTests } from './unclaim.js';
import { updateCallTests } from './update-call.js';
import { watchTests } from './watch.js';

/** Options of {@link testCallStore}. */
export interface CallStoreConformanceOptions {
  /**
   * Tests to switch off, by their exact title, each with the reason. A skipped test is still
   * reported (as skipped, with the reason in its title), so nothing is skipped silently; a name
   * that matches no test makes the suite fail.
   * @default {}
   */
  readonly skip?: Readonly<Record<string, string>>;
  /** The title of the `describe` block. @default 'CallStore conformance' */
  readonly name?: string;
  /**
   * Opens a second handle on the store `makeStore` just made: another connection to the same
   * database, as a second process or host would have. The claim-race, fencing, per-number,
   * event-cursor and `watch` tests then write and read through both handles, so a store is tested
   * the way several schedulers use it. The suite initializes the peer after the store and closes
   * it before the store. Without it, those tests use the one handle twice.
   */
  readonly openPeer?: (store: CallStore) => CallStore | Promise<CallStore>;
}

/**
 * The conformance suite every {@link CallStore} must pass. Call it at the top level of a vitest
 * test file; it registers one `describe` block. `makeStore` is called before each test (a fresh,
 * empty store each time), then `init()`; `close()` runs after each test. One file per operation
 * under `store-conformance/` holds its tests.
 *
 * The suite passes `now` into every operation and checks that results depend on nothing else: a
 * store must never read the clock. Tests of optional capabilities (`purgeCalls`, `watch`) report
 * themselves skipped, with the reason, on a store without them.
 *
 * @example
 * ```ts
 * import { testCallStore } from '@call-scheduler/core/testing';
 * import { MemoryStore } from '../src/index.js';
 * testCallStore(() => new MemoryStore());
 * ```
 */
export function testCallStore(makeStore: () => CallStore | Promise<CallStore>, options: CallStoreConformanceOptions = {}): void {
  const skip = options.skip ?? {};
  const registered = new Set<string>();

  /** Registers a test, or an announced skip when `options.skip` names it. */
  const test = (name: string, fn: TestBody): void => {
    if (registered.has(name)) throw new Error(`testCallStore: duplicate test name "${name}"`);
    registered.add(name);
    const reason = skip[name];
    if (reason !== undefined) {
      // Switched off by the adapter, by name, with its reason in the title: reported, never silent.
      it.skip(`${name} [skipped: ${reason}]`, async () => {}); // skip-ok: an adapter switched this test off by name; the reason is in the title
    } else {
      it(name, fn);
    }
  };

  describe(options.name ?? 'CallStore conformance', () => {
    let current: { store: CallStore; peer: CallStore; nextId: () => string } | undefined;
    const running = (): { store: CallStore; peer: CallStore; nextId: () => string } => {
      if (current === undefined) throw new Error('testCallStore: no store outside a test');
      return current;
    };

    beforeEach(async () => {
      const nextId = createIdGenerator(new FakeClock('2026-01-01T00:00:00Z'));
      const store = await makeStore();
      await store.init?.();
      let peer = store;
      if (options.openPeer !== undefined) {
        peer = await options.openPeer(store);
        await peer.init?.();
      }
      current = { store, peer, nextId };
    });

    afterEach(async () => {
      vi.useRealTimers();
      const done = current;
      current = undefined;
      if (done === undefined) return;
      if (done.peer !== done.store) await done.peer.close?.();
      await done.store.close?.();
    });

    const suite: Suite = {
      get store() {
        return running().store;
      },
      get peer() {
        return running().peer;
      },
      hasPeer: options.openPeer !== undefined,
      nextId: () => running().nextId(),
      test,
      ...suiteHelpers(running),
    };

    insertAndGetTests(suite);
    idempotencyTests(suite);
    atomicBatchTests(suite);
    findByProviderCallIdTests(suite);
    listCallsTests(suite);
    listEventsTests(suite);
    claimDueCallsTests(suite);
    claimExpiredLeasesTests(suite);
    claimOwnerTests(suite);
    storeFigureTests(suite);
    updateCallTests(suite);
    nextWakeUpAtTests(suite);
    countAttemptsTests(suite);
    lifecycleTests(suite);
    unclaimTests(suite);
    purgeCallsTests(suite);
    twoHandleTests(suite);
    watchTests(suite);

    if (Object.keys(skip).length > 0) {
      // Checked when it runs: nested describe blocks register their tests after this line.
      it('skip option names only existing tests', () => {
        const unknown = Object.keys(skip).filter((name) => !registered.has(name));
        expect(unknown, 'options.skip names tests that do not exist').toEqual([]);
      });
    }
  });
}

/**
 * Not API: a store driver's operations as plain functions over what the store opened, and binding
 * them onto the driver, the same in every store of this repository.
 *
 * @internal
 */
import type { CallStore, ClaimOptions, ClaimWithWakeUp } from '../store/call-store.js';

/** The operations as driver methods: every method of `CallStore` but the lifecycle, `watch` and `health`, none optional. */
export type BoundOperations = Required<Omit<CallStore, 'features' | 'init' | 'close' | 'watch' | 'health'>>;

/** Each operation as a function of `open` and the operation's arguments. */
type OperationsOf<A> = {
  readonly [K in keyof BoundOperations]: (open: A, ...args: Parameters<BoundOperations[K]>) => ReturnType<BoundOperations[K]>;
};

/**
 * The operations of a store of this repository, each a function of `open` (what the store opened:
 * a database and its write path, or the in-memory state) and the operation's arguments. Each
 * keeps the meaning documented on `CallStore`. `claimDueCallsWithWakeUp` is optional: without it,
 * the driver's is `claimDueCalls` then `nextWakeUpTimes`, in one store call.
 */
export type StoreOperations<A> = Omit<OperationsOf<A>, 'claimDueCallsWithWakeUp'> & Partial<Pick<OperationsOf<A>, 'claimDueCallsWithWakeUp'>>;

/**
 * Gives `driver` the methods of `operations`, each handing `open()` (evaluated at every call: the
 * driver's open database, which throws before `open()`) to its function. Returns the same driver.
 */
export function withOperations<D extends object, A>(driver: D, open: () => A, operations: StoreOperations<A>): D & BoundOperations {
  const ops = operations;
  const claimWithWakeUp =
    ops.claimDueCallsWithWakeUp ??
    (async (db: A, options: ClaimOptions): Promise<ClaimWithWakeUp> => {
      const claimed = await ops.claimDueCalls(db, options);
      return { claimed, wakeUp: await ops.nextWakeUpTimes(db) };
    });
  const methods: BoundOperations = {
    insertCalls: (items) => ops.insertCalls(open(), items),
    getCall: (id) => ops.getCall(open(), id),
    getCallDetails: (id) => ops.getCallDetails(open(), id),
    findCallByProviderCallId: (providerCallId) => ops.findCallByProviderCallId(open(), providerCallId),
    listCalls: (query) => ops.listCalls(open(), query),
    updateCall: (update) => ops.updateCall(open(), update),
    listEvents: (query) => ops.listEvents(open(), query),
    eventLogHead: () => ops.eventLogHead(open()),
    claimDueCalls: (options) => ops.claimDueCalls(open(), options),
    claimExpiredLeases: (options) => ops.claimExpiredLeases(open(), options),
    claimDueCallsWithWakeUp: (options) => claimWithWakeUp(open(), options),
    countAttempts: (query) => ops.countAttempts(open(), query),
    nextWakeUpAt: () => ops.nextWakeUpAt(open()),
    nextWakeUpTimes: () => ops.nextWakeUpTimes(open()),
    countByStatus: () => ops.countByStatus(open()),
    dueSummary: (query) => ops.dueSummary(open(), query),
    purgeCalls: (options) => ops.purgeCalls(open(), options),
  };
  return Object.assign(driver, methods);
}

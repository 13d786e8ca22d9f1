// Owns: the read-only view of its store that a CallScheduler exposes. Writes go through the
// scheduler only (they must carry the lease's fencing token), so the view has no write method.
import type { CallStore } from '../store/call-store.js';

/**
 * What {@link CallScheduler.store} offers: the store's reads, its optional `watch` and `health`,
 * and `close` (for shutdown, after `stop()`); never a write of a call. Write through the
 * scheduler, which checks every input and, after a claim, the lease.
 */
export type CallStoreView = Pick<
  CallStore,
  | 'features'
  | 'getCall'
  | 'getCallDetails'
  | 'findCallByProviderCallId'
  | 'listCalls'
  | 'listEvents'
  | 'eventLogHead'
  | 'nextWakeUpAt'
  | 'countAttempts'
  | 'watch'
  | 'health'
  | 'close'
>;

/** A frozen {@link CallStoreView} of `store`: each method calls the store's. */
export function readOnlyView(store: CallStore): CallStoreView {
  const watch = store.watch;
  const health = store.health;
  const close = store.close;
  return Object.freeze({
    ...(store.features === undefined ? {} : { features: store.features }),
    getCall: (id) => store.getCall(id),
    getCallDetails: (id) => store.getCallDetails(id),
    findCallByProviderCallId: (providerCallId) => store.findCallByProviderCallId(providerCallId),
    listCalls: (query) => store.listCalls(query),
    listEvents: (query) => store.listEvents(query),
    eventLogHead: () => store.eventLogHead(),
    nextWakeUpAt: () => store.nextWakeUpAt(),
    countAttempts: (query) => store.countAttempts(query),
    ...(watch === undefined ? {} : { watch: (onChange) => watch.call(store, onChange) }),
    ...(health === undefined ? {} : { health: () => health.call(store) }),
    ...(close === undefined ? {} : { close: () => close.call(store) }),
  } satisfies CallStoreView);
}

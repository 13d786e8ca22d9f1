// Owns: what the scheduler says of itself. `health()`: its state, live calls and provider requests,
// the provider's last error, and from the store (without failing when it cannot answer) the next
// wake-up, how late the oldest overdue call is, how many calls are due in the next minute and the
// store's own facts. `countInFlight()`: the calls being dialed or live, across every scheduler.
import { CallSchedulerError } from '../errors/call-scheduler-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CallStore } from '../store/call-store.js';
import type { SchedulerContext } from './scheduler-context.js';
import type { SchedulerHealth, SchedulerState } from './scheduler-types.js';

/** The horizon of `dueNextMinute`. */
const DUE_HORIZON_MS = 60_000;

/** The scheduler's health: see `CallScheduler.health`. Never throws: a store that fails is `store: 'error'`. */
export async function readHealth(ctx: SchedulerContext, state: SchedulerState, init: () => Promise<void>): Promise<SchedulerHealth> {
  const lastError = ctx.gate.lastError;
  const base = {
    state,
    liveCalls: ctx.tracked.size,
    inFlightRequests: ctx.gate.inFlight,
    providerLastError: lastError === null ? null : { code: lastError.code, message: lastError.message, at: new Date(lastError.at) },
  };
  try {
    await init();
    const now = ctx.clock.now();
    const store = ctx.store;
    const [next, due, storeHealth] = await Promise.all([
      store.nextWakeUpAt(),
      store.dueSummary?.({ now, horizonMs: DUE_HORIZON_MS }),
      store.health?.(),
    ]);
    const earliest = due?.earliestDueAt ?? null;
    return {
      ...base,
      store: 'ok',
      nextWakeUpAt: next === null ? null : new Date(next),
      oldestOverdueMs: earliest !== null && earliest < now ? now - earliest : null,
      dueNextMinute: due === undefined ? null : due.dueWithin,
      ...(storeHealth === undefined ? {} : { storeHealth }),
    };
  } catch (error) {
    return { ...base, store: 'error', error: error instanceof Error ? error.message : String(error), nextWakeUpAt: null, oldestOverdueMs: null, dueNextMinute: null };
  }
}

/** Calls `dispatching`, `initiated`, `ringing` or `connected` in the store (one `countByStatus` read). */
export async function countInFlight(store: CallStore): Promise<number> {
  if (store.countByStatus === undefined) throw new CallSchedulerError(ErrorCode.NOT_SUPPORTED, 'This store cannot count calls by status (no countByStatus)');
  const counts = await store.countByStatus();
  return (counts.dispatching ?? 0) + (counts.initiated ?? 0) + (counts.ringing ?? 0) + (counts.connected ?? 0);
}

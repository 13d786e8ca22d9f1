// Owns: the one rule that turns a store's next due time and next lease expiry into its next wake-up.
import type { WakeUpTimes } from '../store/call-store.js';

/**
 * `CallStore.nextWakeUpAt` from `CallStore.nextWakeUpTimes`: the earlier of the two, or `null`
 * when there is neither.
 *
 * @internal
 */
export function earlierOf(times: WakeUpTimes): number | null {
  const { due, leaseExpiry } = times;
  if (due === null) return leaseExpiry;
  if (leaseExpiry === null) return due;
  return Math.min(due, leaseExpiry);
}

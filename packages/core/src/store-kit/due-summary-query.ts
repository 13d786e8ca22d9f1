/**
 * Not API: the argument check of `CallStore.dueSummary`, the same in every store of this repository.
 *
 * @internal
 */
import { invalidInput } from '../schema/schedule-input.js';
import type { DueSummaryQuery } from '../store/call-store.js';

/**
 * Throws CallSchedulerError `INVALID_INPUT` naming `now` (not a finite number) or `horizonMs`
 * (not a number of at least 0).
 */
export function checkDueSummaryQuery(query: DueSummaryQuery): void {
  if (!Number.isFinite(query.now)) throw invalidInput([{ path: 'now', message: 'must be a finite number (epoch ms)', rule: 'invalid_type' }], 'due summary query');
  if (!Number.isFinite(query.horizonMs) || query.horizonMs < 0) {
    throw invalidInput([{ path: 'horizonMs', message: 'must be a number of at least 0', rule: 'too_small' }], 'due summary query');
  }
}

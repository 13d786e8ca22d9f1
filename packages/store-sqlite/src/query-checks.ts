import { invalidInput } from '@call-scheduler/core';
import type { CallListQuery, InputIssue } from '@call-scheduler/core';

/** Throws `INVALID_INPUT` naming `limit` or `order` for a list query a store cannot answer. */
export function checkListQuery(query: CallListQuery): void {
  const issues: InputIssue[] = [];
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
    issues.push({ path: 'limit', message: `must be a whole number from 1 to 1000, got ${String(query.limit)}`, rule: 'too_big_or_small' });
  }
  if (query.order !== 'asc' && query.order !== 'desc') {
    issues.push({ path: 'order', message: `must be 'asc' or 'desc', got ${String(query.order)}`, rule: 'invalid_value' });
  }
  if (issues.length > 0) throw invalidInput(issues, 'list query');
}

/** Throws `INVALID_INPUT` naming `limit` or `afterId` for an events query a store cannot answer. */
export function checkEventsQuery(query: { readonly afterId: number; readonly limit: number }): void {
  const issues: InputIssue[] = [];
  if (!Number.isInteger(query.limit) || query.limit < 1) {
    issues.push({ path: 'limit', message: `must be a whole number of at least 1, got ${String(query.limit)}`, rule: 'too_small' });
  }
  if (typeof query.afterId !== 'number' || Number.isNaN(query.afterId)) {
    issues.push({ path: 'afterId', message: `must be a number, got ${String(query.afterId)}`, rule: 'invalid_type' });
  }
  if (issues.length > 0) throw invalidInput(issues, 'events query');
}

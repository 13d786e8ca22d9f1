import { isTerminalStatus } from '@call-scheduler/core';
import { invalidInput } from '@call-scheduler/core/internal';
import type { CallListQuery, CallStatus, InputIssue } from '@call-scheduler/core';

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

/** Throws `INVALID_INPUT` naming `limit` for an events query a store cannot answer (the cursor is checked when decoded). */
export function checkEventsQuery(query: { readonly limit: number }): void {
  if (!Number.isInteger(query.limit) || query.limit < 1) {
    const issue: InputIssue = { path: 'limit', message: `must be a whole number of at least 1, got ${String(query.limit)}`, rule: 'too_small' };
    throw invalidInput([issue], 'events query');
  }
}

/** Throws `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses.<i>` for a purge a store cannot answer. */
export function checkPurgeOptions(options: { readonly endedBefore: number; readonly limit: number; readonly statuses?: readonly CallStatus[] }): void {
  if (typeof options !== 'object' || options === null) {
    throw invalidInput([{ path: '', message: 'must be an object', rule: 'invalid_type' }], 'purge options');
  }
  const issues: InputIssue[] = [];
  if (typeof options.endedBefore !== 'number' || !Number.isFinite(options.endedBefore)) {
    issues.push({ path: 'endedBefore', message: `must be a finite number of epoch ms, got ${String(options.endedBefore)}`, rule: 'invalid_type' });
  }
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    issues.push({ path: 'limit', message: `must be a whole number of at least 1, got ${String(options.limit)}`, rule: 'too_small' });
  }
  const { statuses } = options;
  if (statuses !== undefined && !Array.isArray(statuses)) {
    issues.push({ path: 'statuses', message: 'must be an array of terminal statuses', rule: 'invalid_type' });
  } else if (statuses !== undefined) {
    statuses.forEach((status: unknown, i) => {
      if (typeof status !== 'string' || !isTerminalStatus(status as CallStatus)) {
        issues.push({ path: `statuses.${i}`, message: `must be a terminal status, got ${String(status)}`, rule: 'invalid_value' });
      }
    });
  }
  if (issues.length > 0) throw invalidInput(issues, 'purge options');
}

/**
 * Test-only support: the per-call check of the store packages' crash tests without provider
 * de-duplication (the same rule whatever the store).
 */
import { expect } from 'vitest';

/** A call as a crash test reads it back from the store. */
export interface CrashCall {
  readonly id: string;
  readonly status: string;
  readonly error_code: string | null;
  readonly provider_call_id: string | null;
  readonly attempt_count: number;
}

/** How the calls of a crash run without de-duplication ended. */
export interface CrashSummary {
  /** Completed, on exactly one dial. */
  completed: number;
  /** Failed with DISPATCH_OUTCOME_UNKNOWN; the provider had started it. */
  unknownDialed: number;
  /** Failed with DISPATCH_OUTCOME_UNKNOWN; the provider had not started it. */
  unknownNotDialed: number;
}

/**
 * Asserts that `call` (dialed `dials` times) ended as it may after SIGKILLs without provider
 * de-duplication: dialed at most once, completed on its one dial or failed with
 * DISPATCH_OUTCOME_UNKNOWN, after one attempt; counts it in `summary`.
 */
export function expectEndedWithoutDuplicate(call: CrashCall, dials: readonly { readonly provider_call_id: string }[], seed: number, summary: CrashSummary): void {
  expect(dials.length, `call ${call.id} dialed ${dials.length} times (seed ${seed})`).toBeLessThanOrEqual(1);
  if (call.status === 'completed') {
    summary.completed += 1;
    expect(dials).toHaveLength(1);
    expect(call.provider_call_id).toBe(dials[0]?.provider_call_id);
  } else {
    // The only other end: the process died between the claim and recording the provider's
    // answer, so whether it rang is unknown and it is not dialed again.
    expect([call.status, call.error_code]).toEqual(['failed', 'DISPATCH_OUTCOME_UNKNOWN']);
    if (dials.length === 1) summary.unknownDialed += 1;
    else summary.unknownNotDialed += 1;
  }
  expect(call.attempt_count).toBe(1);
}

/** One call's who-did-what, as a crash test reads it back from the store. */
export interface CallHistory {
  /** `scheduler_id` of each attempt, by attempt number. */
  readonly attemptSchedulers: ReadonlyMap<number, string | null>;
  /** The data of its `dispatching`, `recovered` and `failed` events, in log order. */
  readonly events: readonly { readonly type: string; readonly attempt: number | null; readonly data: Record<string, unknown> | null }[];
}

/** One attempt row and one event row, as a crash test reads them back from a store's tables. */
export interface AttemptRow {
  readonly call_id: string;
  readonly number: number;
  readonly scheduler_id: string | null;
}
/** An event row (`data` already parsed from JSON). */
export interface EventRow {
  readonly call_id: string;
  readonly type: string;
  readonly attempt: number | null;
  readonly data: Record<string, unknown> | null;
}

/** Each call's {@link CallHistory}, from its attempt rows and its event rows (in log order). */
export function historiesOf(attempts: Iterable<AttemptRow>, events: Iterable<EventRow>): Map<string, CallHistory> {
  const histories = new Map<string, { attemptSchedulers: Map<number, string | null>; events: CallHistory['events'][number][] }>();
  const historyOf = (id: string): { attemptSchedulers: Map<number, string | null>; events: CallHistory['events'][number][] } => {
    let history = histories.get(id);
    if (history === undefined) {
      history = { attemptSchedulers: new Map(), events: [] };
      histories.set(id, history);
    }
    return history;
  };
  for (const row of attempts) historyOf(row.call_id).attemptSchedulers.set(row.number, row.scheduler_id);
  for (const row of events) historyOf(row.call_id).events.push({ type: row.type, attempt: row.attempt, data: row.data });
  return histories;
}

/**
 * Asserts who did what for one call of a crash run without de-duplication: its first attempt names
 * one of `hosts` as its dialer, in the attempt and in its `dispatching` event; and a call that did
 * not complete says why: `DISPATCH_OUTCOME_UNKNOWN` because the dialer died (`dialer-died`), named
 * by the scheduler that concluded it (one of `hosts`), after a `recovered` event naming the dialer
 * as the previous owner. Returns the dialer.
 */
export function expectHistoryNamesDialer(call: CrashCall, history: CallHistory | undefined, hosts: readonly string[]): string | null | undefined {
  const dialer = history?.attemptSchedulers.get(1);
  expect(hosts, `call ${call.id}: attempt 1 dialed by ${dialer}`).toContain(dialer);
  expect(history?.events.find((e) => e.type === 'dispatching')?.data, `call ${call.id}`).toMatchObject({ owner: dialer });
  if (call.status !== 'completed') {
    const ended = history?.events.find((e) => e.type === 'failed');
    expect(ended?.data, `call ${call.id}`).toMatchObject({ code: 'DISPATCH_OUTCOME_UNKNOWN', reason: 'dialer-died' });
    expect(hosts).toContain(ended?.data?.['schedulerId']);
    const recovered = history?.events.filter((e) => e.type === 'recovered') ?? [];
    expect(recovered[0]?.data, `call ${call.id}`).toMatchObject({ previousOwner: dialer });
  }
  return dialer;
}

/**
 * For a crash run with a de-duplicating provider: asserts that every call completed on exactly one
 * provider call, and returns how many of those dials were sent more than once with the same
 * idempotency key (re-sent after a killed process never recorded the answer).
 */
export function expectEachCompletedOnOneCall(
  calls: readonly CrashCall[],
  dialsByCall: ReadonlyMap<string, readonly { readonly provider_call_id: string; readonly idempotency_key: string }[]>,
  requestsByKey: ReadonlyMap<string, number>,
): number {
  let resent = 0;
  for (const call of calls) {
    const dials = dialsByCall.get(call.id) ?? [];
    expect(call.status, `${call.id} ${call.error_code ?? ''}`).toBe('completed');
    expect(dials).toHaveLength(1);
    expect(call.provider_call_id).toBe(dials[0]?.provider_call_id);
    if ((requestsByKey.get(dials[0]?.idempotency_key ?? '') ?? 0) > 1) resent += 1;
  }
  return resent;
}

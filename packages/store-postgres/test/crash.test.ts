import { describe, expect, it } from 'vitest';
import { expectEndedWithoutDuplicate, expectHistoryNamesDialer } from '../../../test-support/crash-checks.js';
import { CRASH_CALLS, CRASH_KILLS, CRASH_LEASE_MS, CRASH_REREAD_MS, QUIET_CALLS, useCrashRun } from './support/crash-run.js';

/**
 * The slack allowed on top of `leaseMs` plus one re-read for a takeover: the survivor's claim of
 * the expired leases is a write like any other, and the event's time is taken in it.
 */
const CLAIM_SLACK_MS = 500;

describe('crash: three scheduler processes on one database, killed with SIGKILL during a run', () => {
  const crashRun = useCrashRun();

  it('without provider de-duplication: every call ends, none is lost, none is dialed twice, a killed host\'s calls are taken over within leaseMs + one re-read', async () => {
    const seed = 20_261_206;
    const outcome = await crashRun('cs_crash', false, seed);
    expect(outcome.kills).toBe(CRASH_KILLS);
    expect(outcome.calls).toHaveLength(CRASH_CALLS + QUIET_CALLS);
    const summary = { completed: 0, unknownDialed: 0, unknownNotDialed: 0 };
    for (const call of outcome.calls) {
      const dials = outcome.dialsByCall.get(call.id) ?? [];
      expectEndedWithoutDuplicate(call, dials, seed, summary);
      // Who did what: the dial names the host that claimed it; an unknown outcome says why.
      expectHistoryNamesDialer(call, outcome.historyByCall.get(call.id), outcome.hosts);
    }
    // The kills did interrupt work in flight (otherwise this test would prove little).
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    const stats = (values: readonly number[]): string => {
      const sorted = [...values].sort((x, y) => x - y);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
      return `n=${sorted.length} p50=${at(0.5)} p90=${at(0.9)} max=${sorted[sorted.length - 1]}`;
    };
    console.log(
      `crash run (seed ${seed}): ${JSON.stringify({ ...summary, recovered: outcome.eventCounts.recovered })}; ` +
        `takeover after a kill under load: ${stats(outcome.takeoverMs)}; on a quiet system: ${stats(outcome.quietTakeoverMs)} (lease ${CRASH_LEASE_MS} ms, re-read ${CRASH_REREAD_MS} ms)`,
    );
    // Every call a killed host held, whether it was being claimed, dialed or followed, was taken
    // over within the lease plus one re-read: a lease is kept by renewals while a request runs,
    // never stretched over the request's timeout.
    expect(outcome.quietTakeoverMs.length).toBeGreaterThan(0);
    expect(Math.max(...outcome.quietTakeoverMs)).toBeLessThanOrEqual(CRASH_LEASE_MS + CRASH_REREAD_MS + CLAIM_SLACK_MS);
    expect(Math.max(...outcome.takeoverMs)).toBeLessThanOrEqual(CRASH_LEASE_MS + CRASH_REREAD_MS + CLAIM_SLACK_MS);
  }, 150_000);
});

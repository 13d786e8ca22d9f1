import { describe, expect, it } from 'vitest';
import { expectEndedWithoutDuplicate, expectHistoryNamesDialer } from '../../../test-support/crash-checks.js';
import { CRASH_CALLS, CRASH_KILLS, crashRun, useCrashDirectory } from './support/crash-run.js';

describe('crash: scheduler processes killed with SIGKILL during a run', () => {
  const file = useCrashDirectory();

  it('without provider de-duplication: every call ends, none is lost, none is dialed twice', async () => {
    const seed = 20_260_301;
    const outcome = await crashRun(file, false, seed);
    expect(outcome.kills).toBe(CRASH_KILLS);
    expect(outcome.calls).toHaveLength(CRASH_CALLS);
    const summary = { completed: 0, unknownDialed: 0, unknownNotDialed: 0, unknownWhy: new Map<string, number>() };
    const hosts = [...Array.from({ length: CRASH_KILLS }, (_, i) => `victim-${i}`), 'survivor'];
    for (const call of outcome.calls) {
      const dials = outcome.dialsByCall.get(call.id) ?? [];
      expectEndedWithoutDuplicate(call, dials, seed, summary);
      // Who did what: the dial names the host that claimed it; an unknown outcome says why.
      const dialer = expectHistoryNamesDialer(call, outcome.historyByCall.get(call.id), hosts);
      if (call.status !== 'completed') summary.unknownWhy.set(dialer ?? '', (summary.unknownWhy.get(dialer ?? '') ?? 0) + 1);
    }
    // The kills did interrupt work in flight (otherwise this test would prove little).
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    console.log(`crash run (seed ${seed}): ${JSON.stringify({ ...summary, unknownWhy: Object.fromEntries(summary.unknownWhy), recovered: outcome.eventCounts.recovered })}`);
  }, 150_000);
});

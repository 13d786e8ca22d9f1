import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectEndedWithoutDuplicate } from '../../../test-support/crash-checks.js';
import { CRASH_CALLS, CRASH_KILLS, crashRun } from './support/crash-run.js';
import { killAll } from './support/scheduler-processes.js';
import { tempDir } from './support/temp-files.js';

describe('crash: scheduler processes killed with SIGKILL during a run', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-crash-');
  });
  afterEach(async () => {
    await killAll();
    dir.remove();
  });

  it('without provider de-duplication: every call ends, none is lost, none is dialed twice', async () => {
    const seed = 20_260_301;
    const outcome = await crashRun(dir.file, false, seed);
    expect(outcome.kills).toBe(CRASH_KILLS);
    expect(outcome.calls).toHaveLength(CRASH_CALLS);
    const summary = { completed: 0, unknownDialed: 0, unknownNotDialed: 0, unknownWhy: new Map<string, number>() };
    const hosts = [...Array.from({ length: CRASH_KILLS }, (_, i) => `victim-${i}`), 'survivor'];
    for (const call of outcome.calls) {
      const dials = outcome.dialsByCall.get(call.id) ?? [];
      expectEndedWithoutDuplicate(call, dials, seed, summary);
      // Who did what: the dial names the host that claimed it, in the attempt and its dispatching event.
      const history = outcome.historyByCall.get(call.id);
      const dialer = history?.attemptSchedulers.get(1);
      expect(hosts, `call ${call.id}: attempt 1 dialed by ${dialer}`).toContain(dialer);
      expect(history?.events.find((e) => e.type === 'dispatching')?.data).toMatchObject({ owner: dialer });
      if (call.status !== 'completed') {
        // And the unknown outcome says why: the dialer died (its lease was taken over from it).
        const ended = history?.events.find((e) => e.type === 'failed');
        expect(ended?.data, `call ${call.id}`).toMatchObject({ code: 'DISPATCH_OUTCOME_UNKNOWN', reason: 'dialer-died' });
        expect(hosts).toContain(ended?.data?.['schedulerId']);
        const recovered = history?.events.filter((e) => e.type === 'recovered') ?? [];
        expect(recovered[0]?.data, `call ${call.id}`).toMatchObject({ previousOwner: dialer });
        summary.unknownWhy.set(dialer ?? '', (summary.unknownWhy.get(dialer ?? '') ?? 0) + 1);
      }
    }
    // The kills did interrupt work in flight (otherwise this test would prove little).
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    console.log(`crash run (seed ${seed}): ${JSON.stringify({ ...summary, unknownWhy: Object.fromEntries(summary.unknownWhy), recovered: outcome.eventCounts.recovered })}`);
  }, 60_000);
});

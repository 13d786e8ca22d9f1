import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    const summary = { completed: 0, unknownDialed: 0, unknownNotDialed: 0 };
    for (const call of outcome.calls) {
      const dials = outcome.dialsByCall.get(call.id) ?? [];
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
    // The kills did interrupt work in flight (otherwise this test would prove little).
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    console.log(`crash run (seed ${seed}): ${JSON.stringify({ ...summary, recovered: outcome.eventCounts.recovered })}`);
  }, 60_000);
});

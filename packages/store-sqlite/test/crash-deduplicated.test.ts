import { describe, expect, it } from 'vitest';
import { expectEachCompletedOnOneCall } from '../../../test-support/crash-checks.js';
import { CRASH_CALLS, CRASH_KILLS, crashRun, useCrashDirectory } from './support/crash-run.js';

describe('crash with a de-duplicating provider: scheduler processes killed with SIGKILL during a run', () => {
  const file = useCrashDirectory();

  it('with provider de-duplication: every call completes on exactly one provider call', async () => {
    const seed = 20_260_302;
    const outcome = await crashRun(file, true, seed);
    expect(outcome.kills).toBe(CRASH_KILLS);
    expect(outcome.calls).toHaveLength(CRASH_CALLS);
    const resent = expectEachCompletedOnOneCall(outcome.calls, outcome.dialsByCall, outcome.requestsByKey);
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    // Some dials whose outcome a killed process never recorded were sent again with the same key:
    // the provider's de-duplication, not luck, kept them to one call.
    expect(resent).toBeGreaterThan(0);
    console.log(`crash run with de-duplication (seed ${seed}): ${JSON.stringify({ resent, recovered: outcome.eventCounts.recovered })}`);
  }, 150_000);
});

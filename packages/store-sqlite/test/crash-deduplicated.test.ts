import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRASH_CALLS, CRASH_KILLS, crashRun } from './support/crash-run.js';
import { killAll } from './support/scheduler-processes.js';
import { tempDir } from './support/temp-files.js';

describe('crash with a de-duplicating provider: scheduler processes killed with SIGKILL during a run', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-crash-');
  });
  afterEach(async () => {
    await killAll();
    dir.remove();
  });

  it('with provider de-duplication: every call completes on exactly one provider call', async () => {
    const seed = 20_260_302;
    const outcome = await crashRun(dir.file, true, seed);
    expect(outcome.kills).toBe(CRASH_KILLS);
    expect(outcome.calls).toHaveLength(CRASH_CALLS);
    let resent = 0;
    for (const call of outcome.calls) {
      const dials = outcome.dialsByCall.get(call.id) ?? [];
      expect(call.status, `${call.id} ${call.error_code ?? ''}`).toBe('completed');
      expect(dials).toHaveLength(1);
      expect(call.provider_call_id).toBe(dials[0]?.provider_call_id);
      const requests = outcome.requestsByKey.get(dials[0]?.idempotency_key ?? '') ?? 0;
      if (requests > 1) resent += 1;
    }
    expect(outcome.eventCounts.recovered ?? 0).toBeGreaterThan(0);
    // Some dials whose outcome a killed process never recorded were sent again with the same key:
    // the provider's de-duplication, not luck, kept them to one call.
    expect(resent).toBeGreaterThan(0);
    console.log(`crash run with de-duplication (seed ${seed}): ${JSON.stringify({ resent, recovered: outcome.eventCounts.recovered })}`);
  }, 60_000);
});

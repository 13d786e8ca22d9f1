import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutcome } from './support/outcomes.js';
import { killAll, seededRandom, startSchedulerProcess, stopSchedulerProcess, waitUntilAllEnded } from './support/scheduler-processes.js';
import { scheduleCalls } from './support/scheduling.js';
import { tempDir } from './support/temp-files.js';

const CALLS = 2_000;
const KILLS = 8;
const LEASE_MS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash: scheduler processes killed with SIGKILL during a run', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-crash-');
  });
  afterEach(async () => {
    await killAll();
    dir.remove();
  });

  /**
   * Schedules CALLS calls due over the next seconds, then runs scheduler processes one after the
   * other, killing each with SIGKILL after a random moment, and finally one that runs until every
   * call has ended. Returns what the store and the provider recorded.
   */
  async function crashRun(idempotent: boolean, seed: number): Promise<ReturnType<typeof readOutcome> & { kills: number }> {
    const random = seededRandom(seed);
    const storeFile = dir.file('calls.db');
    const providerFile = dir.file('provider.db');
    // Due from 1.5 s on (a process takes about a second to start) over ~8 s, so that kills land
    // while calls are being claimed, dialed and followed.
    await scheduleCalls(storeFile, CALLS, Date.now() + 1_500, 8_000 / CALLS);
    const base = { storeFile, providerFile, idempotent, leaseMs: LEASE_MS };
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const child = await startSchedulerProcess({ ...base, id: `victim-${round}` });
      await sleep(100 + Math.floor(random() * 900));
      child.child.kill('SIGKILL');
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');
      kills += 1;
    }
    const survivor = await startSchedulerProcess({ ...base, id: 'survivor' });
    const open = await waitUntilAllEnded(storeFile, 30_000);
    const exit = await stopSchedulerProcess(survivor);
    expect(open, `calls still open; survivor stderr:\n${survivor.stderr()}`).toBe(0);
    expect(exit.code).toBe(0);
    return { ...readOutcome(storeFile, providerFile), kills };
  }

  it('without provider de-duplication: every call ends, none is lost, none is dialed twice', async () => {
    const seed = 20_260_301;
    const outcome = await crashRun(false, seed);
    expect(outcome.kills).toBe(KILLS);
    expect(outcome.calls).toHaveLength(CALLS);
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

  it('with provider de-duplication: every call completes on exactly one provider call', async () => {
    const seed = 20_260_302;
    const outcome = await crashRun(true, seed);
    expect(outcome.calls).toHaveLength(CALLS);
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
    console.log(`crash run with de-duplication (seed ${seed}): ${JSON.stringify({ resent, recovered: outcome.eventCounts.recovered })}`);
  }, 60_000);
});

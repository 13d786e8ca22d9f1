import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOutcome } from './support/outcomes.js';
import { killAll, startSchedulerProcess, stopSchedulerProcess, waitUntilAllEnded } from './support/scheduler-processes.js';
import { scheduleCalls } from './support/scheduling.js';
import { tempDir } from './support/temp-files.js';

const CALLS = 2_000;

describe('several scheduler processes on one file', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-multi-');
  });
  afterEach(async () => {
    await killAll();
    dir.remove();
  });

  it('three processes dial every call exactly once between them', async () => {
    const storeFile = dir.file('calls.db');
    const providerFile = dir.file('provider.db');
    const base = { storeFile, providerFile, idempotent: false, leaseMs: 5_000 };
    // The processes start on an empty file (all three migrate it at once), then calls arrive.
    const processes = await Promise.all([0, 1, 2].map((i) => startSchedulerProcess({ ...base, id: `worker-${i}` })));
    const calls = await scheduleCalls(storeFile, CALLS, Date.now() + 500, 2_000 / CALLS);
    const open = await waitUntilAllEnded(storeFile, 40_000);
    const exits = await Promise.all(processes.map((p) => stopSchedulerProcess(p)));
    expect(open, processes.map((p) => p.stderr()).join('\n')).toBe(0);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);

    const outcome = readOutcome(storeFile, providerFile);
    expect(outcome.calls.map((c) => c.id)).toEqual(calls.map((c) => c.id).sort());
    const byProcess = new Map<number, number>();
    for (const call of outcome.calls) {
      expect(call.status, `${call.id} ${call.error_code ?? ''}`).toBe('completed');
      const dials = outcome.dialsByCall.get(call.id) ?? [];
      expect(dials, call.id).toHaveLength(1);
      expect(call.provider_call_id).toBe(dials[0]?.provider_call_id);
      const pid = dials[0]?.pid ?? 0;
      byProcess.set(pid, (byProcess.get(pid) ?? 0) + 1);
    }
    expect([...outcome.requestsByKey.values()].every((n) => n === 1)).toBe(true);
    // Every process took part.
    expect([...byProcess.keys()].sort()).toEqual(processes.map((p) => p.child.pid).sort());
    console.log(`dials per process: ${JSON.stringify([...byProcess.values()])}`);
  }, 60_000);
});

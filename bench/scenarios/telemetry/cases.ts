import { CallScheduler, type CallSchedulerOptions } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { InstantProvider } from '../../lib/instant-provider.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { median } from '../../lib/stats.js';
import type { CaseFn } from '../../lib/types.js';

type Variant = 'default' | 'off';

/** One run: `count` calls due now on a MemoryStore, dialed by an instant provider; CPU ms of the run. */
async function runOnce(variant: Variant, count: number): Promise<number> {
  const telemetry: CallSchedulerOptions['telemetry'] = variant === 'off' ? false : {};
  const scheduler = new CallScheduler({ store: new MemoryStore(), provider: new InstantProvider({ answer: 'completed' }), telemetry, callsPerSecond: 1_000_000, burst: 1_000_000 });
  await scheduler.scheduleMany(Array.from({ length: count }, (_, i) => ({ to: `+1415555${String(i % 10_000).padStart(4, '0')}` })));
  const run = await runScheduler(scheduler, count, 120_000);
  if (run.timedOut || run.completed !== count) throw new Error(`${variant}: ${run.completed} of ${count} completed (${run.errors.join(' | ')})`);
  return run.cpuMs;
}

/**
 * The same process runs the default telemetry (the global OpenTelemetry providers, with no SDK
 * registered: no-op instruments) and `telemetry: false` (nothing created, the store not wrapped),
 * alternating which goes first, after a warm-up of each; the ratio of the median CPU times is the
 * cost of the instrumentation without an SDK.
 */
const sameRun: CaseFn = async (context) => {
  const count = context.quick ? 1_000 : 10_000;
  const rounds = context.quick ? 3 : 7;
  await runOnce('default', count);
  await runOnce('off', count);
  const cpu: Record<Variant, number[]> = { default: [], off: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Variant[] = round % 2 === 0 ? ['default', 'off'] : ['off', 'default'];
    for (const variant of order) cpu[variant].push(await runOnce(variant, count));
    context.log(`round ${round + 1}: default ${cpu.default.at(-1)?.toFixed(0)} ms, off ${cpu.off.at(-1)?.toFixed(0)} ms`);
  }
  const defaultMs = median(cpu.default);
  const offMs = median(cpu.off);
  return {
    count,
    rounds,
    defaultCpuMs: defaultMs,
    offCpuMs: offMs,
    defaultUsPerCall: (defaultMs / count) * 1000,
    offUsPerCall: (offMs / count) * 1000,
    ratio: defaultMs / offMs,
  };
};

export const cases: Record<string, CaseFn> = { 'same-run': sameRun };

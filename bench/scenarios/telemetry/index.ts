import { num, resultOf } from '../../lib/results.js';
import { fmt } from '../../lib/stats.js';
import type { ScenarioDef } from '../../lib/types.js';

/** What the OpenTelemetry instrumentation costs with no SDK registered: default telemetry vs `telemetry: false`, in one process. */
export const telemetry: ScenarioDef = {
  name: 'telemetry',
  title: 'Telemetry cost without an SDK: default (no-op instruments) vs telemetry: false, same process, alternating runs (MemoryStore, instant provider)',
  cases: (quick) => [{ name: 'same-run', timeoutMs: quick ? 60_000 : 300_000 }],
  summarize(results) {
    const r = resultOf(results, 'same-run');
    const ratio = num(r, 'ratio');
    return [
      { figure: 'CPU per call, default telemetry', value: `${fmt(num(r, 'defaultUsPerCall'), 1)} µs`, baseline: `${fmt(num(r, 'offUsPerCall'), 1)} µs (telemetry: false)`, target: '', met: null },
      { figure: 'ratio default / false (median of runs)', value: fmt(ratio, 3), baseline: '1', target: '≤ 1.05', met: ratio <= 1.05 },
    ];
  },
};

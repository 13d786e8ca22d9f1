// The cases compare.mjs runs on both trees, and the figures it reads from each result.
//
// Only the scheduler's own cases: the raw loops (timer, raw-sqlite, raw-memory, raw inserts) do
// not use the packages, so they cannot differ between two commits. Sizes are the full run's
// (`npm run bench` without --quick) unless noted.

/** A number at `path` (dot-separated) in a case result, or NaN. */
function at(result, path) {
  let value = result;
  for (const key of path.split('.')) value = value?.[key];
  return typeof value === 'number' ? value : Number.NaN;
}

/** A figure read from a result: `better` says which way is better ('lower' or 'higher'). */
function figure(name, unit, better, read) {
  return { name, unit, better, read: typeof read === 'string' ? (r) => at(r, read) : read };
}

const MB = 1024 * 1024;

/** Figures of an on-time case (calls due spread over 10 s). */
function onTimeFigures() {
  return [
    figure('calls dialed', 'calls', 'higher', 'fired'),
    figure('fired early', 'calls', 'lower', 'early'),
    figure('lateness p50', 'ms', 'lower', 'latenessMs.p50'),
    figure('lateness p99', 'ms', 'lower', 'latenessMs.p99'),
    figure('lateness max', 'ms', 'lower', 'latenessMs.max'),
    figure('CPU per call', 'µs', 'lower', (r) => (at(r, 'cpuMs') / at(r, 'count')) * 1000),
  ];
}

/** Figures of a case that reports callsPerSecond and cpuUsPerCall. */
function rateFigures() {
  return [figure('calls/s', 'calls/s', 'higher', 'callsPerSecond'), figure('CPU per call', 'µs', 'lower', 'cpuUsPerCall')];
}

/** Figures of a memory/sqlite case. */
function sqliteMemoryFigures() {
  return [
    figure('RSS growth', 'MB', 'lower', (r) => at(r, 'rssGrowth') / MB),
    figure('heap growth', 'MB', 'lower', (r) => at(r, 'heapGrowth') / MB),
    figure('heap used', 'MB', 'lower', (r) => at(r, 'memory.heapUsed') / MB),
  ];
}

/** Figures of one polling configuration inside a sweep result. */
function pollingFigures(configs) {
  return configs.flatMap((name) => [
    figure(`${name}: calls completed`, 'calls', 'higher', `configs.${name}.completed`),
    figure(`${name}: GETs per call`, 'GETs', 'lower', `configs.${name}.getsPerCall`),
    figure(`${name}: change seen after p50`, 'ms', 'lower', `configs.${name}.delayMs.p50`),
    figure(`${name}: change seen after max`, 'ms', 'lower', `configs.${name}.delayMs.max`),
  ]);
}

const POLLING_CONFIGS = ['fixed-1s', 'defaults', 'lag-500'];

/**
 * The polling scenario as the baseline wrote it, except that the provider declares no dwell
 * hint (`expectedDwellMs: null`). Later commits gave HttpCallProvider a default hint that changes
 * what `defaults` and `lag-500` do; without it both trees poll by the same rule. The baseline's
 * provider ignores the unknown option (its options schema strips unknown keys).
 */
export const DERIVED_SCENARIOS = [
  {
    name: 'polling-no-hint',
    from: 'polling',
    replace: ['new HttpCallProvider({ baseUrl: mock.url })', 'new HttpCallProvider({ baseUrl: mock.url, expectedDwellMs: null })'],
  },
];

/**
 * Scenario -> cases. Each case: `id` (how the table names it), `name` (the key in the scenario's
 * cases.ts), optional `params`, `prep` (a case run first in the same temp directory, not timed),
 * `nodeArgs`, `timeoutMs` and `figures`.
 */
export const SUITE = {
  'on-time': [
    { id: 'scheduler-sqlite', name: 'scheduler-sqlite', timeoutMs: 120_000, figures: onTimeFigures() },
    { id: 'scheduler-sqlite-tenth', name: 'scheduler-sqlite', params: { count: 1_000 }, timeoutMs: 120_000, figures: onTimeFigures() },
  ],
  burst: [
    {
      id: 'scheduler-sqlite',
      name: 'scheduler-sqlite',
      timeoutMs: 180_000,
      figures: [
        figure('calls dialed', 'calls', 'higher', 'dialed'),
        figure('dial rate', 'calls/s', 'higher', 'dialsPerSecond'),
        figure('time to dial all', 'ms', 'lower', 'lastDialAfterDueMs'),
        figure('first dial after due', 'ms', 'lower', 'firstDialAfterDueMs'),
        figure('CPU per call', 'µs', 'lower', (r) => (at(r, 'cpuMs') / at(r, 'count')) * 1000),
      ],
    },
  ],
  throughput: [
    { id: 'scheduler-sqlite', name: 'scheduler-sqlite', timeoutMs: 180_000, figures: rateFigures() },
    { id: 'scheduler-sqlite-tmpfs', name: 'scheduler-sqlite', params: { tmpfs: 1, count: 20_000 }, timeoutMs: 180_000, figures: rateFigures() },
    { id: 'scheduler-memory', name: 'scheduler-memory', timeoutMs: 180_000, figures: rateFigures() },
  ],
  schedule: [
    { id: 'schedule-one', name: 'schedule-one', timeoutMs: 120_000, figures: rateFigures() },
    { id: 'schedule-many', name: 'schedule-many', timeoutMs: 120_000, figures: rateFigures() },
  ],
  memory: [
    ...[0, 100_000, 1_000_000].map((count) => ({
      id: `sqlite-${count === 0 ? '0' : count === 100_000 ? '100k' : '1M'}`,
      name: 'sqlite',
      params: { count },
      prep: { name: 'prep-sqlite', params: { count } },
      nodeArgs: ['--expose-gc'],
      timeoutMs: count >= 1_000_000 ? 240_000 : 60_000,
      figures: sqliteMemoryFigures(),
    })),
    {
      id: 'memory-store',
      name: 'memory-store',
      nodeArgs: ['--expose-gc'],
      timeoutMs: 120_000,
      figures: [figure('heap per call', 'B', 'lower', 'heapBytesPerCall'), figure('RSS per call', 'B', 'lower', 'rssBytesPerCall')],
    },
  ],
  polling: [{ id: 'sweep', name: 'sweep', timeoutMs: 90_000, figures: pollingFigures(POLLING_CONFIGS) }],
  'polling-no-hint': [{ id: 'sweep', name: 'sweep', timeoutMs: 90_000, figures: pollingFigures(POLLING_CONFIGS) }],
};

import { join } from 'node:path';
import { CallScheduler, type PollingOptions } from '@call-scheduler/core';
import { CALL_API_EXPECTED_DWELL_MS, HttpCallProvider, type HttpCallProviderOptions } from '@call-scheduler/core/http';
import { createMockCallApi, TIMELINES } from '@call-scheduler/mock-call-api';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { phoneNumber } from '../../lib/numbers.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { distribution } from '../../lib/stats.js';
import type { CaseFn, CaseResult } from '../../lib/types.js';

/**
 * The polling configurations compared. `fixed-1s` is the baseline (with `minIntervalMs` =
 * `maxIntervalMs` every gap is 1 s, learned or not); `defaults` is the library's default (learned
 * dwell times, `targetLagMs` 1000, started from HttpCallProvider's hint); `defaults-no-hint` the
 * same without the hint (learned from nothing); `lag-500` asks for changes seen within half a second.
 */
export const POLLING_CONFIGS: Readonly<Record<string, PollingOptions>> = {
  'fixed-1s': { minIntervalMs: 1_000, maxIntervalMs: 1_000, backoffFactor: 1 },
  defaults: {},
  'defaults-no-hint': {},
  'lag-500': { targetLagMs: 500 },
};

/** The configurations that run without the provider's hint. */
const NO_HINT: ReadonlySet<string> = new Set(['fixed-1s', 'defaults-no-hint']);

/**
 * The provider hint each configuration runs with: `contract` is HttpCallProvider's default (the
 * Call API contract's 2 s / 3 s / 5 s, scaled with the mock's time factor), `none` declares nothing
 * (the scheduler learns from what it polls, as before the hint existed).
 */
export type HintMode = 'contract' | 'none';

/** The fresh-process comparison: the same configurations, with and without the provider hint. */
export const FRESH_CONFIGS: Readonly<Record<string, { polling: PollingOptions; hint: HintMode }>> = {
  'fixed-1s': { polling: POLLING_CONFIGS['fixed-1s']!, hint: 'none' },
  defaults: { polling: {}, hint: 'contract' },
  'defaults-no-hint': { polling: {}, hint: 'none' },
};

/** HttpCallProvider's dwell option for a hint mode at a time factor (absent: the provider's default). */
function dwellOption(hint: HintMode, timeFactor: number): Pick<HttpCallProviderOptions, 'expectedDwellMs'> {
  if (hint === 'none') return { expectedDwellMs: null };
  if (timeFactor === 1) return {};
  return {
    expectedDwellMs: Object.fromEntries(Object.entries(CALL_API_EXPECTED_DWELL_MS).map(([status, ms]) => [status, Math.max(1, Math.round(ms * timeFactor))])),
  };
}

/** The status changes of a completed call after the dial, in ms (unscaled). */
const CHANGES = TIMELINES.completed.filter((step) => step.atMs > 0);

/**
 * One configuration: its own mock Call API (real 2 s / 5 s / 10 s progression unless quick),
 * `HttpCallProvider` (ky) on loopback, a scheduler on SQLite; calls due one every `gapMs` (a
 * steady stream, so that what the scheduler learns from earlier calls can serve later ones).
 * Per change, the delay from the instant the mock's status changed to the scheduler's
 * `call:status` event for it.
 */
async function runConfig(
  tmpDir: string,
  name: string,
  polling: PollingOptions,
  count: number,
  gapMs: number,
  timeFactor: number,
  hint: HintMode = 'contract',
): Promise<CaseResult> {
  const mock = await createMockCallApi({ timeFactor });
  const store = new SqliteStore({ filename: join(tmpDir, `polling-${name}.db`) });
  const provider = new HttpCallProvider({ baseUrl: mock.url, ...dwellOption(hint, timeFactor) });
  const scheduler = new CallScheduler({ store, provider, polling });
  const seen = new Map<string, Map<string, number>>();
  scheduler.on('call:status', ({ call, status }) => {
    const providerCallId = call.providerCallId;
    if (providerCallId === null) return;
    let statuses = seen.get(providerCallId);
    if (statuses === undefined) seen.set(providerCallId, (statuses = new Map()));
    if (!statuses.has(status)) statuses.set(status, Date.now());
  });
  const start = Date.now() + 500;
  await scheduler.scheduleMany(Array.from({ length: count }, (_, i) => ({ to: phoneNumber(i), at: start + i * gapMs })));
  const run = await runScheduler(scheduler, count, count * gapMs + 10_000 * timeFactor + 30_000);
  await store.close();
  await mock.close();

  const created = new Map<string, number>();
  let gets = 0;
  for (const request of mock.requests) {
    if (request.method === 'POST' && request.callId !== null) created.set(request.callId, request.time);
    if (request.method === 'GET' && request.path.startsWith('/api/call/')) gets += 1;
  }
  const delays: Record<string, number[]> = {};
  const all: number[] = [];
  let missed = 0;
  let skipped = 0;
  for (const [providerCallId, createdAt] of created) {
    const statuses = seen.get(providerCallId);
    for (const [index, change] of CHANGES.entries()) {
      // A status that changed again before a poll saw it (ringing overtaken by connected) was
      // seen, as passed, with the later one.
      let at = statuses?.get(change.status);
      if (at === undefined) {
        at = CHANGES.slice(index + 1)
          .map((later) => statuses?.get(later.status))
          .find((t) => t !== undefined);
        if (at !== undefined) skipped += 1;
      }
      if (at === undefined) {
        missed += 1;
        continue;
      }
      const delay = at - (createdAt + change.atMs * timeFactor);
      (delays[change.status] ??= []).push(delay);
      all.push(delay);
    }
  }
  return {
    polling,
    hint,
    count,
    gapMs,
    completed: run.completed,
    failed: run.failed,
    timedOut: run.timedOut,
    schedulerErrors: run.errorCount,
    errors: run.errors,
    getsPerCall: gets / count,
    missedChanges: missed,
    skippedStatuses: skipped,
    delayMs: distribution(all),
    delayByStatusMs: Object.fromEntries(Object.entries(delays).map(([status, list]) => [status, distribution(list)])),
    withinOneSecond: all.filter((d) => d <= 1_000).length / Math.max(1, all.length),
  };
}

/**
 * Every configuration at once (polling is waiting, not work: they do not disturb each other):
 * 60 calls, one every 250 ms (quick: 6 calls, one every 100 ms, on a progression 10× faster).
 */
const sweep: CaseFn = async (context) => {
  const count = context.quick ? 6 : 60;
  const gapMs = context.quick ? 100 : 250;
  const timeFactor = context.quick ? 0.1 : 1;
  const entries = await Promise.all(
    Object.entries(POLLING_CONFIGS).map(async ([name, polling]) => [name, await runConfig(context.tmpDir, name, polling, count, gapMs, timeFactor, NO_HINT.has(name) ? 'none' : 'contract')] as const),
  );
  return { timeFactor, client: 'HttpCallProvider (ky over fetch)', configs: Object.fromEntries(entries) };
};

/**
 * A fresh process, from the first call: 5 calls due at once on a scheduler that has polled
 * nothing yet, against the mock at real speed (quick: a tenth of it), with and without the
 * provider's hint (each configuration its own scheduler, so none learns from another).
 */
const fresh: CaseFn = async (context) => {
  const count = 5;
  const timeFactor = context.quick ? 0.1 : 1;
  const entries = await Promise.all(
    Object.entries(FRESH_CONFIGS).map(async ([name, { polling, hint }]) => [name, await runConfig(context.tmpDir, `fresh-${name}`, polling, count, 0, timeFactor, hint)] as const),
  );
  return { timeFactor, client: 'HttpCallProvider (ky over fetch)', configs: Object.fromEntries(entries) };
};

export const cases: Record<string, CaseFn> = { sweep, fresh };

import { join } from 'node:path';
import { CallScheduler, type PollingOptions } from '@call-scheduler/core';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { createMockCallApi, TIMELINES } from '@call-scheduler/mock-call-api';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { phoneNumber } from '../../lib/numbers.js';
import { runScheduler } from '../../lib/scheduler-run.js';
import { distribution } from '../../lib/stats.js';
import type { CaseFn, CaseResult } from '../../lib/types.js';

/**
 * The polling configurations compared. `fixed-1s` is the baseline (with `minIntervalMs` =
 * `maxIntervalMs` every gap is 1 s, learned or not); `defaults` is the library's default (learned
 * dwell times, `targetLagMs` 1000); `lag-500` asks for changes seen within half a second.
 */
export const POLLING_CONFIGS: Readonly<Record<string, PollingOptions>> = {
  'fixed-1s': { minIntervalMs: 1_000, maxIntervalMs: 1_000, backoffFactor: 1 },
  defaults: {},
  'lag-500': { targetLagMs: 500 },
};

/** The status changes of a completed call after the dial, in ms (unscaled). */
const CHANGES = TIMELINES.completed.filter((step) => step.atMs > 0);

/**
 * One configuration: its own mock Call API (real 2 s / 5 s / 10 s progression unless quick),
 * `HttpCallProvider` (ky) on loopback, a scheduler on SQLite; calls due one every `gapMs` (a
 * steady stream, so that what the scheduler learns from earlier calls can serve later ones).
 * Per change, the delay from the instant the mock's status changed to the scheduler's
 * `call:status` event for it.
 */
async function runConfig(tmpDir: string, name: string, polling: PollingOptions, count: number, gapMs: number, timeFactor: number): Promise<CaseResult> {
  const mock = await createMockCallApi({ timeFactor });
  const store = new SqliteStore({ filename: join(tmpDir, `polling-${name}.db`) });
  const provider = new HttpCallProvider({ baseUrl: mock.url });
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
    Object.entries(POLLING_CONFIGS).map(async ([name, polling]) => [name, await runConfig(context.tmpDir, name, polling, count, gapMs, timeFactor)] as const),
  );
  return { timeFactor, client: 'HttpCallProvider (ky over fetch)', configs: Object.fromEntries(entries) };
};

export const cases: Record<string, CaseFn> = { sweep };

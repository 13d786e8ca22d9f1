import type { Call, CallScheduler, CallSchedulerOptions } from '@call-scheduler/core';
import { CallScheduler as Scheduler } from '@call-scheduler/core';
import { CALL_API_EXPECTED_DWELL_MS, HttpCallProvider, type HttpCallProviderOptions } from '@call-scheduler/core/http';
import { MemoryStore } from '@call-scheduler/store-memory';
import { TIMELINES } from '../src/call-timeline.js';
import { createMockCallApi, type MockCallApi, type MockCallApiOptions } from '../src/index.js';

/** A scheduler on a MemoryStore dialing the mock through HttpCallProvider, on the real clock. */
export interface Rig {
  readonly mock: MockCallApi;
  readonly scheduler: CallScheduler;
  readonly provider: HttpCallProvider;
  readonly timeFactor: number;
  /** Stops the scheduler, closes the mock and the store. */
  close(): Promise<void>;
}

/** Scheduler options scaled to `timeFactor` so that a short call is still followed closely. */
export function scaledSchedulerOptions(timeFactor: number): Partial<CallSchedulerOptions> {
  return {
    polling: {
      minIntervalMs: Math.max(20, 500 * timeFactor),
      maxIntervalMs: Math.max(100, 5_000 * timeFactor),
      notFoundConfirmMs: Math.max(50, 1_000 * timeFactor),
      targetLagMs: Math.max(50, 1_000 * timeFactor),
    },
    transientRetry: { initialDelayMs: 50, maxDelayMs: 500, maxRetries: 20, jitter: 0.2 },
    dispatchTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
  };
}

/** Starts the mock and a running scheduler. */
export async function startRig(
  options: {
    mock?: MockCallApiOptions;
    provider?: Partial<HttpCallProviderOptions>;
    scheduler?: Partial<CallSchedulerOptions>;
    /** Use the scheduler's defaults instead of {@link scaledSchedulerOptions}. */
    defaults?: boolean;
  } = {},
): Promise<Rig> {
  const timeFactor = options.mock?.timeFactor ?? 0.1;
  const mock = await createMockCallApi({ ...options.mock, timeFactor });
  // The contract's dwell hint, scaled like the mock's progression.
  const expectedDwellMs = Object.fromEntries(Object.entries(CALL_API_EXPECTED_DWELL_MS).map(([status, ms]) => [status, Math.max(1, Math.round(ms * timeFactor))]));
  const provider = new HttpCallProvider({ baseUrl: mock.url, timeoutMs: 2_000, expectedDwellMs, ...options.provider });
  const store = new MemoryStore();
  const scheduler = new Scheduler({
    store,
    provider,
    ...(options.defaults === true ? {} : scaledSchedulerOptions(timeFactor)),
    ...options.scheduler,
  });
  await scheduler.start();
  return {
    mock,
    scheduler,
    provider,
    timeFactor,
    close: async () => {
      await scheduler.stop({ timeoutMs: 2_000 });
      await mock.close();
      await store.close?.();
    },
  };
}

const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired']);

/** Resolves with the call once it has ended; rejects after `boundMs` of real time. */
export function ended(scheduler: CallScheduler, callId: string, boundMs = 10_000): Promise<Call> {
  return new Promise<Call>((resolve, reject) => {
    const names = ['call:completed', 'call:failed', 'call:canceled', 'call:expired'] as const;
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const name of names) scheduler.off(name, listener);
    };
    const listener = ({ call }: { call: Call }): void => {
      if (call.id !== callId || !TERMINAL.has(call.status)) return;
      cleanup();
      resolve(call);
    };
    const timer = setTimeout(() => {
      cleanup();
      void scheduler.get(callId).then((now) => reject(new Error(`call ${callId} did not end within ${boundMs} ms (status ${now?.status ?? '?'})`)));
    }, boundMs);
    for (const name of names) scheduler.on(name, listener);
  });
}

/** GET /api/call/{id} requests the mock received for one provider call. */
export function getsFor(mock: MockCallApi, providerCallId: string | null): number {
  return mock.requests.filter((r) => r.method === 'GET' && r.path === `/api/call/${providerCallId ?? ''}`).length;
}

/**
 * For each status the mock's call went through, how late the scheduler saw it (ms between the
 * change on the mock and the scheduler's status event).
 */
export function lateness(
  mock: MockCallApi,
  providerCallId: string,
  events: readonly { status: string; at: Date }[],
  timeFactor: number,
): Record<string, number> {
  const created = mock.requests.find((r) => r.callId === providerCallId && r.method === 'POST');
  if (created === undefined) throw new Error(`the mock never created ${providerCallId}`);
  const result: Record<string, number> = {};
  for (const step of TIMELINES.completed) {
    const seen = events.find((e) => e.status === step.status);
    if (seen !== undefined) result[step.status] = seen.at.getTime() - (created.time + step.atMs * timeFactor);
  }
  return result;
}

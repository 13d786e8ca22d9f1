import { hostname } from 'node:os';
import { CallScheduler, ErrorCode, type CallProvider } from '@call-scheduler/core';
import { SqliteStore } from '@call-scheduler/store-sqlite';

/** One of several scheduler processes on this host, all on the same file. */
export function createProductionScheduler(provider: CallProvider): CallScheduler {
  return new CallScheduler({
    id: `${hostname()}:${process.pid}`, // written as the lease owner: shows who dialed what
    store: new SqliteStore({ filename: '/var/lib/calls/calls.db', synchronous: 'FULL' }),
    provider,
    leaseMs: 30_000, // a process that dies holds its calls this long before another takes over
    dispatchTimeoutMs: 15_000, // a dial unanswered this long has an unknown outcome
    maxConcurrentRequests: 16, // provider requests in flight, per process
    storeRereadIntervalMs: 1_000, // see calls other processes scheduled within a second (default for a shared store)
  });
}

/** Something that records counters, e.g. a Prometheus or StatsD client. */
export interface Metrics {
  increment(name: string, labels?: Record<string, string>): void;
  observe(name: string, value: number): void;
}

/** The signals worth a dashboard and an alert. */
export function watch(scheduler: CallScheduler, metrics: Metrics): void {
  scheduler.on('call:dispatching', ({ call, event, attempt }) => {
    // On time: how long after its `at` a first attempt was dialed (a calling window adds its wait).
    if (attempt === 1) metrics.observe('dial_lateness_ms', event.at.getTime() - call.at.getTime());
  });
  scheduler.on('call:completed', () => metrics.increment('calls_completed'));
  scheduler.on('call:retrying', ({ outcome }) => metrics.increment('calls_retried', { outcome }));
  scheduler.on('call:expired', () => metrics.increment('calls_expired'));
  scheduler.on('call:recovered', () => metrics.increment('leases_recovered')); // a process died or stalled
  scheduler.on('call:failed', ({ error }) => {
    metrics.increment('calls_failed', { code: error.code });
    // Page someone: these need a decision, not a retry.
    if (error.code === ErrorCode.DISPATCH_OUTCOME_UNKNOWN) console.error(`unknown dial outcome: ${error.message}`);
  });
  scheduler.on('scheduler:error', ({ operation, error, callId }) => {
    metrics.increment('scheduler_errors', { operation });
    console.error(`call scheduler ${operation}${callId === undefined ? '' : ` (call ${callId})`}:`, error);
  });
}

/**
 * For a health endpoint: unhealthy when the store does not answer or due work has waited too long.
 * (A call held back because another call to the same number is still live also waits.)
 */
export async function healthy(scheduler: CallScheduler, maxLagMs = 60_000): Promise<boolean> {
  const health = await scheduler.health();
  if (health.state !== 'running' || health.store !== 'ok') return false;
  const lag = health.nextWakeUpAt === null ? 0 : scheduler.clock.now() - health.nextWakeUpAt.getTime();
  return lag <= maxLagMs;
}

/** On SIGTERM or SIGINT: stop claiming, let dials in flight finish, hand live calls back, close the file. */
export function stopOnSignals(scheduler: CallScheduler): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return; // a repeated signal (npx and tsx pass Ctrl+C on again) must not cut the stop short
    stopping = true;
    void scheduler
      .stop({ timeoutMs: 10_000 })
      .then(() => scheduler.store.close?.())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

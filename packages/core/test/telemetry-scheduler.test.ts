import { metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ProviderError } from '../src/index.js';
import { harness, MINUTE, NUMBER, OTHER, SECOND } from './harness.js';
import { InMemoryTelemetry } from './support/in-memory-telemetry.js';

const LOST = '+14155550125';
const LIMITED = '+14155550126';

/** The scheduler wired to an in-memory SDK, after a scripted run on the fake clock. */
describe('the scheduler records every instrument', () => {
  let sdk: InMemoryTelemetry;
  afterEach(async () => sdk.shutdown());

  it('after a run with a completed call, a busy call retried, a lost answer and a 429, every instrument holds what happened', async () => {
    sdk = new InMemoryTelemetry();
    const h = harness({
      id: 'host-a',
      telemetry: { meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider },
      retry: { busy: { delaysMs: [MINUTE], maxAttempts: 2 } },
    });
    const { clock, provider, scheduler } = h;
    provider.script(OTHER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 2_000, status: 'busy' }] }, {});
    // The connection is cut after the dial was sent: the provider may have placed it (not de-duplicating).
    provider.script(LOST, { placeErrors: [new ProviderError(ErrorCode.PROVIDER_UNAVAILABLE, 'socket hang up after sending', { retryable: true, ambiguous: true })] });
    provider.script(LIMITED, { placeErrors: [ProviderError.rateLimited(30_000)] });
    const [done, busy, lost, limited] = [
      await scheduler.schedule({ to: NUMBER }),
      await scheduler.schedule({ to: OTHER }),
      await scheduler.schedule({ to: LOST }),
      await scheduler.schedule({ to: LIMITED }),
    ];
    await scheduler.start();
    await clock.advance(3 * MINUTE);
    for (const call of [done, busy, lost, limited]) expect((await scheduler.get(call.id))?.status).not.toBe('scheduled');
    expect((await scheduler.get(done.id))?.status).toBe('completed');
    expect((await scheduler.get(busy.id))?.attempts.map((a) => a.status)).toEqual(['busy', 'completed']);
    expect((await scheduler.get(lost.id))?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
    expect((await scheduler.get(limited.id))?.status).toBe('completed');

    const base = { 'call_scheduler.scheduler.id': 'host-a', 'call_scheduler.provider.name': 'fake' };
    // Dials by outcome: 3 completed (one of them the busy call's second attempt), 1 busy, 1 unknown.
    expect(await sdk.sum('call_scheduler.dials', { ...base, 'call_scheduler.outcome': 'completed' })).toBe(3);
    expect(await sdk.sum('call_scheduler.dials', { 'call_scheduler.outcome': 'busy' })).toBe(1);
    expect(await sdk.sum('call_scheduler.dials', { 'call_scheduler.outcome': 'unknown' })).toBe(1);
    expect(await sdk.sum('call_scheduler.dials')).toBe(5);
    expect(await sdk.sum('call_scheduler.dial.unknown_outcomes', { 'call_scheduler.reason': 'answer-lost' })).toBe(1);
    expect(await sdk.sum('call_scheduler.dial.unknown_outcomes')).toBe(1);
    // Lateness: the first dial of each of the 5 claims, each sent the instant it was due (fake clock).
    const [lateness] = await sdk.points('call_scheduler.dial.lateness');
    expect(lateness?.value).toMatchObject({ count: 5, min: 0, max: 0 });
    // Provider errors by kind: the 429 (retryable) and the cut connection (ambiguous), both on place_call.
    expect(await sdk.sum('call_scheduler.provider.errors', { 'call_scheduler.provider.operation': 'place_call', 'error.type': 'retryable' })).toBe(1);
    expect(await sdk.sum('call_scheduler.provider.errors', { 'call_scheduler.provider.operation': 'place_call', 'error.type': 'ambiguous' })).toBe(1);
    expect(await sdk.sum('call_scheduler.provider.errors')).toBe(2);
    const requests = await sdk.points('call_scheduler.provider.request.duration');
    const countOf = (operation: string, outcome: string): unknown =>
      (requests.find((p) => p.attributes['call_scheduler.provider.operation'] === operation && p.attributes['call_scheduler.outcome'] === outcome)?.value as { count: number } | undefined)?.count;
    const placeOk = provider.placeRequests().filter((r) => r.result === 'ok').length;
    expect(placeOk).toBe(4);
    expect(countOf('place_call', 'ok')).toBe(placeOk);
    expect(countOf('place_call', 'error')).toBe(2);
    expect(countOf('get_call', 'ok')).toBe(provider.requests.filter((r) => r.kind === 'getCall').length);
    expect(await sdk.sum('call_scheduler.provider.rate_limit_pauses')).toBe(1);
    expect(await sdk.sum('call_scheduler.lease.recoveries')).toBe(0);
    // Store operations are timed by operation.
    const storeOps = new Set((await sdk.points('call_scheduler.store.operation.duration')).map((p) => p.attributes['call_scheduler.store.operation']));
    for (const op of ['insertCalls', 'claimDueCallsWithWakeUp', 'updateCall']) expect(storeOps).toContain(op);
    // Observables: nothing live at the end; the store's counts by status.
    expect(await sdk.sum('call_scheduler.live_calls')).toBe(0);
    const calls = await sdk.points('call_scheduler.calls');
    expect(Object.fromEntries(calls.map((p) => [p.attributes['call_scheduler.call.status'], p.value]))).toEqual({ completed: 3, failed: 1 });
    // Spans: one per dial (6 placeCall requests, 2 failed) and one per status read, linked to the call.
    const spans = sdk.spans();
    const dials = spans.filter((s) => s.name === 'call_scheduler.dial');
    expect(dials).toHaveLength(6);
    expect(dials.filter((s) => s.status.code === SpanStatusCode.ERROR).map((s) => s.attributes['error.type']).sort()).toEqual(['ambiguous', 'retryable']);
    expect(new Set(dials.map((s) => s.attributes['call_scheduler.call.id']))).toEqual(new Set([done.id, busy.id, lost.id, limited.id]));
    const reads = spans.filter((s) => s.name === 'call_scheduler.status_read');
    expect(reads.length).toBe(provider.requests.filter((r) => r.kind === 'getCall').length);
    expect(reads.every((s) => typeof s.attributes['call_scheduler.call.id'] === 'string')).toBe(true);
    // Who did what: the dial names the host that claimed it; the unknown outcome says why and who concluded it.
    const history = (await scheduler.get(lost.id))!.events;
    expect(history.find((e) => e.type === 'dispatching')?.data).toMatchObject({ owner: 'host-a' });
    expect(history.find((e) => e.type === 'failed')?.data).toMatchObject({ code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN, reason: 'answer-lost', schedulerId: 'host-a' });
    expect((await scheduler.get(lost.id))!.attempts[0]?.schedulerId).toBe('host-a');
    await scheduler.stop();
  });

  it('health() gives the overdue lateness, the calls due in the next minute, the provider\'s last error; countInFlight() counts dialing and live calls', async () => {
    sdk = new InMemoryTelemetry();
    const { clock, provider, scheduler } = harness({ telemetry: false });
    provider.script(NUMBER, { placeErrors: [ProviderError.rejected('Invalid number')] });
    await scheduler.schedule({ to: NUMBER });
    await scheduler.schedule({ to: OTHER, at: clock.now() + 30 * SECOND });
    await scheduler.schedule({ to: LOST, at: clock.now() + 5 * MINUTE });
    await clock.advance(10 * SECOND); // not started: the first call is 10 s overdue
    let health = await scheduler.health();
    expect(health).toMatchObject({ store: 'ok', oldestOverdueMs: 10 * SECOND, dueNextMinute: 2, providerLastError: null });
    expect(await scheduler.countInFlight()).toBe(0);
    await scheduler.start();
    await clock.advance(30 * SECOND); // the first failed (rejected), the second rings
    health = await scheduler.health();
    expect(health).toMatchObject({ oldestOverdueMs: null, dueNextMinute: 0, liveCalls: 1 });
    expect(health.providerLastError).toMatchObject({ code: ErrorCode.PROVIDER_REJECTED, at: new Date(clock.now() - 30 * SECOND) });
    expect(await scheduler.countInFlight()).toBe(1);
    await scheduler.stop();
  });

  it('live calls are read from what the scheduler is dialing or following', async () => {
    sdk = new InMemoryTelemetry();
    const { clock, scheduler } = harness({ telemetry: { meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider } });
    await scheduler.schedule({ to: NUMBER });
    await scheduler.schedule({ to: OTHER });
    await scheduler.start();
    await clock.advance(3 * SECOND); // both ringing
    expect(await sdk.sum('call_scheduler.live_calls')).toBe(2);
    await clock.advance(MINUTE);
    expect(await sdk.sum('call_scheduler.live_calls')).toBe(0);
    await scheduler.stop();
  });

  it('telemetry: false records nothing at all, even with a global SDK registered', async () => {
    sdk = new InMemoryTelemetry();
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    try {
      const off = harness({ telemetry: false });
      await off.scheduler.schedule({ to: NUMBER });
      await off.scheduler.start();
      await off.clock.advance(MINUTE);
      expect((await off.scheduler.list()).items[0]?.status).toBe('completed');
      expect(await sdk.sum('call_scheduler.dials')).toBe(0);
      expect(sdk.spans()).toHaveLength(0);
      await off.scheduler.stop();
      // The same run with the default (the global providers) is recorded.
      const on = harness({});
      await on.scheduler.schedule({ to: NUMBER });
      await on.scheduler.start();
      await on.clock.advance(MINUTE);
      expect(await sdk.sum('call_scheduler.dials')).toBe(1);
      expect(sdk.spans().length).toBeGreaterThan(0);
      await on.scheduler.stop();
    } finally {
      metrics.disable();
      trace.disable();
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerTelemetry } from '../src/telemetry/scheduler-telemetry.js';
import { InMemoryTelemetry } from './support/in-memory-telemetry.js';

describe('SchedulerTelemetry', () => {
  let sdk: InMemoryTelemetry;
  afterEach(async () => sdk.shutdown());

  it('records every instrument with the scheduler id and provider name', async () => {
    sdk = new InMemoryTelemetry();
    const t = SchedulerTelemetry.create(sdk, 'host-a', 'fake');
    t.dialEnded('completed');
    t.dialEnded('completed');
    t.dialEnded('busy');
    t.dialLateness(3);
    t.dialLateness(-2);
    t.observeLiveCalls(() => 1);
    t.providerRequest('place_call', 40);
    t.providerRequest('get_call', 10, 'lost');
    t.storeOperationRecorder('claimDueCalls')(2);
    t.leaseRecoveries(0);
    t.leaseRecoveries(2);
    t.unknownOutcome('timeout');
    t.rateLimitPause();

    expect(await sdk.sum('call_scheduler.dials', { 'call_scheduler.outcome': 'completed' })).toBe(2);
    expect(await sdk.sum('call_scheduler.dials', { 'call_scheduler.outcome': 'busy', 'call_scheduler.scheduler.id': 'host-a' })).toBe(1);
    const [lateness] = await sdk.points('call_scheduler.dial.lateness');
    expect(lateness?.value).toMatchObject({ count: 2, sum: 0.003, min: 0, max: 0.003 });
    expect(await sdk.sum('call_scheduler.live_calls')).toBe(1);
    expect(await sdk.sum('call_scheduler.provider.errors', { 'error.type': 'lost', 'call_scheduler.provider.operation': 'get_call' })).toBe(1);
    const durations = await sdk.points('call_scheduler.provider.request.duration');
    expect(durations.map((p) => p.attributes['call_scheduler.outcome']).sort()).toEqual(['error', 'ok']);
    expect((await sdk.points('call_scheduler.store.operation.duration'))[0]?.attributes).toMatchObject({
      'call_scheduler.store.operation': 'claimDueCalls',
      'call_scheduler.provider.name': 'fake',
    });
    expect(await sdk.sum('call_scheduler.lease.recoveries')).toBe(2);
    expect(await sdk.sum('call_scheduler.dial.unknown_outcomes', { 'call_scheduler.reason': 'timeout' })).toBe(1);
    expect(await sdk.sum('call_scheduler.provider.rate_limit_pauses')).toBe(1);
  });

  it('answers the calls gauge from the reader and stops after close', async () => {
    sdk = new InMemoryTelemetry();
    const t = SchedulerTelemetry.create(sdk, 'host-a', 'fake');
    let reads = 0;
    t.observeCallCounts(async () => {
      reads++;
      return { scheduled: 3, completed: 5 };
    });
    const points = await sdk.points('call_scheduler.calls');
    expect(points.map((p) => [p.attributes['call_scheduler.call.status'], p.value]).sort()).toEqual([
      ['completed', 5],
      ['scheduled', 3],
    ]);
    t.close();
    await sdk.collect();
    expect(reads).toBe(1);
  });

  it('a failing count reader leaves the gauge empty instead of breaking collection', async () => {
    sdk = new InMemoryTelemetry();
    const t = SchedulerTelemetry.create(sdk, 'host-a', 'fake');
    t.observeCallCounts(() => Promise.reject(new Error('store down')));
    t.dialEnded('failed');
    expect(await sdk.points('call_scheduler.calls')).toEqual([]);
    expect(await sdk.sum('call_scheduler.dials')).toBe(1);
  });

  it('spans carry the call id and attempt, and errors their kind', async () => {
    sdk = new InMemoryTelemetry();
    const t = SchedulerTelemetry.create(sdk, 'host-a', 'fake');
    const ok = t.startSpan('call_scheduler.dial', 'call-1', 1, 1_000);
    t.endSpan(ok, 1_040);
    const bad = t.startSpan('call_scheduler.status_read', 'call-1', 1, 2_000);
    t.endSpan(bad, 2_010, { kind: 'lost', message: 'gone' });
    const spans = sdk.spans();
    expect(spans.map((s) => s.name)).toEqual(['call_scheduler.dial', 'call_scheduler.status_read']);
    expect(spans[0]?.attributes).toMatchObject({ 'call_scheduler.call.id': 'call-1', 'call_scheduler.attempt': 1 });
    expect(spans[1]?.status).toMatchObject({ code: 2, message: 'gone' });
    expect(spans[1]?.attributes['error.type']).toBe('lost');
  });

  it('knows whether its metrics are recorded: not through the API alone, yes with an SDK', () => {
    expect(SchedulerTelemetry.create({}, 'host-a', 'fake').recordsMetrics).toBe(false);
    sdk = new InMemoryTelemetry();
    expect(SchedulerTelemetry.create(sdk, 'host-a', 'fake').recordsMetrics).toBe(true);
  });

  it('is a no-op without an SDK', () => {
    const t = SchedulerTelemetry.create({}, 'host-a', 'fake');
    expect(() => {
      t.dialEnded('completed');
      t.endSpan(t.startSpan('call_scheduler.dial', 'c', 1, 0), 1);
    }).not.toThrow();
  });
});

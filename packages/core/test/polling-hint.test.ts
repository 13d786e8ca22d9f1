import { describe, expect, it } from 'vitest';
import { ErrorCode, isCallSchedulerError, type ExpectedDwellMs } from '@call-scheduler/core';
import { CALL_API_EXPECTED_DWELL_MS, HttpCallProvider } from '@call-scheduler/core/http';
import { DwellEstimator } from '../src/polling/dwell-estimator.js';
import { expectedDwellOf } from '../src/polling/dwell-hint.js';
import { SECOND, harness } from './harness.js';

/** The issue paths of the INVALID_INPUT error `fn` throws. */
function invalidPaths(fn: () => unknown): string[] {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isCallSchedulerError(error)).toBe(true);
  expect((error as { code: string }).code).toBe(ErrorCode.INVALID_INPUT);
  return (error as { issues: { path: string }[] }).issues.map((i) => i.path);
}

describe('DwellEstimator with a prior (a provider hint)', () => {
  it('answers from the first call and lets observations move the estimate', () => {
    const e = new DwellEstimator({ prior: { ringing: 3000 } });
    expect(e.expected('ringing')).toBe(3000);
    expect(e.expected('initiated')).toBeNull();
    e.observe('ringing', 4000, 100);
    expect(e.expected('ringing')).toBe(3250);
    e.observe('ringing', 9000, 50_000); // too imprecise: ignored
    expect(e.expected('ringing')).toBe(3250);
  });

  it('ignores prior values that are not positive finite numbers', () => {
    const e = new DwellEstimator({ prior: { initiated: 0, ringing: Number.NaN, connected: -5 } });
    expect(e.expected('initiated')).toBeNull();
    expect(e.expected('ringing')).toBeNull();
    expect(e.expected('connected')).toBeNull();
  });
});

describe('expectedDwellOf', () => {
  it('returns the declared hint, or an empty one', () => {
    expect(expectedDwellOf({ capabilities: { expectedDwellMs: { initiated: 2000, connected: 5000 } } })).toEqual({ initiated: 2000, connected: 5000 });
    expect(expectedDwellOf({})).toEqual({});
    expect(expectedDwellOf({ capabilities: { idempotentPlaceCall: true } })).toEqual({});
  });

  it('rejects a bad hint naming the field path', () => {
    const of = (hint: unknown) => () => expectedDwellOf({ capabilities: { expectedDwellMs: hint as ExpectedDwellMs } });
    expect(invalidPaths(of({ ringing: 0 }))).toEqual(['provider.capabilities.expectedDwellMs.ringing']);
    expect(invalidPaths(of({ initiated: 1.5 }))).toEqual(['provider.capabilities.expectedDwellMs.initiated']);
    expect(invalidPaths(of({ connected: '5000' }))).toEqual(['provider.capabilities.expectedDwellMs.connected']);
    expect(invalidPaths(of({ connected: 86_400_001 }))).toEqual(['provider.capabilities.expectedDwellMs.connected']);
    expect(invalidPaths(of({ queued: 1000 }))).toEqual(['provider.capabilities.expectedDwellMs']);
    expect(invalidPaths(of('2s'))).toEqual(['provider.capabilities.expectedDwellMs']);
  });

  it('is checked when the scheduler is built', () => {
    const paths = invalidPaths(() => harness({ providerOptions: { capabilities: { expectedDwellMs: { ringing: -1 } } } }));
    expect(paths).toEqual(['provider.capabilities.expectedDwellMs.ringing']);
  });
});

describe('HttpCallProvider declares the Call API contract', () => {
  it('by default, as configured, or none with null', () => {
    expect(CALL_API_EXPECTED_DWELL_MS).toEqual({ initiated: 2000, ringing: 3000, connected: 5000 });
    expect(new HttpCallProvider({ baseUrl: 'http://x' }).capabilities.expectedDwellMs).toEqual(CALL_API_EXPECTED_DWELL_MS);
    expect(new HttpCallProvider({ baseUrl: 'http://x', expectedDwellMs: { ringing: 20_000 } }).capabilities.expectedDwellMs).toEqual({ ringing: 20_000 });
    expect(new HttpCallProvider({ baseUrl: 'http://x', expectedDwellMs: null }).capabilities.expectedDwellMs).toEqual({});
    expect(invalidPaths(() => new HttpCallProvider({ baseUrl: 'http://x', expectedDwellMs: { ringing: 0 } }))).toEqual(['expectedDwellMs.ringing']);
  });
});

/**
 * A fresh scheduler on a fake clock dials `count` calls at once against FakeCallProvider's default
 * timeline (the reference progression: ringing at 2 s, connected at 5 s, completed at 10 s) and
 * reports, per call, its GETs and the worst delay between a change and its `call:status` event.
 */
async function freshRun(expectedDwellMs: ExpectedDwellMs | undefined, count: number) {
  const { clock, provider, scheduler, events } = harness({
    providerOptions: expectedDwellMs === undefined ? {} : { capabilities: { expectedDwellMs } },
  });
  await scheduler.start();
  const changes = [0, 2000, 5000, 10_000];
  const calls = await scheduler.scheduleMany(Array.from({ length: count }, (_, i) => ({ to: `+1415555${String(1000 + i)}` })));
  await clock.advance(30 * SECOND);
  const report: { gets: number; worstLagMs: number; seen: number }[] = [];
  for (const call of calls) {
    const providerCallId = (await scheduler.get(call.id))!.providerCallId!;
    const dialAt = provider.placeRequests().find((r) => r.providerCallId === providerCallId)!.at;
    const seen = events.filter((e) => e.callId === call.id && e.name === 'call:status').map((e) => e.at - dialAt);
    report.push({ gets: provider.getRequests(providerCallId).length, worstLagMs: Math.max(...seen.map((t, k) => t - changes[k]!)), seen: seen.length });
  }
  await scheduler.stop();
  return report;
}

describe('polling with a provider hint, from the first call', () => {
  it('a fresh scheduler sees every change within 1 s with fewer GETs than a plain 1 s poll; without the hint it polls more', async () => {
    const hinted = await freshRun({ initiated: 2000, ringing: 3000, connected: 5000 }, 5);
    for (const r of hinted) {
      expect(r.seen).toBe(4);
      expect(r.worstLagMs).toBeLessThanOrEqual(1000);
      expect(r.gets).toBeLessThan(10);
    }
    const unhinted = await freshRun(undefined, 5);
    for (const r of unhinted) expect(r.seen).toBe(4);
    // The same fresh calls without the hint: polled within the target lag, at more GETs per call.
    expect(unhinted[0]!.gets).toBeGreaterThan(hinted[0]!.gets);
  });

  it('a hint that is wrong is corrected by what polling sees', async () => {
    // `initiated` declared twice too long: the first call sees ringing late; the ones after it learn.
    const { clock, scheduler, events } = harness({ providerOptions: { capabilities: { expectedDwellMs: { initiated: 4000 } } } });
    await scheduler.start();
    const lags: number[] = [];
    for (let i = 0; i < 8; i++) {
      const call = await scheduler.schedule({ to: `+1415555${String(2000 + i)}` });
      const dialAt = clock.now();
      await clock.advance(20 * SECOND);
      const ringingAt = events.find((e) => e.callId === call.id && e.name === 'call:status' && e.status === 'ringing')?.at;
      lags.push(ringingAt === undefined ? Number.POSITIVE_INFINITY : ringingAt - dialAt - 2000);
    }
    expect(lags[0]).toBeGreaterThan(1000);
    expect(lags.at(-1)).toBeLessThanOrEqual(1000);
    await scheduler.stop();
  });
});

import { describe, expect, it } from 'vitest';
import { NUMBER, SECOND, harness } from './harness.js';

describe('adaptive polling', () => {
  it('learns the provider’s timing: later calls see every change within the target lag with fewer requests than a fixed 1 s poll', async () => {
    const { clock, provider, scheduler, events } = harness();
    await scheduler.start();
    const report: { gets: number; worstLagMs: number }[] = [];
    const changes = [0, 2000, 5000, 10_000]; // FakeCallProvider's default: the reference progression
    for (let i = 0; i < 6; i++) {
      const call = await scheduler.schedule({ to: NUMBER });
      const dialAt = clock.now();
      await clock.advance(20 * SECOND);
      const seen = events
        .filter((e) => e.callId === call.id && e.name === 'call:status')
        .map((e) => e.at - dialAt);
      expect(seen).toHaveLength(4);
      const providerCallId = (await scheduler.get(call.id))!.providerCallId!;
      report.push({
        gets: provider.getRequests(providerCallId).length,
        worstLagMs: Math.max(...seen.map((t, k) => t - changes[k]!)),
      });
    }
    // The first calls are polled within the target lag while nothing is known yet ...
    expect(report[0]!.worstLagMs).toBeLessThanOrEqual(1000);
    expect(report[0]!.gets).toBeLessThanOrEqual(15);
    // ... then the scheduler knows when changes come: every one is seen within 1 s, with < 10 GETs.
    for (const r of report.slice(3)) {
      expect(r.worstLagMs).toBeLessThanOrEqual(1000);
      expect(r.gets).toBeLessThan(10);
    }
    await scheduler.stop();
  });
});

describe('dial answers that cannot be used', () => {
  it('a non-retryable but ambiguous error (an unreadable 2xx) ends DISPATCH_OUTCOME_UNKNOWN, never PROVIDER_REJECTED', async () => {
    const { ProviderError, ErrorCode } = await import('../src/index.js');
    const { clock, provider, scheduler } = harness();
    provider.script(NUMBER, {
      placeErrors: [new ProviderError(ErrorCode.PROVIDER_BAD_RESPONSE, 'not a CALL', { retryable: false, ambiguous: true })],
    });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(SECOND);
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('failed');
    expect(done?.error?.code).toBe(ErrorCode.DISPATCH_OUTCOME_UNKNOWN);
    expect(provider.placeRequests()).toHaveLength(1);
    await scheduler.stop();
  });
});

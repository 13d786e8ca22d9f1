import { describe, expect, it } from 'vitest';
import { ErrorCode, type PlaceCallRequest } from '@call-scheduler/core';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { FakeClock } from '@call-scheduler/core/testing';
import { mocksClosedAfterEach } from './mocks-after-each.js';
import { providerErrorOf } from '../../../test-support/rejections.js';

// How HttpCallProvider classifies each fault of the mock Call API (real HTTP on 127.0.0.1).

const start = mocksClosedAfterEach();

let n = 0;
function dial(to = '+14155550123'): PlaceCallRequest {
  n += 1;
  return { to, callId: `c${n}`, attempt: 1, idempotencyKey: `c${n}:1`, metadata: null };
}
const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });
describe('HttpCallProvider against the mock faults', () => {
  it('500/503 pages are PROVIDER_UNAVAILABLE with a readable message, and nothing was created', async () => {
    const mock = await start({ errorRate: 1 });
    const provider = new HttpCallProvider({ baseUrl: mock.url });
    for (let i = 0; i < 4; i++) {
      const error = await providerErrorOf(provider.placeCall(dial(), live()));
      expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true, ambiguous: false });
      expect([500, 503]).toContain(error.httpStatus);
      expect(error.providerMessage).toMatch(/^50[03] (Internal Server Error|Service Unavailable): The server/);
    }
    expect(mock.requests).toHaveLength(4); // each dial sent once
    expect(mock.calls).toHaveLength(0);
  });

  it('429 is PROVIDER_RATE_LIMITED with Retry-After in seconds or as a date', async () => {
    const clock = new FakeClock('2026-02-01T10:00:00Z');
    const mock = await start({ clock, rateLimitPerSecond: 1 });
    const provider = new HttpCallProvider({ baseUrl: mock.url, clock });
    await provider.placeCall(dial(), live());
    await clock.advance(300);
    const seconds = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(seconds).toMatchObject({ code: ErrorCode.PROVIDER_RATE_LIMITED, retryable: true, ambiguous: false, retryAfterMs: 1_000, httpStatus: 429 });
    mock.setFaults({ retryAfterFormat: 'date' });
    const dated = await providerErrorOf(provider.placeCall(dial(), live()));
    // The window frees at 10:00:01.000; the date has whole seconds and is never early.
    expect(dated.retryAfterMs).toBe(700);
    expect(mock.calls).toHaveLength(1);
  });

  it('the invalid-number 400 is a permanent rejection with the provider message', async () => {
    const mock = await start();
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: mock.url }).placeCall(dial('+6907290'), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_REJECTED, retryable: false, message: 'Invalid phone number', httpStatus: 400 });
  });

  it('a hanging dial times out (ambiguous) and a hanging read times out too', async () => {
    const mock = await start({ hang: true });
    const clock = new FakeClock();
    const provider = new HttpCallProvider({ baseUrl: mock.url, clock, timeoutMs: 2_000 });
    const pending = providerErrorOf(provider.placeCall(dial(), live()));
    while (mock.requests.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await clock.advance(2_000);
    expect(await pending).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true });
    const read = providerErrorOf(provider.getCall('x', live()));
    while (mock.requests.length === 1) await new Promise<void>((resolve) => setImmediate(resolve));
    await clock.advance(2_000);
    expect(await read).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a lost answer is an ambiguous timeout although the mock created the call', async () => {
    const mock = await start({ loseAnswerRate: 1 });
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: mock.url }).placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true });
    expect(mock.calls).toHaveLength(1);
  });

  it('after forgetAll() a known call is PROVIDER_CALL_NOT_FOUND', async () => {
    const mock = await start();
    const provider = new HttpCallProvider({ baseUrl: mock.url });
    const placed = await provider.placeCall(dial(), live());
    await expect(provider.getCall(placed.providerCallId, live())).resolves.toMatchObject({ status: 'initiated' });
    mock.forgetAll();
    const error = await providerErrorOf(provider.getCall(placed.providerCallId, live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_CALL_NOT_FOUND, retryable: false, providerMessage: 'Call not found' });
  });

  it('a mock that is gone is PROVIDER_UNAVAILABLE, not ambiguous', async () => {
    const mock = await start();
    const provider = new HttpCallProvider({ baseUrl: mock.url });
    await mock.close();
    const error = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, ambiguous: false });
  });

  it('with honorIdempotencyKey, re-sending a lost dial returns the same call', async () => {
    const mock = await start({ honorIdempotencyKey: true, loseAnswerRate: 1 });
    const provider = new HttpCallProvider({ baseUrl: mock.url, idempotentPlaceCall: true });
    const request = dial();
    await providerErrorOf(provider.placeCall(request, live()));
    mock.setFaults({ loseAnswerRate: 0 });
    const info = await provider.placeCall(request, live());
    expect(mock.calls.map((c) => c.id)).toEqual([info.providerCallId]);
    expect(mock.requests.map((r) => r.answer)).toEqual(['lost', 200]);
  });

  it('latency is only slower', async () => {
    const mock = await start({ latencyMs: 30 });
    const info = await new HttpCallProvider({ baseUrl: mock.url }).placeCall(dial(), live());
    expect(info.status).toBe('initiated');
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, isCallSchedulerError, type PlaceCallRequest } from '@call-scheduler/core';
import { CALL_API_EXPECTED_DWELL_MS, HttpCallProvider } from '@call-scheduler/core/http';
import { FakeClock } from '@call-scheduler/core/testing';
import { providerErrorOf } from '../../../test-support/rejections.js';

// ------------------------------------------------------------------ raw node:http servers

/** One request a {@link RawServer} received. */
interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A bare node:http server on 127.0.0.1 for classification tests. */
interface RawServer {
  readonly url: string;
  readonly requests: RawRequest[];
  /** Resolves when the server has received `n` requests in total. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server whose `handler` answers each request (after its body is read). */
async function startRawServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string, index: number) => void,
): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      for (const waiter of waiters.filter((w) => requests.length >= w.n)) waiter.resolve();
      handler(req, res, body, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends a JSON answer. */
function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Sends a text or HTML answer. */
function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/html; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** A CALL object as the Call API sends it. */
function callJson(status = 'initiated', id = '550e8400-e29b-41d4-a716-446655440000'): Record<string, unknown> {
  return {
    id,
    phone_number: '+14155550123',
    status,
    created_at: '2025-11-01T14:00:00.123456',
    updated_at: '2025-11-01T14:00:00.123456',
    duration: status === 'completed' ? 10 : null,
  };
}

// ------------------------------------------------------------------ helpers

const servers: RawServer[] = [];
async function serve(handler: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const server = await startRawServer(handler);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let n = 0;
function dial(to = '+14155550123'): PlaceCallRequest {
  n += 1;
  return { to, callId: `call-${n}`, attempt: 1, idempotencyKey: `call-${n}:1`, metadata: null };
}
const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

const timerCount = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

// ------------------------------------------------------------------ tests

describe('HttpCallProvider: success', () => {
  it('POSTs { phone_number } with the Idempotency-Key and maps the 201 answer', async () => {
    const server = await serve((_req, res) => sendJson(res, 201, { success: true, call: callJson('initiated') }));
    const provider = new HttpCallProvider({ baseUrl: `${server.url}/`, headers: { authorization: 'Bearer t0ken' } });
    const request = dial();
    const info = await provider.placeCall(request, live());
    expect(info).toMatchObject({
      providerCallId: '550e8400-e29b-41d4-a716-446655440000',
      status: 'initiated',
      rawStatus: 'initiated',
      durationSeconds: null,
    });
    const [sent] = server.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/api/call');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ phone_number: '+14155550123' });
    expect(sent?.headers['content-type']).toMatch(/^application\/json/);
    expect(sent?.headers['idempotency-key']).toBe(request.idempotencyKey);
    expect(sent?.headers.authorization).toBe('Bearer t0ken');
  });

  it('GETs /api/call/{id} (encoded) and maps statuses, duration and unknown words', async () => {
    const answers = [callJson('completed'), callJson('in-progress'), callJson('on-hold')];
    const server = await serve((_req, res, _body, i) => sendJson(res, 200, { success: true, call: answers[i] }));
    const provider = new HttpCallProvider({ baseUrl: server.url });
    await expect(provider.getCall('a/b c', live())).resolves.toMatchObject({ status: 'completed', durationSeconds: 10 });
    expect(server.requests[0]?.url).toBe('/api/call/a%2Fb%20c');
    await expect(provider.getCall('x', live())).resolves.toMatchObject({ status: 'connected', rawStatus: 'in-progress' });
    await expect(provider.getCall('x', live())).resolves.toMatchObject({ status: 'unknown', rawStatus: 'on-hold' });
  });

  it('declares idempotentPlaceCall only when told to', () => {
    expect(new HttpCallProvider({ baseUrl: 'http://127.0.0.1:1' }).capabilities).toEqual({ idempotentPlaceCall: false, expectedDwellMs: CALL_API_EXPECTED_DWELL_MS });
    expect(new HttpCallProvider({ baseUrl: 'http://127.0.0.1:1', idempotentPlaceCall: true }).capabilities).toEqual({ idempotentPlaceCall: true, expectedDwellMs: CALL_API_EXPECTED_DWELL_MS });
  });

  it('rejects bad options with an error naming the option', () => {
    const bad = (options: unknown, field: string): void => {
      let error: unknown;
      try {
        new HttpCallProvider(options as never);
      } catch (e) {
        error = e;
      }
      expect(isCallSchedulerError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(ErrorCode.INVALID_INPUT);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(field);
    };
    bad({ baseUrl: 'localhost:5000/x y' }, 'baseUrl');
    bad({ baseUrl: 'ftp://example.com' }, 'baseUrl');
    bad({ baseUrl: 'http://x', timeoutMs: 0 }, 'timeoutMs');
    bad({ baseUrl: 'http://x', getRetries: -1 }, 'getRetries');
    bad({ baseUrl: 'http://x', headers: { a: 1 } }, 'headers.a');
    // A misspelt option is named instead of being ignored.
    bad({ baseUrl: 'http://x', timeout: 5_000 }, 'timeout');
  });
});

describe('HttpCallProvider: error classification', () => {
  it('sends a POST that got 503 exactly once: unavailable, retryable, not ambiguous', async () => {
    const server = await serve((_req, res) => sendText(res, 503, 'Service Unavailable', 'text/plain'));
    const provider = new HttpCallProvider({ baseUrl: server.url, getRetries: 3 });
    const error = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true, ambiguous: false, httpStatus: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('reads an HTML 500 page into a short message', async () => {
    const page =
      '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request.</p>\n';
    const server = await serve((_req, res) => sendText(res, 500, page));
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: server.url }).placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true, httpStatus: 500 });
    expect(error.providerMessage).toBe('500 Internal Server Error: The server encountered an internal error and was unable to complete your request.');
    expect(error.message).not.toContain('<');
  });

  it('turns 400 { error } into a permanent rejection carrying the provider message', async () => {
    const server = await serve((_req, res) => sendJson(res, 400, { error: 'Invalid phone number' }));
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: server.url }).placeCall(dial('+1'), live()));
    expect(error).toMatchObject({
      code: ErrorCode.PROVIDER_REJECTED,
      retryable: false,
      ambiguous: false,
      httpStatus: 400,
      providerMessage: 'Invalid phone number',
      message: 'Invalid phone number',
    });
  });

  it('handles 4xx answers that are HTML, plain text or empty', async () => {
    const answers: [number, string, string][] = [
      [415, '<!doctype html>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n<p>Did not attempt to load JSON data because the request Content-Type was not &#39;application/json&#39;.</p>', 'text/html'],
      [422, `  ${'x'.repeat(1000)}  `, 'text/plain'],
      [401, '', 'text/plain'],
    ];
    const server = await serve((_req, res, _body, i) => {
      const [status, body, type] = answers[i] ?? [500, '', 'text/plain'];
      sendText(res, status, body, type);
    });
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const html = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(html.providerMessage).toBe(
      "415 Unsupported Media Type: Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
    );
    const long = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(long.code).toBe(ErrorCode.PROVIDER_REJECTED);
    expect(long.providerMessage?.length).toBeLessThanOrEqual(300);
    expect(long.providerMessage?.startsWith('xxx')).toBe(true);
    const empty = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(empty).toMatchObject({ code: ErrorCode.PROVIDER_REJECTED, providerMessage: 'Unauthorized', httpStatus: 401 });
  });

  it('reads 429 Retry-After in seconds and as an HTTP-date', async () => {
    const clock = new FakeClock('2026-03-01T12:00:00Z');
    const date = new Date(Date.parse('2026-03-01T12:00:07Z')).toUTCString();
    const headers = [{ 'retry-after': '3' }, { 'retry-after': date }, {}, { 'retry-after': 'soon' }];
    const server = await serve((_req, res, _body, i) => sendJson(res, 429, { error: 'Too Many Requests' }, headers[i]));
    const provider = new HttpCallProvider({ baseUrl: server.url, clock });
    const seconds = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(seconds).toMatchObject({ code: ErrorCode.PROVIDER_RATE_LIMITED, retryable: true, ambiguous: false, retryAfterMs: 3000, httpStatus: 429 });
    expect((await providerErrorOf(provider.placeCall(dial(), live()))).retryAfterMs).toBe(7000);
    expect((await providerErrorOf(provider.placeCall(dial(), live()))).retryAfterMs).toBeNull();
    expect((await providerErrorOf(provider.getCall('x', live()))).retryAfterMs).toBeNull();
  });

  it('maps 404 on GET to PROVIDER_CALL_NOT_FOUND and 404 on POST to a rejection', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { error: 'Call not found' }));
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const get = await providerErrorOf(provider.getCall('gone', live()));
    expect(get).toMatchObject({ code: ErrorCode.PROVIDER_CALL_NOT_FOUND, retryable: false, httpStatus: 404, providerMessage: 'Call not found' });
    const post = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(post).toMatchObject({ code: ErrorCode.PROVIDER_REJECTED, retryable: false });
  });

  it('treats a 504 from a gateway on a dial as ambiguous', async () => {
    const server = await serve((_req, res) => sendText(res, 504, 'Gateway Timeout', 'text/plain'));
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: server.url }).placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true, httpStatus: 504 });
  });

  it('a 2xx that is not a CALL is PROVIDER_BAD_RESPONSE: permanent and ambiguous after a dial, retryable after a read', async () => {
    const bodies = ['<html>hello</html>', JSON.stringify({ success: true }), JSON.stringify({ call: { id: '', status: 'x' } })];
    const server = await serve((_req, res, _body, i) => sendText(res, 201, bodies[i % 3] ?? '', 'application/json'));
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const notJson = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(notJson).toMatchObject({ code: ErrorCode.PROVIDER_BAD_RESPONSE, retryable: false, ambiguous: true, httpStatus: 201 });
    expect(notJson.message).toContain('<html>hello</html>');
    const noCall = await providerErrorOf(provider.getCall('x', live()));
    expect(noCall).toMatchObject({ code: ErrorCode.PROVIDER_BAD_RESPONSE, retryable: true, ambiguous: false });
    expect(noCall.message).toContain('call');
    const emptyId = await providerErrorOf(provider.getCall('x', live()));
    expect(emptyId.message).toContain('call.id');
  });

  it('a refused connection is unavailable and not ambiguous (nothing was sent)', async () => {
    const port = await closedPort();
    const provider = new HttpCallProvider({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true, ambiguous: false, httpStatus: null });
    expect(error.message).toContain('ECONNREFUSED');
    const viaLocalhost = await providerErrorOf(new HttpCallProvider({ baseUrl: `http://localhost:${port}` }).getCall('x', live()));
    expect(viaLocalhost).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, ambiguous: false });
  });

  it('a connection reset after the dial was sent is an ambiguous timeout', async () => {
    const server = await serve((req) => req.socket.destroy());
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const error = await providerErrorOf(provider.placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true });
    expect(error.message).toMatch(/other side closed|ECONNRESET|socket/i);
    expect(server.requests).toHaveLength(1);
    const reset = await serve((req) => req.socket.resetAndDestroy());
    const resetError = await providerErrorOf(new HttpCallProvider({ baseUrl: reset.url }).placeCall(dial(), live()));
    expect(resetError).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, ambiguous: true });
  });

  it('an answer cut off mid-body is an ambiguous timeout', async () => {
    const server = await serve((req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"success": true, "call": {');
      setImmediate(() => req.socket.destroy());
    });
    const error = await providerErrorOf(new HttpCallProvider({ baseUrl: server.url }).placeCall(dial(), live()));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, ambiguous: true });
  });

  it('a request that hangs times out on the injected clock and leaves no timer behind', async () => {
    const server = await serve(() => {}); // never answers
    const clock = new FakeClock();
    const provider = new HttpCallProvider({ baseUrl: server.url, clock, timeoutMs: 5_000 });
    const pending = providerErrorOf(provider.placeCall(dial(), live()));
    await server.received(1);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(4_999);
    await clock.advance(1);
    const error = await pending;
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true });
    expect(error.message).toContain('5000 ms');
    expect(clock.pendingTimers).toBe(0);
  });

  it('the caller aborting mid-request gives an ambiguous timeout-type error at once', async () => {
    const server = await serve(() => {});
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const controller = new AbortController();
    const before = timerCount();
    const pending = providerErrorOf(provider.placeCall(dial(), { signal: controller.signal }));
    await server.received(1);
    controller.abort(new Error('scheduler stopping'));
    const error = await pending;
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: true });
    expect(error.message).toContain('scheduler stopping');
    expect(timerCount()).toBeLessThanOrEqual(before);
  });

  it('an already aborted signal sends nothing and is not ambiguous', async () => {
    const server = await serve((_req, res) => sendJson(res, 201, { success: true, call: callJson() }));
    const provider = new HttpCallProvider({ baseUrl: server.url });
    const controller = new AbortController();
    controller.abort();
    const error = await providerErrorOf(provider.placeCall(dial(), { signal: controller.signal }));
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true, ambiguous: false });
    expect(server.requests).toHaveLength(0);
  });

  it('clears its timeout timer after every settled request (real clock)', async () => {
    const server = await serve((_req, res, _body, i) => (i % 2 === 0 ? sendJson(res, 200, { call: callJson() }) : sendJson(res, 500, { error: 'x' })));
    const provider = new HttpCallProvider({ baseUrl: server.url, timeoutMs: 60_000 });
    const before = timerCount();
    for (let i = 0; i < 6; i++) await provider.getCall('x', live()).catch(() => undefined);
    expect(timerCount()).toBeLessThanOrEqual(before);
  });
});

describe('HttpCallProvider: status-read retries', () => {
  it('does not retry a GET by default', async () => {
    const server = await serve((_req, res) => sendText(res, 503, 'busy', 'text/plain', { 'retry-after': '0' }));
    await providerErrorOf(new HttpCallProvider({ baseUrl: server.url }).getCall('x', live()));
    expect(server.requests).toHaveLength(1);
  });

  it('retries a GET up to getRetries times after 5xx, honouring Retry-After', async () => {
    const server = await serve((_req, res, _body, i) =>
      i < 2 ? sendText(res, 503, 'busy', 'text/plain', { 'retry-after': '0' }) : sendJson(res, 200, { success: true, call: callJson('ringing') }),
    );
    const info = await new HttpCallProvider({ baseUrl: server.url, getRetries: 2 }).getCall('x', live());
    expect(info.status).toBe('ringing');
    expect(server.requests).toHaveLength(3);
  });

  it('waits on the clock between GET retries and stops when Retry-After is too long', async () => {
    const clock = new FakeClock();
    const server = await serve((_req, res, _body, i) =>
      i === 0 ? sendText(res, 502, 'bad gateway', 'text/plain') : sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '60' }),
    );
    const provider = new HttpCallProvider({ baseUrl: server.url, getRetries: 5, clock });
    const pending = providerErrorOf(provider.getCall('x', live()));
    await server.received(1);
    while (server.requests.length < 2) await clock.advance(50);
    const error = await pending;
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_RATE_LIMITED, retryAfterMs: 60_000 });
    expect(server.requests).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('draws the jitter of GET retry waits from the injected random source', async () => {
    for (const [draw, waitMs] of [
      [0, 50],
      [0.999, 100],
    ] as const) {
      const clock = new FakeClock();
      const server = await serve((_req, res, _body, i) =>
        i === 0 ? sendText(res, 502, 'bad gateway', 'text/plain') : sendJson(res, 200, { success: true, call: callJson('ringing') }),
      );
      let draws = 0;
      let drawn!: () => void;
      const wasDrawn = new Promise<void>((resolve) => (drawn = resolve));
      const provider = new HttpCallProvider({
        baseUrl: server.url,
        getRetries: 1,
        clock,
        random: () => {
          draws++;
          drawn();
          return draw;
        },
      });
      const pending = provider.getCall('x', live());
      await wasDrawn;
      await clock.flush();
      // The first retry waits between 50 and 100 ms: exactly where the drawn number puts it.
      expect(clock.nextTimerAt()).toBe(clock.now() + waitMs);
      await clock.advance(waitMs - 1);
      expect(server.requests).toHaveLength(1);
      await clock.advance(1);
      expect((await pending).status).toBe('ringing');
      expect(server.requests).toHaveLength(2);
      expect(draws).toBe(1);
    }
    expect(() => new HttpCallProvider({ baseUrl: 'http://x', random: 0.5 as never })).toThrow(/random/);
  });

  it('never retries a 404 or a 4xx', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { error: 'Call not found' }));
    await providerErrorOf(new HttpCallProvider({ baseUrl: server.url, getRetries: 3 }).getCall('x', live()));
    expect(server.requests).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '@call-scheduler/core/testing';
import { createMockCallApi, type MockCallApi } from '../src/index.js';
import { mocksClosedAfterEach } from './mocks-after-each.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/;

const start = mocksClosedAfterEach();

interface Answer {
  status: number;
  type: string;
  text: string;
  json: unknown;
  headers: Headers;
}
async function call(mock: MockCallApi, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${mock.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json, headers: response.headers };
}
const post = (mock: MockCallApi, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  call(mock, '/api/call', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const idOf = (answer: Answer): string => (answer.json as { call: { id: string } }).call.id;
const callOf = (answer: Answer): Record<string, unknown> => (answer.json as { call: Record<string, unknown> }).call;

/** Lets real I/O happen (a request reach the mock) without moving a fake clock; bounded. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

describe('the contract of docs/call-api.md, by default', () => {
  it('POST /api/call starts a call: 201 { success, call } with a UUID v4 and local-time microsecond stamps', async () => {
    const clock = new FakeClock('2026-05-04T03:02:01.234Z');
    const mock = await start({ clock });
    const answer = await post(mock, { phone_number: '+14155550123', extra: 'ignored' });
    expect(answer.status).toBe(201);
    expect(answer.type).toBe('application/json');
    const body = answer.json as { success: boolean; call: Record<string, unknown> };
    expect(body.success).toBe(true);
    expect(Object.keys(body.call)).toEqual(['id', 'phone_number', 'status', 'created_at', 'updated_at', 'duration']);
    expect(body.call).toMatchObject({ phone_number: '+14155550123', status: 'initiated', duration: null });
    expect(body.call.id).toMatch(UUID_V4);
    expect(body.call.created_at).toMatch(LOCAL_ISO);
    expect(String(body.call.created_at).endsWith('.234000')).toBe(true);
    // No offset: read as local time it is the mock clock's instant.
    expect(new Date(String(body.call.created_at)).getTime()).toBe(clock.now());
    expect(body.call.updated_at).toBe(body.call.created_at);
  });

  it('answers the validation cases with the reference messages', async () => {
    const mock = await start();
    const required = { error: 'phone_number is required' };
    const invalid = { error: 'Invalid phone number' };
    for (const body of [{}, { number: '+14155550123' }, [], null, '', 0]) {
      const answer = await post(mock, body === '' ? '' : body);
      expect([answer.status, answer.json], JSON.stringify(body)).toEqual([400, required]);
    }
    for (const phone of ['', '+1', '123456789', null, 0]) {
      const answer = await post(mock, { phone_number: phone });
      expect([answer.status, answer.json], JSON.stringify(phone)).toEqual([400, invalid]);
    }
    expect((await post(mock, { phone_number: '1234567890' })).status).toBe(201); // only the length is checked
    expect(mock.calls).toHaveLength(1);
  });

  it('sends HTML error pages for bodies that are not JSON or JSON of the wrong type', async () => {
    const mock = await start();
    const notJson = await call(mock, '/api/call', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"phone_number":"+14155550123"}' });
    expect(notJson.status).toBe(415);
    expect(notJson.type).toMatch(/^text\/html/);
    expect(notJson.text).toContain('<title>415 Unsupported Media Type</title>');
    const malformed = await post(mock, '{"phone_number": ');
    expect(malformed.status).toBe(400);
    expect(malformed.type).toMatch(/^text\/html/);
    expect(malformed.text).toContain('Failed to decode JSON object');
    const wrongType = await post(mock, { phone_number: 14155550123 });
    expect(wrongType.status).toBe(500);
    expect(wrongType.text).toContain('<title>500 Internal Server Error</title>');
    expect(mock.calls).toHaveLength(0);
  });

  it('GET /api/call/{id}: 200 with the call, 404 { error: "Call not found" } for an unknown id', async () => {
    const mock = await start();
    const id = idOf(await post(mock, { phone_number: '+14155550123' }));
    const known = await call(mock, `/api/call/${id}`);
    expect(known.status).toBe(200);
    expect(known.json).toMatchObject({ success: true, call: { id, status: 'initiated' } });
    const unknown = await call(mock, '/api/call/550e8400-e29b-41d4-a716-446655440000');
    expect([unknown.status, unknown.json]).toEqual([404, { error: 'Call not found' }]);
  });

  it('GET /health, and HTML 404/405 for other routes', async () => {
    const mock = await start();
    expect((await call(mock, '/health')).json).toEqual({ status: 'healthy' });
    const wrongMethod = await call(mock, '/api/call');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('POST');
    const nowhere = await call(mock, '/api/calls');
    expect([nowhere.status, nowhere.type.startsWith('text/html')]).toEqual([404, true]);
  });

  it('moves initiated → ringing (2 s) → connected (5 s) → completed (10 s, duration 10) on its clock', async () => {
    const clock = new FakeClock('2026-05-04T03:02:01.000Z');
    const mock = await start({ clock });
    const created = callOf(await post(mock, { phone_number: '+14155550123' }));
    expect(created.created_at).toMatch(/T\d{2}:\d{2}:01$/); // Python leaves out a zero fraction
    const at = async (ms: number): Promise<Record<string, unknown>> => {
      await clock.advanceTo(Date.parse('2026-05-04T03:02:01.000Z') + ms);
      return callOf(await call(mock, `/api/call/${String(created.id)}`));
    };
    expect((await at(1_999)).status).toBe('initiated');
    const ringing = await at(2_000);
    expect(ringing.status).toBe('ringing');
    expect(new Date(String(ringing.updated_at)).getTime() - new Date(String(ringing.created_at)).getTime()).toBe(2_000);
    expect((await at(4_999)).status).toBe('ringing');
    expect((await at(5_000)).status).toBe('connected');
    expect(await at(9_999)).toMatchObject({ status: 'connected', duration: null });
    expect(await at(10_000)).toMatchObject({ status: 'completed', duration: 10 });
    expect(await at(60_000)).toMatchObject({ status: 'completed', duration: 10 });
  });

  it('scales the progression with timeFactor', async () => {
    const clock = new FakeClock();
    const mock = await start({ clock, timeFactor: 0.05 });
    const id = idOf(await post(mock, { phone_number: '+14155550123' }));
    const statuses: string[] = [];
    for (let t = 0; t <= 500; t += 50) {
      statuses.push(String(callOf(await call(mock, `/api/call/${id}`)).status));
      await clock.advance(50);
    }
    expect(statuses).toEqual(['initiated', 'initiated', 'ringing', 'ringing', 'ringing', 'connected', 'connected', 'connected', 'connected', 'connected', 'completed']);
  });

  it('records every request (method, path, body, headers, time, answer, call id)', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const mock = await start({ clock });
    const id = idOf(await post(mock, { phone_number: '+14155550123' }, { 'idempotency-key': 'k-1' }));
    await clock.advance(1_000);
    await call(mock, `/api/call/${id}`);
    await post(mock, { phone_number: '+1' });
    expect(mock.requests.map((r) => [r.seq, r.method, r.path, r.answer, r.callId, r.time])).toEqual([
      [1, 'POST', '/api/call', 201, id, Date.parse('2026-01-01T00:00:00Z')],
      [2, 'GET', `/api/call/${id}`, 200, id, Date.parse('2026-01-01T00:00:01Z')],
      [3, 'POST', '/api/call', 400, null, Date.parse('2026-01-01T00:00:01Z')],
    ]);
    expect(mock.requests[0]?.body).toEqual({ phone_number: '+14155550123' });
    expect(mock.requests[0]?.headers['idempotency-key']).toBe('k-1');
    expect(mock.dialsTo('+14155550123')).toHaveLength(1);
    expect(mock.dialsTo('+1')).toHaveLength(1);
  });

  it('forgetAll() makes every earlier id answer 404; reset() also clears the record', async () => {
    const mock = await start();
    const id = idOf(await post(mock, { phone_number: '+14155550123' }));
    mock.forgetAll();
    expect((await call(mock, `/api/call/${id}`)).json).toEqual({ error: 'Call not found' });
    expect(mock.calls).toHaveLength(0);
    expect(mock.requests).toHaveLength(2);
    const fresh = idOf(await post(mock, { phone_number: '+14155550123' }));
    expect((await call(mock, `/api/call/${fresh}`)).status).toBe(200);
    mock.setFaults({ errorRate: 1 });
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect(mock.faults.errorRate).toBe(0);
    expect((await call(mock, `/api/call/${fresh}`)).status).toBe(404);
  });

  it('binds 127.0.0.1 and an ephemeral port by default', async () => {
    const mock = await start();
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(mock.port).toBeGreaterThan(0);
  });
});

describe('opt-in faults and features', () => {
  it('latencyMs delays every /api answer on the mock clock (not /health)', async () => {
    const clock = new FakeClock();
    const mock = await start({ clock, latencyMs: 300 });
    expect((await call(mock, '/health')).status).toBe(200);
    let settled = false;
    const pending = post(mock, { phone_number: '+14155550123' }).finally(() => {
      settled = true;
    });
    await until(() => clock.pendingTimers === 1, 'the latency timer');
    await clock.advance(299);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect((await pending).status).toBe(201);
  });

  it('errorRate answers 500/503 HTML pages, deterministically per seed, and creates nothing', async () => {
    const sequence = async (seed: number): Promise<number[]> => {
      const mock = await start({ errorRate: 0.5, seed });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await post(mock, { phone_number: '+14155550123' })).status);
      expect(mock.calls).toHaveLength(statuses.filter((s) => s === 201).length);
      return statuses;
    };
    const first = await sequence(7);
    expect(await sequence(7)).toEqual(first);
    expect(await sequence(8)).not.toEqual(first);
    const failures = first.filter((s) => s !== 201);
    expect(failures.length).toBeGreaterThan(5);
    expect(failures.length).toBeLessThan(35);
    expect(new Set(failures)).toEqual(new Set([500, 503]));
    const mock = await start({ errorRate: 1, errorStatuses: [503] });
    const answer = await post(mock, { phone_number: '+14155550123' });
    expect([answer.status, answer.type.startsWith('text/html')]).toEqual([503, true]);
    expect(mock.requests[0]?.fault).toBe('error');
  });

  it('faultMethods limits faults to GET or POST', async () => {
    const mock = await start({ errorRate: 1, faultMethods: ['GET'] });
    const id = idOf(await post(mock, { phone_number: '+14155550123' }));
    expect((await call(mock, `/api/call/${id}`)).status).toBeGreaterThanOrEqual(500);
  });

  it('rateLimitPerSecond answers 429 with Retry-After beyond N dials per second; reads are not limited', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const mock = await start({ clock, rateLimitPerSecond: 2 });
    expect((await post(mock, { phone_number: '+14155550123' })).status).toBe(201);
    await clock.advance(400);
    const id = idOf(await post(mock, { phone_number: '+14155550123' }));
    const limited = await post(mock, { phone_number: '+14155550123' });
    expect([limited.status, limited.json, limited.headers.get('retry-after')]).toEqual([429, { error: 'Too Many Requests' }, '1']);
    expect((await call(mock, `/api/call/${id}`)).status).toBe(200);
    await clock.advance(600);
    expect((await post(mock, { phone_number: '+14155550123' })).status).toBe(201);
    mock.setFaults({ retryAfterFormat: 'date' });
    const dated = await post(mock, { phone_number: '+14155550123' });
    expect(dated.status).toBe(429);
    expect(Date.parse(dated.headers.get('retry-after') ?? '')).toBe(clock.now() + 1_000);
    expect(mock.calls).toHaveLength(3);
  });

  it('hang leaves requests unanswered until the client gives up, and close() still ends them', async () => {
    const mock = await start({ hang: true });
    const controller = new AbortController();
    const pending = fetch(`${mock.url}/api/call/x`, { signal: controller.signal });
    await until(() => mock.requests[0]?.answer === 'hang', 'the hanging request');
    controller.abort();
    await expect(pending).rejects.toThrow();
    const second = fetch(`${mock.url}/api/call/x`).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => mock.requests.length === 2, 'the second request');
    await mock.close();
    expect(await second).toBe('failed');
  });

  it('hangRate hangs a share of requests', async () => {
    const mock = await start({ hangRate: 0.5, seed: 3 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${mock.url}/health`).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true); // /health never hangs
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    let answered = 0;
    const reads = controllers.map((c) =>
      fetch(`${mock.url}/api/call/x`, { signal: c.signal }).then(
        async (r) => {
          await r.text();
          answered += 1;
          return r.status;
        },
        () => 'aborted',
      ),
    );
    await until(() => mock.requests.filter((r) => r.answer !== 'pending').length === 40, 'all reads handled');
    const hung = mock.requests.filter((r) => r.answer === 'hang').length;
    await until(() => answered === 20 - hung, 'the answered reads');
    expect(hung).toBeGreaterThan(2);
    expect(hung).toBeLessThan(18);
    for (const c of controllers) c.abort();
    const outcomes = await Promise.all(reads);
    expect(outcomes.filter((o) => o === 'aborted')).toHaveLength(hung);
  });

  it('loseAnswerRate creates the call, then destroys the connection before answering', async () => {
    const mock = await start({ loseAnswerRate: 1 });
    await expect(post(mock, { phone_number: '+14155550123' })).rejects.toThrow();
    expect(mock.calls).toHaveLength(1);
    expect(mock.requests[0]).toMatchObject({ answer: 'lost', fault: 'lose-answer', callId: mock.calls[0]?.id });
    // A rejected dial is answered normally (nothing was created, so nothing is lost).
    expect((await post(mock, { phone_number: '+1' })).status).toBe(400);
  });

  it('outcomes by suffix or regex end calls busy / no-answer / failed on a shorter progression', async () => {
    const clock = new FakeClock();
    const mock = await start({
      clock,
      outcomes: [
        { match: '0002', outcome: 'busy' },
        { match: /^\+1415555000[3]$/, outcome: 'no-answer' },
        { match: '0004', outcome: 'failed' },
      ],
    });
    const ids = await Promise.all(['+14155550001', '+14155550002', '+14155550003', '+14155550004'].map(async (n) => idOf(await post(mock, { phone_number: n }))));
    const at = async (ms: number): Promise<string[]> => {
      await clock.advance(ms);
      return Promise.all(ids.map(async (id) => String(callOf(await call(mock, `/api/call/${id}`)).status)));
    };
    expect(await at(1_000)).toEqual(['initiated', 'initiated', 'initiated', 'failed']);
    expect(await at(1_000)).toEqual(['ringing', 'ringing', 'ringing', 'failed']);
    expect(await at(2_000)).toEqual(['ringing', 'busy', 'ringing', 'failed']);
    expect(await at(4_000)).toEqual(['connected', 'busy', 'no-answer', 'failed']);
    expect(await at(2_000)).toEqual(['completed', 'busy', 'no-answer', 'failed']);
    expect(mock.calls.map((c) => c.duration)).toEqual([10, 0, 0, 0]);
  });

  it('honorIdempotencyKey: the same key gives the same call (200), other keys new calls', async () => {
    const plain = await start();
    const a = idOf(await post(plain, { phone_number: '+14155550123' }, { 'idempotency-key': 'k' }));
    expect(idOf(await post(plain, { phone_number: '+14155550123' }, { 'idempotency-key': 'k' }))).not.toBe(a);

    const mock = await start({ honorIdempotencyKey: true });
    const first = await post(mock, { phone_number: '+14155550123' }, { 'idempotency-key': 'k' });
    const again = await post(mock, { phone_number: '+14155550123' }, { 'idempotency-key': 'k' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(idOf(again)).toBe(idOf(first));
    expect(idOf(await post(mock, { phone_number: '+14155550123' }, { 'idempotency-key': 'other' }))).not.toBe(idOf(first));
    expect((await post(mock, { phone_number: '+14155550999' }, { 'idempotency-key': 'k' })).status).toBe(422);
    expect(mock.calls).toHaveLength(2);
    mock.forgetAll();
    expect((await post(mock, { phone_number: '+14155550123' }, { 'idempotency-key': 'k' })).status).toBe(201);
  });

  it('rejects bad fault settings with an error naming the field', async () => {
    await expect(createMockCallApi({ timeFactor: 0 })).rejects.toThrow(/timeFactor/);
    const mock = await start();
    expect(() => mock.setFaults({ errorRate: 2 })).toThrow(/errorRate/);
    expect(() => mock.setFaults({ outcomes: [{ match: 'x', outcome: 'maybe' as never }] })).toThrow(/outcomes\.0\.outcome/);
    expect(() => mock.setFaults({ errorStatuses: [404] })).toThrow(/errorStatuses/);
    expect(mock.faults.errorRate).toBe(0);
  });
});

import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyAuthorizer, callPageSchema, callSchema, callWithHistorySchema, healthSchema } from '../src/index.js';
import { expectProblem } from './support/expect-problem.js';
import { call, FLAVORS, startHarness, type Harness } from './support/harness.js';

const TO = '+14155550123';

describe.each(FLAVORS)('routes through %s', (flavor) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ flavor, router: { webhook: { unsigned: true } } });
  });
  afterEach(async () => {
    await h.close();
  });

  const schedule = async (body: unknown, headers: Record<string, string> = {}) =>
    call(`${h.api}/calls`, { method: 'POST', json: body, headers });

  it('POST /calls schedules now when there is no `at`, answers 201 with a Location, normalizes the number', async () => {
    const res = await schedule({ to: '+1 (415) 555-0123', metadata: { crm: 42 } });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = callSchema.parse(res.body);
    expect(body.to).toBe(TO);
    expect(body.status).toBe('scheduled');
    expect(body.at).toBe(new Date(h.clock.now()).toISOString());
    expect(body.metadata).toEqual({ crm: 42 });
    expect(res.headers.get('location')).toBe(`/api/calls/${body.id}`);
    const stored = await h.store.getCall(body.id);
    expect(stored?.to).toBe(TO);
  });

  it('POST /calls takes `at`, time zone and window, and refuses an unknown field by name', async () => {
    const ok = await schedule({
      to: TO,
      at: '2026-03-03T15:00:00+01:00',
      timeZone: 'Europe/Berlin',
      window: { tue: [{ start: '09:00', end: '17:00' }] },
      expiresAt: Date.parse('2026-03-04T00:00:00Z'),
    });
    expect(ok.status).toBe(201);
    expect(ok.body.at).toBe('2026-03-03T14:00:00.000Z');
    expect(ok.body.expiresAt).toBe('2026-03-04T00:00:00.000Z');
    const local = await schedule({ to: TO, at: { local: '2026-03-03T09:00', timeZone: 'America/Chicago' }, window: { tue: [{ start: '08:00', end: '21:00' }] } });
    expect(local.status).toBe(201);
    expect(local.body).toMatchObject({ at: '2026-03-03T15:00:00.000Z', timeZone: 'America/Chicago' });
    const badLocal = await schedule({ to: TO, at: { local: '2026-03-03 9am', timeZone: 'America/Chicago' } });
    expect(expectProblem(badLocal, 400, 'INVALID_INPUT').errors[0].path).toMatch(/^at/);
    const farFuture = await schedule({ to: TO, at: Date.UTC(10000, 0, 1) });
    expect(expectProblem(farFuture, 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'at', message: 'must be before the year 10000' });
    const bad = await schedule({ to: TO, tz: 'Europe/Berlin', at: 'tomorrow' });
    const problem = expectProblem(bad, 400, 'INVALID_INPUT');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tz', rule: 'unrecognized_keys' }),
        expect.objectContaining({ path: 'at' }),
      ]),
    );
    const window = await schedule({ to: TO, window: { mon: [{ start: '10:00', end: '09:00' }] } });
    expect(expectProblem(window, 400, 'INVALID_INPUT').errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['window.mon.0.end', 'timeZone']),
    );
  });

  it('POST /calls with an Idempotency-Key answers 201 once, then 200 with the same call', async () => {
    const first = await schedule({ to: TO }, { 'Idempotency-Key': 'order-7' });
    const again = await schedule({ to: TO }, { 'Idempotency-Key': 'order-7' });
    const byField = await schedule({ to: TO, idempotencyKey: 'order-7' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(byField.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(byField.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBeNull();
    const fresh = await schedule({ to: TO, idempotencyKey: 'order-8' });
    expect(fresh.status).toBe(201);
    const page = await h.scheduler.list();
    expect(page.items).toHaveLength(2);
    const conflict = await schedule({ to: TO, idempotencyKey: 'a' }, { 'Idempotency-Key': 'b' });
    expect(expectProblem(conflict, 400, 'INVALID_INPUT').errors[0].path).toBe('idempotencyKey');
    const badHeader = await schedule({ to: TO }, { 'Idempotency-Key': 'x'.repeat(300) });
    expect(expectProblem(badHeader, 400, 'INVALID_INPUT').errors[0].path).toBe('headers.idempotency-key');
  });

  it('GET /calls filters by status (comma list), number, time range, and pages with limit and order', async () => {
    const a = (await schedule({ to: TO, at: '2026-03-05T10:00:00Z' })).body;
    const b = (await schedule({ to: '+442079460000', at: '2026-03-06T10:00:00Z' })).body;
    const c = (await schedule({ to: TO, at: '2026-03-07T10:00:00Z' })).body;
    await call(`${h.api}/calls/${b.id}/cancel`, { method: 'POST' });

    const all = await call(`${h.api}/calls`);
    expect(all.status).toBe(200);
    expect(callPageSchema.parse(all.body).items.map((i) => i.id)).toEqual([c.id, b.id, a.id]);

    const byStatus = await call(`${h.api}/calls?status=canceled,completed`);
    expect(byStatus.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
    const repeated = await call(`${h.api}/calls?status=scheduled&status=canceled&order=asc`);
    expect(repeated.body.items.map((i: { id: string }) => i.id)).toEqual([a.id, b.id, c.id]);
    const byNumber = await call(`${h.api}/calls?to=+14155550123&order=asc`);
    expect(byNumber.body.items.map((i: { id: string }) => i.id)).toEqual([a.id, c.id]);
    const byNumberEncoded = await call(`${h.api}/calls?to=%2B14155550123`);
    expect(byNumberEncoded.body.items).toHaveLength(2);
    const byTime = await call(`${h.api}/calls?from=2026-03-06T00:00:00Z&until=${Date.parse('2026-03-07T00:00:00Z')}`);
    expect(byTime.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
    const page1 = await call(`${h.api}/calls?limit=2&order=asc`);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await call(`${h.api}/calls?limit=2&order=asc&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([c.id]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('GET /calls refuses bad and unknown query parameters by name', async () => {
    const res = await call(`${h.api}/calls?limit=0&status=ringing,nope&stauts=failed&order=up&limit=3`);
    const problem = expectProblem(res, 400, 'INVALID_INPUT');
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['query.limit', 'query.stauts']));
    const single = await call(`${h.api}/calls?status=nope`);
    expect(expectProblem(single, 400, 'INVALID_INPUT').errors[0].path).toMatch(/^query\.status/);
    const range = await call(`${h.api}/calls?from=2026-03-07T00:00:00Z&until=2026-03-06T00:00:00Z`);
    expectProblem(range, 400, 'INVALID_INPUT');
    const cursor = await call(`${h.api}/calls?cursor=${encodeURIComponent('not a cursor!')}`);
    expectProblem(cursor, 400, 'INVALID_INPUT');
  });

  it('GET /calls/{id} returns the call with attempts and events; 404 for an unknown id', async () => {
    const created = (await schedule({ to: TO })).body;
    await h.clock.advance(11_000); // dialed now, completed by the fake provider after 10 s
    const res = await call(`${h.api}/calls/${created.id}`);
    expect(res.status).toBe(200);
    const body = callWithHistorySchema.parse(res.body);
    expect(body.status).toBe('completed');
    expect(body.attempts).toHaveLength(1);
    expect(body.attempts[0]?.status).toBe('completed');
    expect(body.events.map((e) => e.type)).toEqual(expect.arrayContaining(['scheduled', 'dispatching', 'status', 'completed']));
    const missing = await call(`${h.api}/calls/0190d6e1-0000-7000-8000-000000000000`);
    expect(expectProblem(missing, 404, 'CALL_NOT_FOUND').callId).toBe('0190d6e1-0000-7000-8000-000000000000');
    const weird = await call(`${h.api}/calls/${encodeURIComponent('../../etc/passwd')}`);
    expectProblem(weird, 404, 'CALL_NOT_FOUND');
  });

  it('PATCH /calls/{id} reschedules while scheduled, clears with null, 409 after, 404 unknown', async () => {
    const created = (await schedule({ to: TO, at: '2026-03-05T10:00:00Z', metadata: { a: 1 } })).body;
    const moved = await call(`${h.api}/calls/${created.id}`, {
      method: 'PATCH',
      json: { at: '2026-03-06T11:00:00Z', timeZone: 'America/Chicago', window: { fri: [{ start: '08:00', end: '21:00' }] }, metadata: null },
    });
    expect(moved.status).toBe(200);
    expect(callSchema.parse(moved.body).at).toBe('2026-03-06T11:00:00.000Z');
    expect(moved.body.timeZone).toBe('America/Chicago');
    expect(moved.body.metadata).toBeNull();
    const local = await call(`${h.api}/calls/${created.id}`, { method: 'PATCH', json: { at: { local: '2026-03-06T08:30', timeZone: 'America/Chicago' } } });
    expect(local.status).toBe(200);
    expect(local.body.at).toBe('2026-03-06T14:30:00.000Z');
    const empty = await call(`${h.api}/calls/${created.id}`, { method: 'PATCH', json: {} });
    expectProblem(empty, 400, 'INVALID_INPUT');
    const bad = await call(`${h.api}/calls/${created.id}`, { method: 'PATCH', json: { at: 'soon', to: TO } });
    const paths = expectProblem(bad, 400, 'INVALID_INPUT').errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['at', 'to']));
    const noBody = await call(`${h.api}/calls/${created.id}`, { method: 'PATCH' });
    expectProblem(noBody, 400, 'INVALID_INPUT');
    await call(`${h.api}/calls/${created.id}/cancel`, { method: 'POST' });
    const late = await call(`${h.api}/calls/${created.id}`, { method: 'PATCH', json: { at: '2026-03-07T11:00:00Z' } });
    expect(expectProblem(late, 409, 'INVALID_STATE').currentStatus).toBe('canceled');
    const unknown = await call(`${h.api}/calls/nope`, { method: 'PATCH', json: { at: '2026-03-07T11:00:00Z' } });
    expectProblem(unknown, 404, 'CALL_NOT_FOUND');
  });

  it('POST /calls/{id}/cancel cancels; 409 with currentStatus once dialing; 404 unknown', async () => {
    const later = (await schedule({ to: TO, at: '2026-03-09T10:00:00Z' })).body;
    const canceled = await call(`${h.api}/calls/${later.id}/cancel`, { method: 'POST' });
    expect(canceled.status).toBe(200);
    expect(callSchema.parse(canceled.body).status).toBe('canceled');
    const now = (await schedule({ to: '+442079460000' })).body;
    await h.clock.advance(100);
    const tooLate = await call(`${h.api}/calls/${now.id}/cancel`, { method: 'POST' });
    const problem = expectProblem(tooLate, 409, 'INVALID_STATE');
    expect(['dispatching', 'initiated', 'ringing', 'connected']).toContain(problem.currentStatus);
    const unknown = await call(`${h.api}/calls/nope/cancel`, { method: 'POST' });
    expectProblem(unknown, 404, 'CALL_NOT_FOUND');
  });

  it('GET /health answers 200 with the store ok, and 503 when the store fails', async () => {
    const ok = await call(`${h.api}/health`);
    expect(ok.status).toBe(200);
    expect(healthSchema.parse(ok.body).store).toBe('ok');
    h.store.nextWakeUpAt = async () => {
      throw new Error('disk on fire');
    };
    const down = await call(`${h.api}/health`);
    expect(down.status).toBe(503);
    expect(healthSchema.parse(down.body)).toMatchObject({ store: 'error', error: 'disk on fire' });
    const head = await call(`${h.api}/health`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(head.text).toBe('');
  });

  it('GET /openapi.json serves the document with the mount path as its server', async () => {
    const res = await call(`${h.api}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.servers).toEqual([{ url: '/api' }]);
    expect(Object.keys(res.body.paths)).toContain('/calls/{id}/cancel');
  });

  it('POST /webhooks/call-status feeds provider statuses (JSON and Twilio form); 404 for an unknown call', async () => {
    const created = (await schedule({ to: TO })).body;
    await h.clock.advance(10);
    const providerCallId = (await h.scheduler.get(created.id))?.providerCallId;
    expect(providerCallId).toEqual(expect.any(String));
    const ringing = await call(`${h.api}/webhooks/call-status`, { method: 'POST', json: { providerCallId, status: 'ringing' } });
    expect(ringing.status).toBe(200);
    expect(callSchema.parse(ringing.body).status).toBe('ringing');
    const form = new URLSearchParams({ CallSid: providerCallId ?? '', CallStatus: 'completed', CallDuration: '7' });
    const done = await call(`${h.api}/webhooks/call-status`, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    const details = await h.scheduler.get(created.id);
    expect(details?.attempts[0]?.durationSeconds).toBe(7);
    // The attempt, as GET /calls/:id shows it, names the scheduler that dialed it.
    const shown = await call(`${h.api}/calls/${created.id}`);
    expect(shown.body.attempts[0].schedulerId).toBe(h.scheduler.id);
    const unknown = await call(`${h.api}/webhooks/call-status`, { method: 'POST', json: { providerCallId: 'nope', status: 'ringing' } });
    expectProblem(unknown, 404, 'CALL_NOT_FOUND');
    const bad = await call(`${h.api}/webhooks/call-status`, { method: 'POST', json: { status: 7 } });
    expect(expectProblem(bad, 400, 'INVALID_INPUT').errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['providerCallId', 'status']),
    );
  });

  it('GET /calls?to= finds a number written as a person writes it, spaces encoded as + included', async () => {
    const created = (await schedule({ to: '+1 212 555 0199' })).body;
    await schedule({ to: TO });
    for (const query of ['to=%2B1+212+555+0199', 'to=+1+(212)+555-0199', 'to=%2B1%20212%20555%200199', 'to=+12125550199']) {
      const res = await call(`${h.api}/calls?${query}`);
      expect(res.status, query).toBe(200);
      expect(res.body.items.map((c: { id: string }) => c.id), query).toEqual([created.id]);
    }
  });

  it('404 for unknown routes under the router, next() outside it, 405 with Allow', async () => {
    expectProblem(await call(`${h.api}/nope`), 404, 'NOT_FOUND');
    expectProblem(await call(`${h.api}/calls/a/b/c`), 404, 'NOT_FOUND');
    const outside = await call(`${h.origin}/outside`);
    expect(outside.status).toBe(200);
    expect(outside.text).toBe('outside');
    const wrong = await call(`${h.api}/calls`, { method: 'DELETE' });
    expectProblem(wrong, 405, 'METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    const wrong2 = await call(`${h.api}/calls/x/cancel`, { method: 'GET' });
    expect(expectProblem(wrong2, 405, 'METHOD_NOT_ALLOWED') && wrong2.headers.get('allow')).toBe('POST, OPTIONS');
    const options = await call(`${h.api}/calls/x`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, PATCH, HEAD, OPTIONS');
  });

  it('415 for a body that is not JSON, 400 for malformed JSON or bad UTF-8, 400 without a body', async () => {
    const text = await call(`${h.api}/calls`, { method: 'POST', body: 'to=+14155550123', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await call(`${h.api}/calls`, {
      method: 'POST',
      body: 'to=+14155550123',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const latin = await call(`${h.api}/calls`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json; charset=latin1' } });
    expectProblem(latin, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const malformed = await call(`${h.api}/calls`, { method: 'POST', body: '{"to": "+1415', headers: { 'content-type': 'application/json' } });
    expect(expectProblem(malformed, 400, 'MALFORMED_JSON').detail).toMatch(/not valid JSON/);
    const utf = await call(`${h.api}/calls`, {
      method: 'POST',
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(utf, 400, 'MALFORMED_JSON');
    const none = await call(`${h.api}/calls`, { method: 'POST' });
    expectProblem(none, 400, 'INVALID_INPUT');
    const array = await schedule([{ to: TO }]);
    expectProblem(array, 400, 'INVALID_INPUT');
    const deep = await call(`${h.api}/calls`, {
      method: 'POST',
      body: `{"to":"${TO}","metadata":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(expectProblem(deep, 400, 'INVALID_INPUT').errors[0].rule).toBe('too_deep');
    const proto = await call(`${h.api}/calls`, {
      method: 'POST',
      body: `{"to":"${TO}","metadata":{"__proto__":{"admin":true}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(expectProblem(proto, 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'metadata.__proto__', rule: 'forbidden_key' });
    expect((await h.scheduler.list()).items).toHaveLength(0);
  });

  it('413 over the body limit, with Content-Length and chunked, without reading it all', async () => {
    const big = JSON.stringify({ to: TO, metadata: { pad: 'x'.repeat(150_000) } });
    const res = await call(`${h.api}/calls`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    // Chunked, and far more than the limit: the answer comes while the client is still sending.
    const chunked = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      const req = httpRequest(`${h.api}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      let sent = 0;
      let stop = false;
      req.on('response', (response) => {
        stop = true;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (d: string) => (body += d));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, sent }));
      });
      req.on('error', (error) => (stop ? undefined : reject(error)));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      req.write('{"to":"+14155550123","metadata":{"pad":"');
      const pump = (): void => {
        while (!stop && sent < 50 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!stop) req.end('"}}');
      };
      pump();
      setTimeout(() => reject(new Error('no 413 in time')), 5000).unref();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).code).toBe('PAYLOAD_TOO_LARGE');
    expect(chunked.sent).toBeLessThan(50 * 1024 * 1024);
    expect((await h.scheduler.list()).items).toHaveLength(0);
  });
});

describe('provider status words', () => {
  // normalizeProviderStatus once read `ALIASES[word]` from a plain object, so `constructor` came
  // back as an Object.prototype member and the call was stored without a valid status.
  it('a provider status word such as "constructor" does not corrupt the call', async () => {
    const h = await startHarness({ flavor: 'node', router: { webhook: { unsigned: true } } });
    try {
      const created = (await call(`${h.api}/calls`, { method: 'POST', json: { to: TO } })).body;
      await h.clock.advance(10);
      const providerCallId = (await h.scheduler.get(created.id))?.providerCallId;
      await call(`${h.api}/webhooks/call-status`, { method: 'POST', json: { providerCallId, status: 'constructor' } });
      const after = await call(`${h.api}/calls/${created.id}`);
      expect(callWithHistorySchema.safeParse(after.body).success).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe.each(FLAVORS)('authorize, CORS and failures through %s', (flavor) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 401 without the API key, 200 with it, 403 when authorize throws, a thrown status as given', async () => {
    const key = apiKeyAuthorizer('s3cret');
    h = await startHarness({
      flavor,
      router: {
        authorize: async (req, ctx) => {
          if (req.headers['x-mode'] === 'throw') throw new Error('nope');
          if (req.headers['x-mode'] === 'slow-down') throw Object.assign(new Error('Too many requests'), { status: 429 });
          return ctx.operationId === 'getHealth' || key(req);
        },
      },
    });
    expect((await call(`${h.api}/health`)).status).toBe(200);
    expectProblem(await call(`${h.api}/calls`), 401, 'UNAUTHORIZED');
    expectProblem(await call(`${h.api}/calls`, { headers: { 'x-api-key': 's3cre' } }), 401, 'UNAUTHORIZED');
    expect((await call(`${h.api}/calls`, { headers: { 'x-api-key': 's3cret' } })).status).toBe(200);
    const forbidden = await call(`${h.api}/calls`, { headers: { 'x-api-key': 's3cret', 'x-mode': 'throw' } });
    expect(expectProblem(forbidden, 403, 'FORBIDDEN').detail).not.toMatch(/nope/);
    const limited = await call(`${h.api}/calls`, { headers: { 'x-mode': 'slow-down' } });
    expect(expectProblem(limited, 429, 'HTTP_429').detail).toBe('Too many requests');
    // The body is not read before authorization.
    const unread = await call(`${h.api}/calls`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } });
    expectProblem(unread, 401, 'UNAUTHORIZED');
  });

  it('handles CORS preflights and adds CORS headers only for allowed origins', async () => {
    h = await startHarness({ flavor, router: { cors: { origin: ['https://app.example'], credentials: true, maxAge: 60 } } });
    const preflight = await call(`${h.api}/calls/abc`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, PATCH, HEAD, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-max-age')).toBe('60');
    const denied = await call(`${h.api}/calls`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    // The answer depends on the origin, so a shared cache must key it on Origin, refused or not.
    expect(denied.headers.get('vary')).toMatch(/Origin/);
    const refused = await call(`${h.api}/calls`, { headers: { origin: 'https://evil.example' } });
    expect(refused.status).toBe(200);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('vary')).toMatch(/Origin/);
    const noOrigin = await call(`${h.api}/calls`);
    expect(noOrigin.headers.get('vary')).toMatch(/Origin/);
    const simple = await call(`${h.api}/calls`, { headers: { origin: 'https://app.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(simple.headers.get('vary')).toMatch(/Origin/);
    const error = await call(`${h.api}/nope`, { headers: { origin: 'https://app.example' } });
    expect(error.status).toBe(404);
    expect(error.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const unauthorized = await call(`${h.api}/calls`, { method: 'DELETE', headers: { origin: 'https://app.example' } });
    expect(unauthorized.status).toBe(405);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('answers 500 without details for an internal error and reports it through onError', async () => {
    h = await startHarness({ flavor });
    h.store.listCalls = async () => {
      throw new Error('secret internals at /srv/db.sqlite');
    };
    const res = await call(`${h.api}/calls`);
    const problem = expectProblem(res, 500, 'INTERNAL_ERROR');
    expect(JSON.stringify(problem)).not.toMatch(/secret|srv/);
    expect(h.reported).toHaveLength(1);
    expect(String(h.reported[0])).toMatch(/secret internals/);
  });
});

// Only Express has a body parser to put in front of the router.
describe.each(FLAVORS.filter((flavor) => flavor !== 'node'))('a body parser in front, through %s', (flavor) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('accepts a body already parsed by express.json()', async () => {
    h = await startHarness({ flavor, expressJson: true });
    const res = await call(`${h.api}/calls`, { method: 'POST', json: { to: TO } });
    expect(res.status).toBe(201);
    const bad = await call(`${h.api}/calls`, { method: 'POST', json: { to: 'nope' } });
    expect(expectProblem(bad, 400, 'INVALID_INPUT').errors[0].path).toBe('to');
    const text = await call(`${h.api}/calls`, { method: 'POST', body: '{"to":"+14155550123"}', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const patch = await call(`${h.api}/calls/${res.body.id}`, { method: 'PATCH', json: { at: '2026-03-09T10:00:00Z' } });
    expect(patch.status).toBe(200);
  });
});

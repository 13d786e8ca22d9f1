import { Agent, request as httpRequest } from 'node:http';
import { callingWindowSchema, metadataSchema, normalizePhoneNumber, retryPolicySchema, isValidTimeZone } from '@call-scheduler/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSchema, problemSchema } from '../src/index.js';
import { callToJson } from '../src/schemas/to-json.js';
import { FLAVORS, startHarness, within, type Flavor, type Harness } from './support/harness.js';

const RUNS: Readonly<Record<Flavor, number>> = { node: 2500, express5: 1250, express4: 1250 };

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
}

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '../../etc/passwd', '%', '%ZZ', '%00', '\u0000', 'null', 'undefined', '__proto__', 'constructor', '-1', '1e309', 'NaN', '0x10', '+14155550123', '2026-03-02T09:00:00Z', 'scheduled,ringing', ',,,', 'a'.repeat(600)),
);

/** Characters a client may put in a header value. */
const headerValue = fc.oneof(
  hostileText.map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'multipart/form-data; boundary=x', ';;', 'application/json;charset'),
);

const phone = fc.oneof(
  fc.constantFrom('+14155550123', '+1 (415) 555-0123', '0044 20 7946 0000', '+442079460000', '12345', '', '+999999999999999', '+1415555012', ' +14155550123 '),
  hostileText,
  fc.integer(),
  fc.constant(null),
);
const time = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date('1960-01-01'), max: new Date('2200-01-01') }).map((d) => d.toISOString()),
  fc.integer({ min: -1e16, max: 1e16 }),
  fc.double(),
  hostileText,
  fc.constantFrom('2026-03-02T09:00:00', '2026-02-30T10:00:00Z', '2026-03-02T25:00:00Z', '2026-03-02T09:00:00+14:00'),
);
const window = fc.oneof(
  fc.constant({ mon: [{ start: '09:00', end: '17:00' }] }),
  fc.dictionary(fc.constantFrom('mon', 'tue', 'sun', 'xyz'), fc.array(fc.record({ start: fc.constantFrom('09:00', '24:00', '9:00', '23:59', ''), end: fc.constantFrom('17:00', '24:00', '00:00', 'x') }), { maxLength: 3 })),
  fc.jsonValue({ maxDepth: 3 }),
);
const retry = fc.oneof(
  fc.constant({ busy: { delaysMs: [60_000], maxAttempts: 3 } }),
  fc.dictionary(fc.constantFrom('busy', 'no-answer', 'failed', 'unknown', 'other'), fc.record({ delaysMs: fc.array(fc.integer({ min: -10, max: 1e12 }), { maxLength: 3 }), maxAttempts: fc.integer({ min: -1, max: 200 }) })),
  fc.jsonValue({ maxDepth: 3 }),
);
/** Mostly valid, sometimes hostile. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile });

const validTime = fc.date({ noInvalidDate: true, min: new Date('2026-01-01'), max: new Date('2027-01-01') }).map((d) => d.toISOString());
const validFields = {
  at: mostly(validTime, time),
  timeZone: mostly(fc.constantFrom('Europe/Berlin', 'America/Chicago', 'UTC'), fc.oneof(fc.constantFrom('Mars/Olympus', ''), hostileText, fc.constant(null))),
  window: mostly(fc.constant({ mon: [{ start: '09:00', end: '17:00' }], sat: [] }), fc.oneof(window, fc.constant(null))),
  expiresAt: mostly(fc.constant('2027-06-01T00:00:00Z'), fc.oneof(time, fc.constant(null))),
  retry: mostly(fc.constant({ busy: { delaysMs: [60_000], maxAttempts: 3 } }), fc.oneof(retry, fc.constant(null))),
  metadata: mostly(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null))),
};
/** Bodies for `POST /calls`, each field mostly valid. */
const createBody = fc
  .tuple(
    fc.record(
      {
        to: mostly(fc.constantFrom('+14155550123', '+1 (415) 555-0123', '0044 20 7946 0000'), phone),
        ...validFields,
        idempotencyKey: mostly(fc.constantFrom('k1', 'k2', 'k3'), hostileText),
      },
      { requiredKeys: [] },
    ),
    fc.option(fc.jsonValue({ maxDepth: 1 }), { freq: 8 }),
  )
  .map(([fields, extra]) => (extra === null ? fields : { ...fields, extra }));
/** Bodies for `PATCH /calls/{id}`. */
const patchBody = fc.record({ ...validFields, to: phone }, { requiredKeys: [] });
/** Status words, hostile ones included (`constructor`, `__proto__`, ...). */
const statusWord = fc.oneof(hostileText, fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty'));
/** Bodies for the webhook. */
const webhookBody = fc.record(
  {
    providerCallId: hostileText,
    status: mostly(fc.constantFrom('ringing', 'completed', 'in-progress', 'busy'), statusWord),
    durationSeconds: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
    CallSid: hostileText,
    CallStatus: statusWord,
  },
  { requiredKeys: [] },
);

const rawBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => Buffer.from(`{"to":"+14155550123","metadata":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 3000, max: 12_000 }).map((n) => Buffer.from(JSON.stringify({ to: '+14155550123', metadata: { pad: 'x'.repeat(n) } }))) },
  { weight: 1, arbitrary: fc.constantFrom('{"to":"+14155550123","metadata":{"__proto__":{"x":1}}}', '{"__proto__":null}', '{"to":"+14155550123"', '', 'null', '[]', '"x"', '\ufeff{"to":"+14155550123"}').map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const bodyOf = (shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer | undefined> =>
  fc.oneof({ weight: 3, arbitrary: shaped.map((o) => Buffer.from(JSON.stringify(o))) }, { weight: 1, arbitrary: rawBody });

const encodePart = fc.oneof(hostileText.map(encodeURIComponent), fc.constantFrom('', '%', '%ZZ', '%2', '+', '%2B1415', '%E0%A4%A', '==', '&'));
const queryValue = (name: string): fc.Arbitrary<string> => {
  const valid: Record<string, fc.Arbitrary<string>> = {
    status: fc.subarray(['scheduled', 'ringing', 'canceled', 'completed']).map((l) => l.join(',')),
    to: fc.constantFrom('+14155550123', '%2B442079460000'),
    from: validTime.map(encodeURIComponent),
    until: fc.constantFrom('2027-01-01T00:00:00Z', '1800000000000'),
    limit: fc.integer({ min: 1, max: 1000 }).map(String),
    order: fc.constantFrom('asc', 'desc'),
    lastEventId: fc.nat({ max: 50 }).map(String),
  };
  return mostly(Object.hasOwn(valid, name) ? (valid[name] ?? encodePart) : encodePart, encodePart);
};
const queryString = fc
  .array(fc.oneof(fc.constantFrom('status', 'to', 'from', 'until', 'limit', 'cursor', 'order', 'lastEventId', 'callId'), encodePart), { maxLength: 4 })
  .chain((names) => fc.tuple(...names.map((name) => queryValue(name).map((value) => `${name}=${value}`))))
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));

interface Shape {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer | undefined;
}

function requestArbitrary(knownIds: () => string[], providerIds: () => string[]): fc.Arbitrary<HostileRequest> {
  const id = mostly(
    fc.nat().map((n) => knownIds()[n % Math.max(1, knownIds().length)] ?? 'none'),
    encodePart.filter((s) => s !== ''),
  );
  const providerId = mostly(
    fc.nat().map((n) => providerIds()[n % Math.max(1, providerIds().length)] ?? 'none'),
    hostileText,
  );
  const method = fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD');
  const shapes: fc.Arbitrary<Shape> = fc.oneof(
    { weight: 4, arbitrary: bodyOf(createBody).map((body) => ({ method: 'POST', path: '/calls', body })) },
    { weight: 2, arbitrary: queryString.map((q) => ({ method: 'GET', path: `/calls${q}`, body: undefined })) },
    { weight: 2, arbitrary: fc.tuple(id, queryString).map(([i, q]) => ({ method: 'GET', path: `/calls/${i}${q}`, body: undefined })) },
    { weight: 3, arbitrary: fc.tuple(id, bodyOf(patchBody)).map(([i, body]) => ({ method: 'PATCH', path: `/calls/${i}`, body })) },
    { weight: 1, arbitrary: fc.tuple(id, fc.option(rawBody)).map(([i, body]) => ({ method: 'POST', path: `/calls/${i}/cancel`, body: body ?? undefined })) },
    { weight: 1, arbitrary: queryString.map((q) => ({ method: 'GET', path: `/events${q}`, body: undefined })) },
    { weight: 1, arbitrary: fc.constantFrom('/health', '/openapi.json').map((p) => ({ method: 'GET', path: p, body: undefined })) },
    {
      weight: 2,
      arbitrary: fc.tuple(providerId, bodyOf(webhookBody)).map(([pid, body]) => {
        const parsed = body === undefined ? undefined : safeJson(body);
        const withId = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Buffer.from(JSON.stringify({ ...parsed, providerCallId: pid })) : body;
        return { method: 'POST', path: '/webhooks/call-status', body: withId };
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          method,
          fc.oneof(
            fc.constantFrom('/calls', '/events', '/health', '/openapi.json', '/webhooks/call-status', '/', '', '/nope', '/calls/', '/calls//cancel', '/CALLS'),
            id.map((i) => `/calls/${i}`),
            id.map((i) => `/calls/${i}/cancel`),
            fc.array(encodePart, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
          ),
          queryString,
          rawBody,
        )
        .map(([m, p, q, body]) => ({ method: m, path: `${p}${q}`, body })),
    },
  );
  const headers = fc.record(
    {
      'content-type': mostly(fc.constant('application/json'), headerValue),
      'idempotency-key': headerValue,
      'last-event-id': headerValue,
      origin: headerValue,
      accept: headerValue,
    },
    { requiredKeys: [] },
  );
  return fc.tuple(shapes, headers).map(([shape, h]) => ({
    method: shape.method,
    path: `/api${shape.path}`,
    headers: h,
    body: shape.method === 'GET' || shape.method === 'HEAD' ? undefined : shape.body,
  }));
}

function safeJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
}

function send(h: Harness, agent: Agent, req: HostileRequest): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // Without a length, Node sends no framing for a DELETE or OPTIONS body (it would be read as the next request).
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(req.body.length) };
    const r = httpRequest(`${h.origin}${req.path}`, { method: req.method, headers, agent });
    const timer = setTimeout(() => {
      r.destroy();
      reject(new Error(`no answer to ${req.method} ${req.path}`));
    }, 5000);
    r.on('response', (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        clearTimeout(timer);
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    r.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    r.end(req.body);
  });
}

/** Every stored call passes the response schema and core's field rules. */
async function assertStoreValid(h: Harness): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await h.scheduler.list({ limit: 1000, cursor, order: 'asc' });
    for (const c of page.items) {
      count++;
      const json = callToJson(c);
      expect(callSchema.safeParse(json).success, JSON.stringify(json)).toBe(true);
      expect(normalizePhoneNumber(c.to)).toBe(c.to);
      expect(Number.isFinite(c.at.getTime())).toBe(true);
      if (c.timeZone !== null) expect(isValidTimeZone(c.timeZone)).toBe(true);
      if (c.window !== null) {
        expect(callingWindowSchema.safeParse(c.window).success).toBe(true);
        expect(c.timeZone).not.toBeNull();
      }
      if (c.retry !== null) expect(retryPolicySchema.safeParse(c.retry).success).toBe(true);
      if (c.metadata !== null) expect(metadataSchema.safeParse(c.metadata).success).toBe(true);
      if (c.expiresAt !== null) expect(c.expiresAt.getTime()).toBeGreaterThan(c.at.getTime());
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

describe.each(FLAVORS)('hostile requests through %s', (flavor) => {
  let h: Harness;
  let agent: Agent;
  const ids: string[] = [];
  const providerIds: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ flavor, router: { webhook: { unsigned: true }, bodyLimit: 8_000, cors: { origin: (o) => o.length % 2 === 0 } } });
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
    // A few calls in every state the routes care about.
    for (let i = 0; i < 4; i++) ids.push((await h.scheduler.schedule({ to: '+14155550123', at: '2026-03-09T10:00:00Z' })).id);
    const live = await h.scheduler.schedule({ to: '+442079460000' });
    ids.push(live.id);
    await h.clock.advance(10);
    const providerCallId = (await h.scheduler.get(live.id))?.providerCallId;
    if (providerCallId) providerIds.push(providerCallId);
  });
  afterAll(async () => {
    agent.destroy();
    await h.close();
  });

  it('never answers 5xx, answers every error with problem+json, and stores nothing invalid', async () => {
    let scheduled = 0;
    h.scheduler.on('call:scheduled', ({ call }) => {
      scheduled++;
      ids.push(call.id);
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(() => ids, () => providerIds), async (req) => {
        const before = scheduled;
        const answer = await send(h, agent, req);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(answer.status, `${req.method} ${req.path}: ${answer.body}`).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(answer.headers['content-type'], `${req.method} ${req.path}`).toMatch(/^application\/problem\+json/);
          if (req.method !== 'HEAD') {
            const problem = problemSchema.safeParse(JSON.parse(answer.body));
            expect(problem.success, answer.body).toBe(true);
            expect(problem.data?.status).toBe(answer.status);
            expect(answer.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
          }
          expect(scheduled, `a rejected ${req.method} ${req.path} stored a call`).toBe(before);
        }
      }),
      { numRuns: RUNS[flavor], seed: Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31) },
    );
    const stored = await assertStoreValid(h);
    if (process.env["HA_STATS"]) console.log(flavor, JSON.stringify([...statuses].sort()), "stored", stored);
    expect(stored).toBe(5 + scheduled);
    expect(h.reported).toEqual([]);
    // Sanity: the run did reach the handlers, not only the error paths.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    // SSE clients that were dropped leave nothing behind.
    await within(h.idle(), 3000, 'the dropped SSE clients to be released');
    expect(h.scheduler.listenerCount('call:status')).toBe(0);
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stepAt, type MockOutcome } from './call-timeline.js';
import { htmlErrorPage } from './html-pages.js';
import { realClock } from './mock-clock.js';
import { mergeFaults, NO_FAULTS, type MockCallApiOptions, type MockFaults } from './mock-options.js';
import { createPrng } from './prng.js';
import { pythonLocalIsoformat } from './python-time.js';

/** A CALL object exactly as the API sends it. */
export interface MockCallJson {
  /** UUID v4. */
  readonly id: string;
  /** The number as it was posted. */
  readonly phone_number: unknown;
  /** The current status word. */
  readonly status: string;
  /** Local time, microseconds, no offset. */
  readonly created_at: string;
  /** Local time of the last status change. */
  readonly updated_at: string;
  /** Seconds once ended, else `null`. */
  readonly duration: number | null;
}

/** What the mock did with a request. */
export type RecordedAnswer = number | 'hang' | 'lost' | 'pending';

/** One request the mock received. */
export interface RecordedRequest {
  /** 1, 2, 3… in arrival order. */
  readonly seq: number;
  /** `GET`, `POST`… */
  readonly method: string;
  /** The path without the query, e.g. `/api/call`. */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, the raw text when it is not JSON, or `undefined` when empty. */
  readonly body: unknown;
  /** Arrival time on the mock's clock (epoch ms). */
  readonly time: number;
  /** The answer's status, `hang` (never answered), `lost` (connection destroyed), or `pending`. */
  answer: RecordedAnswer;
  /** The fault that shaped the answer, if any. */
  fault: 'error' | 'rate-limit' | 'hang' | 'lose-answer' | null;
  /** The call this request created or read, if any. */
  callId: string | null;
}

/** A running mock of the Call API. */
export interface MockCallApi extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Every request received since start (or the last `reset()`), in order. */
  readonly requests: readonly RecordedRequest[];
  /** Every call it knows, as a status read would show it now. */
  readonly calls: readonly MockCallJson[];
  /** The faults in force. */
  readonly faults: MockFaults;
  /** Changes some faults; the others keep their value. Throws a `TypeError` naming a bad field. */
  setFaults(partial: Partial<MockFaults>): void;
  /** Forgets every call and idempotency key, as a restart of the reference server does. */
  forgetAll(): void;
  /** Forgets calls and recorded requests and restores the faults and seed given at creation. */
  reset(): void;
  /**
   * Calls `listener` each time the mock has decided a request's fate (answered, hung or lost),
   * with its record. Returns a function that removes the listener. For tests that wait on the mock.
   */
  onAnswer(listener: (request: RecordedRequest) => void): () => void;
  /** The dials (`POST /api/call`) received for `phoneNumber`, answered or not. */
  dialsTo(phoneNumber: string): RecordedRequest[];
  /** Stops listening and destroys every connection (hanging requests included). */
  close(): Promise<void>;
}

interface StoredCall {
  readonly id: string;
  readonly phoneNumber: unknown;
  readonly createdAt: number;
  readonly outcome: MockOutcome;
  readonly idempotencyKey: string | null;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: 'json' | 'html';
  readonly headers?: Readonly<Record<string, string>>;
  readonly callId?: string;
}

const JSON_CONTENT_TYPE = 'application/json';
const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

function json(status: number, value: unknown, extra: Partial<Answer> = {}): Answer {
  return { status, body: `${JSON.stringify(value)}\n`, contentType: 'json', ...extra };
}

function html(status: number, text?: string, extra: Partial<Answer> = {}): Answer {
  return { status, body: htmlErrorPage(status, text), contentType: 'html', ...extra };
}

/** Python's `len()`: strings, lists, dicts; anything else raises (a 500 on the reference server). */
function pythonLength(value: unknown): number | null {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return null;
}

/** Python truthiness. */
function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mime = header.split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/**
 * Starts a mock of the Call API on 127.0.0.1 (see `docs/call-api.md`): by default it behaves exactly
 * like the reference server; each fault or feature is opt-in.
 *
 * @example
 * ```ts
 * const mock = await createMockCallApi({ timeFactor: 0.05, errorRate: 0.2 });
 * const provider = new HttpCallProvider({ baseUrl: mock.url });
 * // …
 * await mock.close();
 * ```
 */
export async function createMockCallApi(options: MockCallApiOptions = {}): Promise<MockCallApi> {
  const clock = options.clock ?? realClock;
  const timeFactor = options.timeFactor ?? 1;
  if (!Number.isFinite(timeFactor) || timeFactor <= 0) throw new TypeError(`timeFactor must be a positive number, got ${timeFactor}`);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`port must be 0..65535, got ${port}`);
  const host = options.host ?? '127.0.0.1';
  const initialFaults = mergeFaults(NO_FAULTS, options);

  let faults = initialFaults;
  let random = createPrng(seed);
  let requests: RecordedRequest[] = [];
  let seq = 0;
  const calls = new Map<string, StoredCall>();
  const byIdempotencyKey = new Map<string, string>();
  let dialTimes: number[] = [];
  const timers = new Set<unknown>();
  const listeners = new Set<(request: RecordedRequest) => void>();
  let closed = false;
  const decided = (record: RecordedRequest): void => {
    for (const listener of [...listeners]) {
      try {
        listener(record);
      } catch {
        // a throwing test listener must not break the mock
      }
    }
  };

  const callJson = (call: StoredCall): MockCallJson => {
    const { step, sinceMs } = stepAt(call.outcome, clock.now() - call.createdAt, timeFactor);
    return {
      id: call.id,
      phone_number: call.phoneNumber,
      status: step.status,
      created_at: pythonLocalIsoformat(call.createdAt),
      updated_at: pythonLocalIsoformat(call.createdAt + Math.round(sinceMs)),
      duration: step.duration,
    };
  };

  const outcomeFor = (phoneNumber: unknown): MockOutcome => {
    const text = typeof phoneNumber === 'string' ? phoneNumber : JSON.stringify(phoneNumber);
    for (const rule of faults.outcomes) {
      if (typeof rule.match === 'string' ? text.endsWith(rule.match) : new RegExp(rule.match.source, rule.match.flags.replace('g', '')).test(text)) {
        return rule.outcome;
      }
    }
    return 'completed';
  };

  const delay = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const handle = clock.setTimeout(() => {
        timers.delete(handle);
        resolve();
      }, ms);
      timers.add(handle);
    });

  /** The reference server's `POST /api/call`. */
  const createCall = (req: IncomingMessage, raw: string): Answer => {
    if (!isJsonContentType(req.headers['content-type'])) return html(415);
    let data: unknown = null;
    if (raw.trim() !== '') {
      try {
        data = JSON.parse(raw);
      } catch (error) {
        return html(400, `Failed to decode JSON object: ${(error as Error).message}`);
      }
    }
    // `if not data or 'phone_number' not in data`
    if (!pythonTruthy(data)) return json(400, { error: 'phone_number is required' });
    if (typeof data === 'number' || typeof data === 'boolean') return html(500); // `in` on a number raises
    if (typeof data === 'string') {
      return data.includes('phone_number') ? html(500) : json(400, { error: 'phone_number is required' });
    }
    if (Array.isArray(data)) {
      return data.includes('phone_number') ? html(500) : json(400, { error: 'phone_number is required' });
    }
    const record = data as Record<string, unknown>;
    if (!Object.hasOwn(record, 'phone_number')) return json(400, { error: 'phone_number is required' });
    const phoneNumber = record.phone_number;
    // `if not phone or len(phone) < 10`
    if (!pythonTruthy(phoneNumber)) return json(400, { error: 'Invalid phone number' });
    const length = pythonLength(phoneNumber);
    if (length === null) return html(500);
    if (length < 10) return json(400, { error: 'Invalid phone number' });

    const key = faults.honorIdempotencyKey ? (req.headers['idempotency-key'] as string | undefined) ?? null : null;
    if (key !== null) {
      const existingId = byIdempotencyKey.get(key);
      const existing = existingId === undefined ? undefined : calls.get(existingId);
      if (existing !== undefined) {
        if (JSON.stringify(existing.phoneNumber) !== JSON.stringify(phoneNumber)) {
          return json(422, { error: 'Idempotency-Key was already used with a different phone_number' });
        }
        return json(200, { success: true, call: callJson(existing) }, { callId: existing.id });
      }
    }
    const call: StoredCall = {
      id: randomUUID(),
      phoneNumber,
      createdAt: clock.now(),
      outcome: outcomeFor(phoneNumber),
      idempotencyKey: key,
    };
    calls.set(call.id, call);
    if (key !== null) byIdempotencyKey.set(key, call.id);
    return json(201, { success: true, call: callJson(call) }, { callId: call.id });
  };

  const readCall = (id: string): Answer => {
    const call = calls.get(id);
    if (call === undefined) return json(404, { error: 'Call not found' });
    return json(200, { success: true, call: callJson(call) }, { callId: call.id });
  };

  const rateLimited = (): Answer | null => {
    if (faults.rateLimitPerSecond <= 0) return null;
    const now = clock.now();
    dialTimes = dialTimes.filter((time) => time > now - 1_000);
    if (dialTimes.length < faults.rateLimitPerSecond) {
      dialTimes.push(now);
      return null;
    }
    const waitMs = (dialTimes[0] ?? now) + 1_000 - now;
    const retryAfter =
      faults.retryAfterFormat === 'seconds'
        ? String(Math.max(1, Math.ceil(waitMs / 1_000)))
        : new Date(Math.ceil((now + waitMs) / 1_000) * 1_000).toUTCString(); // whole seconds, never early
    return json(429, { error: 'Too Many Requests' }, { headers: { 'retry-after': retryAfter } });
  };

  const send = (res: ServerResponse, answer: Answer): void => {
    const body = Buffer.from(answer.body, 'utf8');
    res.writeHead(answer.status, {
      'content-type': answer.contentType === 'json' ? JSON_CONTENT_TYPE : HTML_CONTENT_TYPE,
      'content-length': String(body.length),
      server: 'mock-call-api',
      ...(answer.headers ?? {}),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://mock');
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: RecordedRequest = {
      seq: ++seq,
      method: req.method ?? 'GET',
      path: url.pathname,
      headers,
      body,
      time: clock.now(),
      answer: 'pending',
      fault: null,
      callId: null,
    };
    requests.push(record);
    const reply = (answer: Answer): void => {
      record.answer = answer.status;
      if (answer.callId !== undefined) record.callId = answer.callId;
      send(res, answer);
      decided(record);
    };

    if (url.pathname === '/health') {
      if (record.method === 'GET' || record.method === 'HEAD') reply(json(200, { status: 'healthy' }));
      else reply(html(405, undefined, { headers: { allow: 'GET, HEAD, OPTIONS' } }));
      return;
    }
    const isCreate = url.pathname === '/api/call';
    const readMatch = /^\/api\/call\/([^/]+)$/.exec(url.pathname);
    if (!isCreate && readMatch === null) {
      reply(html(404));
      return;
    }
    const method = record.method;
    if ((isCreate && method !== 'POST') || (readMatch !== null && method !== 'GET' && method !== 'HEAD')) {
      reply(html(405, undefined, { headers: { allow: isCreate ? 'OPTIONS, POST' : 'GET, HEAD, OPTIONS' } }));
      return;
    }

    const faulty = faults.faultMethods.includes(isCreate ? 'POST' : 'GET');
    if (faulty && faults.latencyMs > 0) await delay(faults.latencyMs);
    if (closed) return;
    if (faulty && (faults.hang || (faults.hangRate > 0 && random() < faults.hangRate))) {
      record.answer = 'hang';
      record.fault = 'hang';
      decided(record);
      return; // never answered; the socket is destroyed by the client or by close()
    }
    if (isCreate) {
      const limited = rateLimited();
      if (limited !== null) {
        record.fault = 'rate-limit';
        reply(limited);
        return;
      }
    }
    if (faulty && faults.errorRate > 0 && random() < faults.errorRate) {
      const statuses = faults.errorStatuses;
      record.fault = 'error';
      reply(html(statuses[Math.floor(random() * statuses.length)] ?? 500));
      return;
    }
    if (!isCreate) {
      reply(readCall(decodeURIComponent(readMatch?.[1] ?? '')));
      return;
    }
    const answer = createCall(req, raw);
    if (answer.callId !== undefined && faults.loseAnswerRate > 0 && random() < faults.loseAnswerRate) {
      record.answer = 'lost';
      record.fault = 'lose-answer';
      record.callId = answer.callId;
      req.socket.destroy();
      decided(record);
      return;
    }
    reply(answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, html(500));
      else res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  const api: MockCallApi = {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    get requests() {
      return requests;
    },
    get calls() {
      return [...calls.values()].map(callJson);
    },
    get faults() {
      return faults;
    },
    setFaults(partial) {
      faults = mergeFaults(faults, partial);
    },
    forgetAll() {
      calls.clear();
      byIdempotencyKey.clear();
    },
    reset() {
      calls.clear();
      byIdempotencyKey.clear();
      requests = [];
      seq = 0;
      dialTimes = [];
      faults = initialFaults;
      random = createPrng(seed);
    },
    onAnswer(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dialsTo(phoneNumber) {
      return requests.filter(
        (r) => r.method === 'POST' && r.path === '/api/call' && (r.body as { phone_number?: unknown } | undefined)?.phone_number === phoneNumber,
      );
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        for (const handle of timers) clock.clearTimeout(handle);
        timers.clear();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
    [Symbol.asyncDispose]() {
      return api.close();
    },
  };
  return api;
}

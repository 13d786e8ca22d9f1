import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyAuthorizer, createCallRouter, SSE_MAX_BUFFERED_BYTES, type CallRouter, type CallRouterScheduler } from '../src/index.js';
import { parseQueryString } from '../src/http/query-string.js';
import { readRequestUrl } from '../src/http/request-url.js';
import { expectProblem } from './support/expect-problem.js';
import { call } from './support/harness.js';

const fakeReq = (url: string, extra: Record<string, unknown> = {}): IncomingMessage => ({ url, headers: {}, ...extra }) as unknown as IncomingMessage;

function newScheduler(): { scheduler: CallScheduler; clock: FakeClock } {
  const clock = new FakeClock('2026-03-02T09:00:00Z');
  return { scheduler: new CallScheduler({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock }), clock };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('request URLs and query strings', () => {
  it('finds the mount path that Express and Connect strip from req.url', () => {
    expect(readRequestUrl(fakeReq('/calls?limit=2'))).toEqual({ path: '/calls', query: 'limit=2', mountPath: '', fullPath: '/calls' });
    expect(readRequestUrl(fakeReq('/calls/x', { originalUrl: '/api/calls/x' }))).toMatchObject({ path: '/calls/x', mountPath: '/api' });
    expect(readRequestUrl(fakeReq('/', { originalUrl: '/api' }))).toMatchObject({ path: '/', mountPath: '/api', fullPath: '/api' });
    expect(readRequestUrl(fakeReq('/', { originalUrl: '/api/?x=1' }))).toMatchObject({ path: '/', mountPath: '/api' });
    expect(readRequestUrl(fakeReq('http://host:80/api/calls?x#y'))).toMatchObject({ path: '/api/calls', query: 'x' });
  });

  it('keeps a + as a +, decodes %XX, keeps undecodable parts and repeated names', () => {
    const q = parseQueryString('to=+14155550123&to=%2B1&bad=%ZZ&flag&=x&a%20b=c+d');
    expect(q.get('to')).toEqual(['+14155550123', '+1']);
    expect(q.get('bad')).toEqual(['%ZZ']);
    expect(q.get('flag')).toEqual(['']);
    expect(q.get('')).toEqual(['x']);
    expect(q.get('a b')).toEqual(['c+d']);
  });
});

describe('apiKeyAuthorizer', () => {
  it('compares keys in constant time and accepts any of several keys', () => {
    const check = apiKeyAuthorizer(['alpha', 'beta'], { header: 'X-Key' });
    expect(check(fakeReq('/', { headers: { 'x-key': 'alpha' } }))).toBe(true);
    expect(check(fakeReq('/', { headers: { 'x-key': 'beta' } }))).toBe(true);
    expect(check(fakeReq('/', { headers: { 'x-key': 'alph' } }))).toBe(false);
    expect(check(fakeReq('/', { headers: { 'x-key': 'alphaa' } }))).toBe(false);
    expect(check(fakeReq('/', { headers: { 'x-key': '' } }))).toBe(false);
    expect(check(fakeReq('/', { headers: {} }))).toBe(false);
    expect(check(fakeReq('/', { headers: { 'x-api-key': 'alpha' } }))).toBe(false);
    expect(() => apiKeyAuthorizer('')).toThrow(TypeError);
    expect(() => apiKeyAuthorizer([])).toThrow(TypeError);
  });
});

describe('createCallRouter', () => {
  it('refuses bad options with a message that names them', () => {
    const { scheduler } = newScheduler();
    expect(() => createCallRouter({ scheduler: undefined as unknown as CallRouterScheduler })).toThrow(/scheduler/);
    expect(() => createCallRouter({ scheduler, basePath: 'api' })).toThrow(/basePath/);
    expect(() => createCallRouter({ scheduler, bodyLimit: 0 })).toThrow(/bodyLimit/);
    expect(() => createCallRouter({ scheduler, sseHeartbeatMs: 2 ** 31 })).toThrow(/sseHeartbeatMs/);
  });

  it('lists its route table', () => {
    const { scheduler } = newScheduler();
    const routes: CallRouter['routes'] = createCallRouter({ scheduler }).routes;
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /calls',
      'GET /calls',
      'GET /calls/{id}',
      'PATCH /calls/{id}',
      'POST /calls/{id}/cancel',
      'GET /events',
      'GET /health',
      'GET /openapi.json',
      // A CallScheduler has recurring calls: the series routes follow.
      'POST /series',
      'POST /series/preview',
      'GET /series',
      'GET /series/{id}',
      'PATCH /series/{id}',
      'POST /series/{id}/pause',
      'POST /series/{id}/resume',
      'POST /series/{id}/cancel',
    ]);
    expect(Object.isFrozen(routes)).toBe(true);
  });
});

describe('mounting', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
  });

  it('works as a plain node:http listener without next: 404 problem for every other path', async () => {
    const { scheduler } = newScheduler();
    const started = await listen(createCallRouter({ scheduler }));
    server = started.server;
    const created = await call(`${started.origin}/calls`, { method: 'POST', json: { to: '+14155550123' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/calls/${created.body.id}`);
    expectProblem(await call(`${started.origin}/elsewhere`), 404, 'NOT_FOUND');
    const doc = await call(`${started.origin}/openapi.json`);
    expect(doc.body.servers).toEqual([{ url: '/' }]);
  });

  it('works in a Connect-style stack (mount path stripped into req.url, originalUrl kept, no baseUrl)', async () => {
    const { scheduler } = newScheduler();
    const router = createCallRouter({ scheduler });
    // What Connect does for app.use('/v1', router), followed by a last handler.
    const stack = (req: IncomingMessage, res: ServerResponse): void => {
      const original = req.url ?? '/';
      const last = (): void => {
        res.statusCode = 418;
        res.end('last');
      };
      if (original === '/v1' || original.startsWith('/v1/') || original.startsWith('/v1?')) {
        Object.assign(req, { originalUrl: original, url: original.slice(3) || '/' });
        if (!(req.url ?? '').startsWith('/')) req.url = `/${req.url ?? ''}`;
        router(req, res, () => {
          req.url = original;
          last();
        });
      } else last();
    };
    const started = await listen(stack);
    server = started.server;
    const created = await call(`${started.origin}/v1/calls`, { method: 'POST', json: { to: '+14155550123' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/calls/${created.body.id}`);
    expect((await call(`${started.origin}/v1/calls/${created.body.id}`)).status).toBe(200);
    expect((await call(`${started.origin}/v1/openapi.json`)).body.servers).toEqual([{ url: '/v1' }]);
    // Mounted on a path of its own, the router answers everything under it.
    const unknown = expectProblem(await call(`${started.origin}/v1/nope`), 404, 'NOT_FOUND');
    expect(unknown.instance).toBe('/v1/nope');
    expect((await call(`${started.origin}/other`)).status).toBe(418);
  });

  it('mounted at the root of an app, passes paths that are not its own to next()', async () => {
    const { scheduler } = newScheduler();
    const router = createCallRouter({ scheduler });
    const started = await listen((req, res) =>
      router(req, res, () => {
        res.statusCode = 418;
        res.end('next');
      }),
    );
    server = started.server;
    expect((await call(`${started.origin}/health`)).status).toBe(200);
    expect((await call(`${started.origin}/index.html`)).status).toBe(418);
    expectProblem(await call(`${started.origin}/calls/a/b`), 404, 'NOT_FOUND');
  });
});

describe('slow SSE clients', () => {
  it('are disconnected once more than the buffer limit waits for them, and cleaned up', { timeout: 15_000 }, async () => {
    const { scheduler } = newScheduler();
    const router = createCallRouter({ scheduler });
    const started = await listen(router);
    try {
      // The server side of the connection closes although the client never read.
      const closed = new Promise<void>((resolve, reject) => {
        started.server.once('connection', (socket) => socket.once('close', () => resolve()));
        setTimeout(() => reject(new Error('the server never dropped the client')), 8000).unref();
      });
      // The stream listens before its headers leave: once they arrive, its listeners are there.
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${started.origin}/events`, (res) => {
          res.pause(); // never read
          res.on('error', () => undefined);
          resolve();
        });
        req.on('error', () => undefined);
        req.end();
      });
      expect(scheduler.listenerCount('call:scheduled')).toBeGreaterThan(0);
      const padding = 'x'.repeat(15_000);
      let sent = 0;
      for (let i = 0; i < 60 && scheduler.listenerCount('call:scheduled') > 0; i++) {
        await scheduler.scheduleMany(Array.from({ length: 20 }, () => ({ to: '+14155550123', metadata: { padding } })));
        sent += 20 * padding.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(scheduler.listenerCount('call:scheduled')).toBe(0);
      expect(sent).toBeGreaterThan(SSE_MAX_BUFFERED_BYTES);
      expect(sent).toBeLessThan(60 * 20 * padding.length);
      await closed;
    } finally {
      await close(started.server);
    }
  });
});

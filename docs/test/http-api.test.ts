import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { createCallRouter } from '@call-scheduler/http-adapter';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeBlocks } from './support/code-blocks.js';

// docs/http-api.md: its route table lists exactly the router's routes, and its example problem is
// what the router answers.
const guide = readFileSync(path.resolve(import.meta.dirname, '../http-api.md'), 'utf8');
const clock = new FakeClock('2026-11-21T10:00:00Z');
const scheduler = new CallScheduler({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock });
const router = createCallRouter({ scheduler, basePath: '/api', webhook: { unsigned: true }, purge: { unprotected: true } });
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(router).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await scheduler.stop();
});

it('lists every route of the router, and no other', () => {
  const documented = [...guide.matchAll(/^\| `(GET|POST|PATCH|PUT|DELETE) (\/[^`]*)` \|/gm)].map((m) => `${m[1]} ${m[2]}`);
  const served = router.routes.map((r) => `${r.method} ${r.path}`);
  expect([...documented].sort()).toEqual([...served].sort());
});

it('shows the problem the router really answers for a bad number', async () => {
  const shown = codeBlocks(guide).find((b) => b.lang === 'json');
  const response = await fetch(`${base}/api/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: '12' }),
  });
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await response.json()).toEqual(JSON.parse(shown!.code));
});

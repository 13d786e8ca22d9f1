import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import express from 'express';
import express4 from 'express4';
import { createCallRouter, type CallRouter, type CallRouterOptions, type CallRouterScheduler } from '../../src/index.js';

/** How the router is served in a test. */
export type Flavor = 'express5' | 'express4' | 'node';

/** Every flavor, for `describe.each`. */
export const FLAVORS: readonly Flavor[] = ['express5', 'express4', 'node'];

/** A running server around a real scheduler on a fake clock. */
export interface Harness {
  /** `http://127.0.0.1:port/api` */
  readonly api: string;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  readonly scheduler: CallScheduler;
  readonly store: MemoryStore;
  readonly clock: FakeClock;
  readonly provider: FakeCallProvider;
  readonly router: CallRouter;
  readonly server: Server;
  /** Errors reported through `onError`. */
  readonly reported: unknown[];
  /**
   * Resolves once the server has no request in progress: every response it started (SSE streams
   * included) has closed and the router's own close handlers have run.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  readonly flavor: Flavor;
  /** Router options besides `scheduler`. */
  readonly router?: Omit<CallRouterOptions, 'scheduler'>;
  /** Put `express.json()` in front of the router (Express flavors only). */
  readonly expressJson?: boolean;
  /** Start the scheduler (it then dials due calls when the clock advances). @default true */
  readonly start?: boolean;
  /** Serve a wrapper of the real scheduler instead of the scheduler itself. */
  readonly wrapScheduler?: (scheduler: CallScheduler) => CallRouterScheduler;
  /** Serve the real scheduler through {@link forwardingScheduler}, with these of its methods replaced. */
  readonly schedulerOverrides?: (scheduler: CallScheduler) => Partial<CallRouterScheduler>;
}

/** Answers a test route outside the router, to show fall-through to `next()`. */
function outside(_req: unknown, res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/plain');
  res.end('outside');
}

/** Starts a real server on 127.0.0.1 (ephemeral port) with the router mounted at `/api`. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const clock = new FakeClock('2026-03-02T09:00:00Z');
  const store = new MemoryStore();
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store, provider, clock });
  if (options.start !== false) await scheduler.start();
  const reported: unknown[] = [];
  const routerOptions: CallRouterOptions = {
    scheduler: options.schedulerOverrides ? forwardingScheduler(scheduler, options.schedulerOverrides(scheduler)) : (options.wrapScheduler?.(scheduler) ?? scheduler),
    onError: (error) => reported.push(error),
    ...options.router,
  };
  let router: CallRouter;
  let server: Server;
  switch (options.flavor) {
    case 'express5': {
      router = createCallRouter(routerOptions);
      const app = express();
      if (options.expressJson === true) app.use(express.json());
      app.use('/api', router);
      app.get('/outside', outside);
      server = createServer(app);
      break;
    }
    case 'express4': {
      router = createCallRouter(routerOptions);
      const app = express4();
      if (options.expressJson === true) app.use(express4.json());
      app.use('/api', router);
      app.get('/outside', outside);
      server = createServer(app);
      break;
    }
    case 'node': {
      router = createCallRouter({ basePath: '/api', ...routerOptions });
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        router(req, res, () => outside(req, res));
      });
      break;
    }
  }
  const idle = trackOpenResponses(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    api: `${origin}/api`,
    origin,
    scheduler,
    store,
    clock,
    provider,
    router,
    server,
    reported,
    idle,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await scheduler.stop({ timeoutMs: 0 }).catch(() => undefined);
    },
  };
}

/**
 * Counts the server's responses in progress; the returned function resolves when none is left.
 * A response's `close` listeners run in order within one emit, and this one is added before the
 * router's, so the count drops in a microtask after all of them (the router's clean-up included).
 */
export function trackOpenResponses(server: Server): () => Promise<void> {
  let open = 0;
  let waiters: (() => void)[] = [];
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    open++;
    res.once('close', () =>
      queueMicrotask(() => {
        open--;
        if (open > 0) return;
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      }),
    );
  });
  return () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));
}

/** A {@link CallRouterScheduler} that forwards to `scheduler`, with some members replaced. */
export function forwardingScheduler(scheduler: CallScheduler, overrides: Partial<CallRouterScheduler> = {}): CallRouterScheduler {
  return {
    clock: scheduler.clock,
    schedule: (input) => scheduler.schedule(input),
    get: (id) => scheduler.get(id),
    list: (query) => scheduler.list(query),
    cancel: (id) => scheduler.cancel(id),
    reschedule: (id, change) => scheduler.reschedule(id, change),
    listEvents: (query) => scheduler.listEvents(query),
    handleProviderStatus: (update) => scheduler.handleProviderStatus(update),
    health: () => scheduler.health(),
    purge: (options) => scheduler.purge(options),
    on: (event, listener) => scheduler.on(event, listener),
    off: (event, listener) => scheduler.off(event, listener),
    ...overrides,
  };
}

/** Rejects after `ms` (real time) unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A parsed JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A fetch with a timeout; returns the response and its parsed body. */
export async function call(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Json; text: string }> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body, text };
}

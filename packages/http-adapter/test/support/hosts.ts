import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallScheduler, CallStore } from '@call-scheduler/core';
import { createCallRouter, type CallRouterOptions } from '../../src/index.js';
import { trackOpenResponses } from './harness.js';
import type { SseMessage } from './sse-client.js';

/** One host of a multi-host test: a scheduler served by its own router on its own port. */
export interface Host {
  readonly scheduler: CallScheduler;
  /** `http://127.0.0.1:port/api` */
  readonly api: string;
  readonly server: Server;
  /** Resolves once the server has no response in progress (see `trackOpenResponses`). */
  readonly idle: () => Promise<void>;
  /** Errors reported through `onError`. */
  readonly reported: unknown[];
}

/** Serves `scheduler` at `/api` on an ephemeral port of 127.0.0.1. */
export async function serveHost(scheduler: CallScheduler, options: Omit<CallRouterOptions, 'scheduler' | 'basePath' | 'onError'> = {}): Promise<Host> {
  const reported: unknown[] = [];
  const server = createServer(createCallRouter({ scheduler, basePath: '/api', onError: (error) => reported.push(error), ...options }));
  const idle = trackOpenResponses(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { scheduler, api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, server, idle, reported };
}

/** Closes a host's server and stops its scheduler. */
export async function stopHost(host: Host): Promise<void> {
  host.server.closeAllConnections();
  await new Promise<void>((resolve) => host.server.close(() => resolve()));
  await host.scheduler.stop({ timeoutMs: 0 }).catch(() => undefined);
}

/** The cursors of every stored event after `after`, in log order. */
export async function storedCursors(store: CallStore, after: string | null = null): Promise<string[]> {
  const out: string[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.listEvents({ after: cursor, limit: 1000 });
    out.push(...page.items.map((event) => event.cursor));
    if (page.items.length < 1000) return out;
    cursor = page.nextCursor;
  }
}

/** The SSE ids of messages. */
export const ids = (messages: readonly SseMessage[]): string[] => messages.map((m) => m.id ?? '');

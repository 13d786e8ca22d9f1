import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ServerConfig } from '../src/config.js';
import { startServer, type RunningServer, type StartServerOptions } from '../src/server.js';

/** A temporary folder, removed by the returned `remove()`. */
export function tempDir(prefix = 'call-scheduler-example-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 25 ms until it returns a value other than `undefined`; bounded by `ms`. */
export async function eventually<T>(ms: number, what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A test server on 127.0.0.1 with a free port and a SQLite file in `dir`; logs are collected.
 * Polling is fast (`polling: 'server default'` keeps the server's own, scaled to the mock's time factor).
 */
export async function startTestServer(
  dir: string,
  env: Record<string, string> = {},
  { polling = { minIntervalMs: 40, maxIntervalMs: 100, targetLagMs: 50 }, ...options }: Omit<StartServerOptions, 'polling'> & { polling?: StartServerOptions['polling'] | 'server default' } = {},
): Promise<{ running: RunningServer; config: ServerConfig; logs: string[]; errors: string[] }> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_FILE: join(dir, 'calls.sqlite'), MOCK_TIME_FACTOR: '0.05', ...env });
  const logs: string[] = [];
  const errors: string[] = [];
  const running = await startServer(config, {
    log: (line) => logs.push(line),
    logError: (line) => errors.push(line),
    ...(polling === 'server default' ? {} : { polling }),
    ...options,
  });
  return { running, config, logs, errors };
}

/** One Server-Sent Event as received. */
export interface ReceivedEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: { call?: { id: string; status: string }; event?: { id: number; type: string; status: string } } & Record<string, unknown>;
}

/** Reads `url` as an SSE stream in the background; `waitFor` waits (bounded) for a matching event. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await within(5_000, 'the event stream to open', fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal }));
  if (!response.ok || response.body === null) throw new Error(`GET ${url} answered ${response.status}`);
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) as ReceivedEvent['data'] });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    async waitFor(ms: number, what: string, match: (event: ReceivedEvent) => boolean): Promise<ReceivedEvent> {
      return within(
        ms,
        what,
        new Promise<ReceivedEvent>((resolve) => {
          const check = (): void => {
            const found = events.find(match);
            if (found !== undefined) {
              waiters.delete(check);
              resolve(found);
            }
          };
          waiters.add(check);
          check();
        }),
      );
    },
    async close(): Promise<void> {
      controller.abort();
      await reading;
    },
  };
}

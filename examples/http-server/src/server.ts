import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CallScheduler, type CallSchedulerOptions, type PollingOptions } from '@call-scheduler/core';
import { CALL_API_EXPECTED_DWELL_MS, HttpCallProvider } from '@call-scheduler/core/http';
import { createMockCallApi, type MockCallApi } from '@call-scheduler/mock-call-api';
import { PostgresStore } from '@call-scheduler/store-postgres';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { attachEventLog } from './event-log.js';
import { createPrometheusMetrics } from './metrics.js';

/**
 * The package folder (`examples/http-server`): this file is `src/server.ts` when run from sources
 * and bundled into `dist/main.js` when built, one level down either way.
 */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Options of {@link startServer} that are not environment settings. */
export interface StartServerOptions {
  /** Where log lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Where error lines go. @default console.error */
  readonly logError?: (line: string) => void;
  /** The folder relative paths (the default database file, `public/`) are resolved against. @default {@link PACKAGE_DIR} */
  readonly packageDir?: string;
  /**
   * How live calls are polled. The example polls briskly, so that a status change shows on the
   * page within half a second: `{ minIntervalMs: 250, maxIntervalMs: 1000, targetLagMs: 500 }`,
   * scaled down with the bundled mock's `MOCK_TIME_FACTOR` when it is below 1 (a faster mock is
   * polled faster, so that no status is missed).
   */
  readonly polling?: PollingOptions;
  /** Other scheduler options (tests shorten `maxRingMs`, for instance). */
  readonly scheduler?: Omit<CallSchedulerOptions, 'store' | 'provider' | 'polling'>;
  /** The time zone of the log's clock stamps. @default the machine's */
  readonly logTimeZone?: string;
  /** The folder a relative `DATABASE_FILE` is resolved against. @default process.cwd() */
  readonly cwd?: string;
}

/** A running example server. */
export interface RunningServer extends AsyncDisposable {
  /** The page's URL, e.g. `http://127.0.0.1:3000/`. */
  readonly url: string;
  /** The base URL of the Call API it dials through. */
  readonly callApiUrl: string;
  /** The SQLite file (unused when `DATABASE_URL` chose PostgreSQL). */
  readonly databaseFile: string;
  /** The scheduler. */
  readonly scheduler: CallScheduler;
  /** The bundled mock Call API, when `CALL_API_URL` was not given. */
  readonly mock: MockCallApi | undefined;
  /** The HTTP server. */
  readonly server: Server;
  /**
   * Shuts down in order: stops accepting connections, lets in-flight dials finish (up to
   * `timeoutMs`, default the config's `shutdownTimeoutMs`), ends open event streams, closes the
   * store, then the mock. Safe to call twice.
   */
  close(timeoutMs?: number): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use (set PORT to another port)`
          : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
            ? `cannot listen on ${host} (set HOST to an address of this machine)`
            : error.message;
      reject(new Error(`Cannot start the server: ${reason}`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolvePromise(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    if (!server.listening) {
      resolvePromise();
      return;
    }
    server.close(() => resolvePromise());
  });
}

function defaultPolling(timeFactor: number): PollingOptions {
  const scale = Math.min(1, timeFactor);
  return {
    minIntervalMs: Math.max(20, Math.round(250 * scale)),
    maxIntervalMs: Math.max(50, Math.round(1000 * scale)),
    targetLagMs: Math.max(20, Math.round(500 * scale)),
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts everything the example needs: the bundled mock Call API (unless `config.callApiUrl` is
 * set), the SQLite store, the scheduler dialing through `HttpCallProvider`, and the HTTP server
 * with the API at `/api` and the page at `/`. If a step fails, what was started is closed again.
 */
export async function startServer(config: ServerConfig, options: StartServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const logError = options.logError ?? ((line: string) => console.error(line));
  const packageDir = options.packageDir ?? PACKAGE_DIR;
  const cleanups: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the original error is what matters.
      }
    }
  };

  try {
    let mock: MockCallApi | undefined;
    let callApiUrl = config.callApiUrl;
    if (callApiUrl === undefined) {
      mock = await createMockCallApi({ host: '127.0.0.1', port: config.mockCallApiPort ?? 0, timeFactor: config.mockTimeFactor });
      const started = mock;
      cleanups.push(() => started.close());
      callApiUrl = mock.url;
    }

    const databaseFile =
      config.databaseFile === undefined
        ? resolve(packageDir, 'data', 'calls.sqlite')
        : isAbsolute(config.databaseFile) || config.databaseFile === ':memory:'
          ? config.databaseFile
          : resolve(options.cwd ?? process.cwd(), config.databaseFile);
    // DATABASE_URL: PostgreSQL, which several example servers (hosts) can share; otherwise the SQLite file.
    if (config.databaseUrl === undefined && databaseFile !== ':memory:') mkdirSync(dirname(databaseFile), { recursive: true });
    const store = config.databaseUrl !== undefined ? new PostgresStore({ connectionString: config.databaseUrl }) : new SqliteStore({ filename: databaseFile });
    cleanups.push(() => store.close());

    // The bundled mock declares the Call API contract's dwell times scaled by MOCK_TIME_FACTOR.
    const mockFactor = config.mockTimeFactor;
    const provider = new HttpCallProvider({
      baseUrl: callApiUrl,
      ...(mock === undefined ? {} : { expectedDwellMs: Object.fromEntries(Object.entries(CALL_API_EXPECTED_DWELL_MS).map(([status, ms]) => [status, Math.max(1, Math.round(ms * mockFactor))])) }),
    });
    // GET /metrics: the scheduler's OpenTelemetry instruments through the Prometheus exporter.
    const metrics = createPrometheusMetrics();
    cleanups.push(() => metrics.shutdown());
    const scheduler = new CallScheduler({
      telemetry: { meterProvider: metrics.meterProvider },
      ...options.scheduler,
      store,
      provider,
      polling: options.polling ?? defaultPolling(mock === undefined ? 1 : config.mockTimeFactor),
    });
    const detachLog = attachEventLog(scheduler, {
      write: log,
      writeError: logError,
      ...(options.logTimeZone === undefined ? {} : { timeZone: options.logTimeZone }),
    });
    await scheduler.start();
    cleanups.push(async () => {
      await scheduler.stop({ timeoutMs: 0 });
      detachLog();
    });

    const app = createApp({
      scheduler,
      publicDir: resolve(packageDir, 'public'),
      apiKey: config.apiKey,
      metrics,
      onError: (error) => logError(`API request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    const server = createServer(app);
    // A dropped keep-alive connection should not hold a shutdown for long.
    server.keepAliveTimeout = 5_000;
    const address = await listen(server, config.port, config.host);
    cleanups.push(() => closeServer(server));
    const url = `http://${urlHost(config.host)}:${address.port}/`;

    let closing: Promise<void> | undefined;
    const close = (timeoutMs = config.shutdownTimeoutMs): Promise<void> => {
      closing ??= (async () => {
        const closed = closeServer(server); // stops accepting; resolves when every connection has ended
        server.closeIdleConnections();
        await scheduler.stop({ timeoutMs }); // in-flight dials finish, live calls are handed back
        server.closeAllConnections(); // open event streams end (browsers reconnect to the next run)
        await closed;
        detachLog();
        await store.close();
        await metrics.shutdown();
        await mock?.close();
      })();
      return closing;
    };

    return {
      url,
      callApiUrl,
      databaseFile,
      scheduler,
      mock,
      server,
      close,
      [Symbol.asyncDispose]: () => close(),
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

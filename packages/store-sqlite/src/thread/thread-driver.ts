// Owns: the main-thread side of a SqliteStore with `thread: 'worker'`: the store thread's life, and every operation sent to it and answered.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CallStoreFeatures } from '@call-scheduler/core';
import { SERIES_METHODS, type FullStoreDriver } from '@call-scheduler/core/internal';
import { SqliteStoreDriver } from '../sqlite-store-driver.js';
import type { SqliteStoreFileOptions } from '../sqlite-store-options.js';
import { receiveError, type OperationAnswer, type OperationRequest } from './thread-messages.js';

/** Every operation of the driver the store thread runs: the contract's, the figures', retention's, and the series' ({@link SERIES_METHODS}). */
const OPERATIONS = [
  'insertCalls',
  'getCall',
  'getCallDetails',
  'findCallByProviderCallId',
  'listCalls',
  'updateCall',
  'listEvents',
  'eventLogHead',
  'claimDueCalls',
  'claimExpiredLeases',
  'claimDueCallsWithWakeUp',
  'countAttempts',
  'nextWakeUpAt',
  'nextWakeUpTimes',
  'countByStatus',
  'dueSummary',
  'purgeCalls',
  ...SERIES_METHODS,
] as const satisfies readonly (keyof FullStoreDriver)[];

/**
 * Run from source (this file is `.ts`: the repository's own tests, examples and benchmarks). The
 * built package starts `dist/store-thread.js`; from source the store thread's code is bundled once
 * per process with esbuild (a dev dependency of the repository) and run with `eval`, because a
 * worker thread does not inherit the TypeScript loader of its process.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The bundled store thread, when run from source (made once per process). */
let sourceBundle: Promise<string> | undefined;

/** The store thread's code as one CommonJS script: its TypeScript sources and dependencies, better-sqlite3 left to `require`. */
function bundleFromSource(): Promise<string> {
  sourceBundle ??= (async () => {
    const entry = new URL('../store-thread.ts', import.meta.url);
    const require = createRequire(import.meta.url);
    const nativeDriver = require.resolve('better-sqlite3');
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      conditions: ['@call-scheduler/source'],
      define: { 'import.meta.url': JSON.stringify(entry.href) },
      logLevel: 'silent',
      plugins: [
        {
          name: 'native-driver-external',
          setup(b) {
            b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: nativeDriver, external: true }));
          },
        },
      ],
    });
    const file = result.outputFiles[0];
    if (file === undefined) throw new Error('esbuild wrote no store thread');
    return file.text;
  })();
  return sourceBundle;
}

/** A new store thread: the built `store-thread.js` beside this module, or the source bundled. */
async function startThread(workerData: unknown): Promise<Worker> {
  if (!FROM_SOURCE) return new Worker(new URL('./store-thread.js', import.meta.url), { workerData });
  return new Worker(await bundleFromSource(), { eval: true, workerData });
}

/**
 * The driver of a SqliteStore whose SQLite work runs on a thread of its own: the same driver
 * (`sqliteStoreDriver`), on a worker thread, each operation a message and its answer. The main
 * thread's event loop, which fires the dials, never waits for a statement, a commit or a
 * checkpoint; the guard (arguments, open state, errors) stays on the main thread.
 */
export class ThreadedSqliteDriver {
  readonly name = 'SqliteStore';
  readonly features: CallStoreFeatures;
  readonly #options: SqliteStoreFileOptions;
  readonly #pending = new Map<number, { readonly resolve: (value: unknown) => void; readonly reject: (error: Error) => void }>();
  #nextId = 1;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;
  #closing = false;

  /** Checks the options as SqliteStore does (opens nothing). */
  constructor(options: SqliteStoreFileOptions) {
    this.features = new SqliteStoreDriver(options).features;
    const { thread: _thread, ...rest } = options;
    this.#options = rest;
  }

  /** Starts the store thread and opens the database there (pragmas, migrations). */
  async open(): Promise<void> {
    const worker = await startThread({ options: this.#options });
    this.#worker = worker;
    this.#exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        this.#worker = undefined;
        this.#failAll(new Error(`SqliteStore's store thread exited (code ${code})`));
        resolve();
      });
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('message', (answer: OperationAnswer) => {
      const pending = this.#pending.get(answer.id);
      if (pending === undefined) return;
      this.#pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.value);
      else pending.reject(receiveError(answer.error));
    });
    // The thread keeps the process alive only while an operation waits for its answer.
    worker.unref();
    try {
      await this.call('open', []);
    } catch (error) {
      await worker.terminate();
      this.#worker = undefined;
      throw error;
    }
  }

  /** Closes the database on the store thread, then waits for the thread to end. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    // Referenced until it has exited: the process waits for the connection to be closed.
    this.#closing = true;
    worker.ref();
    try {
      await this.call('close', []);
    } finally {
      await this.#exited;
    }
  }

  /** Sends operation `op` to the store thread; settles with its answer. */
  call(op: string, args: readonly unknown[]): Promise<unknown> {
    const worker = this.#worker;
    if (worker === undefined) return Promise.reject(new Error("SqliteStore's store thread is not running"));
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, {
        resolve: (value) => {
          this.#settled(worker);
          resolve(value);
        },
        reject: (error: Error) => {
          this.#settled(worker);
          reject(error);
        },
      });
      const request: OperationRequest = { id, op, args };
      try {
        worker.postMessage(request);
      } catch (error) {
        // Arguments that cannot cross to the thread (not cloneable): nothing was sent.
        this.#pending.get(id)?.reject(error instanceof Error ? error : new Error(String(error)));
        this.#pending.delete(id);
        this.#settled(worker);
      }
    });
  }

  #settled(worker: Worker): void {
    if (this.#pending.size === 0 && !this.#closing) worker.unref();
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}

/** A {@link ThreadedSqliteDriver} with every operation of the store, each sent to the store thread. */
export function threadedSqliteDriver(options: SqliteStoreFileOptions): FullStoreDriver {
  const driver = new ThreadedSqliteDriver(options);
  const methods = Object.fromEntries(OPERATIONS.map((op) => [op, (...args: unknown[]) => driver.call(op, args)]));
  return Object.assign(driver, methods) as unknown as FullStoreDriver;
}

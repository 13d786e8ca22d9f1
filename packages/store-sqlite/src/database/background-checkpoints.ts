// Owns: WAL checkpoints off the event loop: a worker thread with its own connection copies the WAL into the database file and fsyncs it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * `PRAGMA wal_autocheckpoint` of the store's own connection while checkpoints run in the
 * background: a safety net only (about 40 MB of WAL at 4 KiB pages), reached when the worker has
 * not started yet or lags far behind. SQLite's default, 1000 pages, is restored if the worker fails.
 */
export const SAFETY_NET_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's own default of `wal_autocheckpoint`: checkpoints in the committing connection. */
export const INLINE_AUTOCHECKPOINT_PAGES = 1000;
/** Writes through the store before the worker starts: a short-lived store (a test, a script) never pays for a thread. */
const WRITES_BEFORE_START = 64;
/** How often the worker checkpoints what was committed since its last turn. */
const INTERVAL_MS = 100;

/**
 * The worker's code (CommonJS, run with `eval`: no file to resolve in a bundle). Every turn it
 * runs a `PASSIVE` checkpoint, which never waits for the store's readers or writers and never
 * makes them wait: it copies the frames nobody needs any more, fsyncs, and lets the next writer
 * start the WAL from its beginning. A busy or failed turn is retried on the next one; an error
 * the connection cannot recover from ends the worker, and the store then checkpoints inline.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.filename, { fileMustExist: true, timeout: 0 });
let timer;
function turn() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    if (error === null || typeof error !== 'object' || error.code !== 'SQLITE_BUSY') throw error;
  }
  timer = setTimeout(turn, workerData.intervalMs); // clock-ok: the checkpoint thread's own cadence, disk maintenance, never scheduling
}
timer = setTimeout(turn, workerData.intervalMs); // clock-ok: as above
parentPort.once('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Runs the WAL checkpoints of one database file on a worker thread, so that the copy into the
 * database file and its fsync never block the event loop of the process that dials. The store's
 * own connection keeps only a far-off automatic checkpoint as a safety net (see
 * {@link SAFETY_NET_AUTOCHECKPOINT_PAGES}).
 *
 * The worker starts after the first few writes, and it is `unref`ed: it never keeps the process
 * alive. When it cannot start or fails, `onFailure` is called once (the store then restores
 * inline checkpoints) and nothing else changes.
 */
export class BackgroundCheckpoints {
  readonly #filename: string;
  readonly #onFailure: (error: unknown) => void;
  readonly #driverPath: string | undefined;
  #writes = 0;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;
  #closed = false;

  /** `driverPath` (tests): the better-sqlite3 module the worker loads; by default the one this package resolves. */
  constructor(filename: string, onFailure: (error: unknown) => void, driverPath?: string) {
    this.#filename = filename;
    this.#onFailure = onFailure;
    this.#driverPath = driverPath;
  }

  /** Counts one write of the store; the worker starts at the {@link WRITES_BEFORE_START}th. */
  noteWrite(): void {
    if (this.#writes >= WRITES_BEFORE_START) return;
    this.#writes += 1;
    if (this.#writes === WRITES_BEFORE_START) this.#start();
  }

  /** True while the worker runs (read by the tests). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  #start(): void {
    if (this.#closed) return;
    let worker: Worker;
    try {
      const driverPath = this.#driverPath ?? createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, filename: this.#filename, intervalMs: INTERVAL_MS } });
    } catch (error) {
      this.#onFailure(error);
      return;
    }
    worker.unref();
    this.#worker = worker;
    let failed = false;
    worker.on('error', (error) => {
      failed = true;
      this.#worker = undefined;
      if (!this.#closed) this.#onFailure(error);
    });
    this.#exited = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        if (!failed && !this.#closed) {
          this.#worker = undefined;
          this.#onFailure(new Error('the checkpoint worker stopped'));
        }
        resolve();
      });
    });
  }

  /** Stops the worker and waits until its connection is closed (before the store closes its own). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    // Referenced again until it has exited: an unreferenced worker's exit would not keep the process waiting for it.
    worker.ref();
    worker.postMessage('close');
    await this.#exited;
  }
}

import { resolve } from 'node:path';

/**
 * Write transactions of the handles of one process on one file take turns through this lock.
 *
 * better-sqlite3 waits for SQLite's write lock synchronously: while one handle's write transaction
 * waits between two of its statements for the event loop, another handle's `BEGIN IMMEDIATE`
 * would block that very event loop for the whole `busy_timeout` and then fail with `SQLITE_BUSY`.
 * Waiting here (asynchronously) for the other handle's `COMMIT` first avoids it. Uncontended, it
 * costs one resolved promise per write transaction (one per group commit).
 */
export class WriteTurns {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves when it is this caller's turn, with the function that ends the turn (safe to call twice). */
  async take(): Promise<() => void> {
    const previous = this.#tail;
    let end!: () => void;
    const mine = new Promise<void>((resolveTurn) => (end = resolveTurn));
    this.#tail = previous.then(() => mine);
    await previous;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      end();
    };
  }
}

interface OpenFile {
  handles: number;
  readonly turns: WriteTurns;
}

/** The database files that a `SqliteStore` of this process has open, by absolute path. */
const openFiles = new Map<string, OpenFile>();

/** A file registered by {@link claimFile}. */
export interface ClaimedFile {
  /** The lock every handle of this process on the file takes for its write transactions. */
  readonly turns: WriteTurns;
  /** Unregisters this handle (safe to call twice). */
  readonly release: () => void;
}

/**
 * Registers a handle on `filename`. Returns `undefined` when another store of this process holds
 * the file and `peer` is false: one store per file per process, shared by everything in the
 * process, is the normal setup. With `peer`, the handle is a second one on purpose (the
 * conformance suite's two-handle tests); the handles take turns for write transactions through
 * {@link WriteTurns}. `:memory:` is never shared, so it is not registered.
 */
export function claimFile(filename: string, peer: boolean): ClaimedFile | undefined {
  if (filename === ':memory:') return { turns: new WriteTurns(), release: () => undefined };
  const path = resolve(filename);
  let file = openFiles.get(path);
  if (file !== undefined && !peer) return undefined;
  if (file === undefined) {
    file = { handles: 0, turns: new WriteTurns() };
    openFiles.set(path, file);
  }
  file.handles += 1;
  const claimed = file;
  let released = false;
  return {
    turns: claimed.turns,
    release: () => {
      if (released) return;
      released = true;
      claimed.handles -= 1;
      if (claimed.handles === 0 && openFiles.get(path) === claimed) openFiles.delete(path);
    },
  };
}

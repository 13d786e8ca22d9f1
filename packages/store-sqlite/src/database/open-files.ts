import { resolve } from 'node:path';

/**
 * The database files that a {@link SqliteStore} of this process has open, by absolute path.
 *
 * Two connections of one process must not share a file: better-sqlite3 waits for a lock
 * synchronously, so while one store's write transaction waits between two of its statements for
 * the event loop, the other store's `BEGIN IMMEDIATE` blocks that very event loop for the whole
 * `busy_timeout` and then fails with `SQLITE_BUSY`. One store per file per process, shared by
 * everything in the process, avoids it (processes do not have the problem: each has its own loop).
 */
const openFiles = new Set<string>();

/**
 * Registers `filename` as open; returns the function that releases it, or `undefined` when another
 * store of this process holds it. `:memory:` is never shared, so it is not registered.
 */
export function claimFile(filename: string): (() => void) | undefined {
  if (filename === ':memory:') return () => undefined;
  const path = resolve(filename);
  if (openFiles.has(path)) return undefined;
  openFiles.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openFiles.delete(path);
  };
}

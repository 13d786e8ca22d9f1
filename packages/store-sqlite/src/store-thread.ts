// Owns: the store thread of a SqliteStore with `thread: 'worker'`: the whole SQLite driver (connection, group commit, checkpoints) runs here and answers the main thread's operations.
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteStoreDriver } from './sqlite-store-driver.js';
import type { SqliteStoreFileOptions } from './sqlite-store-options.js';
import { withSqliteSeries } from './series/sqlite-series.js';
import { sendError, type OperationAnswer, type OperationRequest } from './thread/thread-messages.js';

const port = parentPort;
if (port === null) throw new Error('store-thread.ts runs as a worker thread of SqliteStore');
const options = (workerData as { readonly options: SqliteStoreFileOptions }).options;
const driver = withSqliteSeries(sqliteStoreDriver(options)) as unknown as Record<string, unknown> & { open(): Promise<void>; close(): Promise<void> };

/** Sends `message`; an answer that cannot cross (not cloneable) goes back as that error instead. */
function answer(message: OperationAnswer): void {
  try {
    port?.postMessage(message);
  } catch (error) {
    port?.postMessage({ id: message.id, ok: false, error: sendError(error) } satisfies OperationAnswer);
  }
}

port.on('message', (request: OperationRequest) => {
  const { id, op, args } = request;
  const run = async (): Promise<unknown> => {
    const method = driver[op];
    if (typeof method !== 'function') throw new Error(`SqliteStore's store thread has no operation ${op}`);
    return (method as (...a: unknown[]) => unknown).apply(driver, args as unknown[]);
  };
  run().then(
    (value) => answer({ id, ok: true, value }),
    (error: unknown) => answer({ id, ok: false, error: sendError(error) }),
  ).finally(() => {
    // After `close`, failed or not, the thread has nothing left to do: its port closes and it
    // exits (ending the thread releases whatever the failed close left open).
    if (op === 'close') port.close();
  });
});

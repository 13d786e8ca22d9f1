import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isCallSchedulerError } from '@call-scheduler/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { BackgroundCheckpoints } from '../src/database/background-checkpoints.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';

/**
 * The WAL's checkpoint sequence number (big-endian, bytes 12 to 15 of its header): SQLite adds one
 * each time a writer starts the WAL again from its beginning, which it does only after a
 * checkpoint has copied every frame into the database file.
 */
function walRestarts(file: string): number {
  if (!existsSync(`${file}-wal`)) return 0;
  const fd = openSync(`${file}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    return readSync(fd, header, 0, 32, 0) === 32 ? header.readUInt32BE(12) : 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes 64 calls one by one (the worker starts at the 64th write), then up to `rounds` times
 * gives the worker a turn and writes 8 more, until the WAL has been restarted (bounded: 5 s). In
 * all, at most 64 + 8 * rounds writes of about 9 WAL frames each.
 */
async function writeUntilRestarted(store: SqliteStore, file: string, rounds: number): Promise<{ before: number; after: number }> {
  await store.init();
  const before = walRestarts(file);
  for (let i = 0; i < 64; i++) await store.insertCalls([scheduledCall(1_000 + i)]);
  const deadline = Date.now() + 5_000;
  for (let round = 0; round < rounds && Date.now() < deadline && walRestarts(file) === before; round++) {
    // The worker checkpoints every 100 ms: give it a turn (a real thread; bounded by the deadline).
    await new Promise((resolve) => setTimeout(resolve, 120));
    for (let i = 0; i < 8; i++) await store.insertCalls([scheduledCall(2_000 + i)]);
  }
  return { before, after: walRestarts(file) };
}

describe('SqliteStore WAL checkpoints', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('checkpoints on its worker thread by default: the WAL is restarted long before the store connection would checkpoint', async () => {
    const file = dir.file('background.db');
    const store = new SqliteStore({ filename: file });
    const { before, after } = await writeUntilRestarted(store, file, 20);
    expect(after).not.toBe(before);
    await store.close();
    // The store's connection closed last: SQLite checkpointed and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("with checkpoints: 'inline', 80 writes (about 750 WAL frames) do not restart the WAL (SQLite waits for 1000)", async () => {
    const file = dir.file('inline.db');
    const store = new SqliteStore({ filename: file, checkpoints: 'inline' });
    const { before, after } = await writeUntilRestarted(store, file, 2);
    expect(after).toBe(before);
    await store.close();
  });

  it('closes while its worker runs, and the data is all there on reopening', async () => {
    const file = dir.file('close.db');
    const ids: string[] = [];
    {
      const store = new SqliteStore({ filename: file });
      for (let i = 0; i < 100; i++) {
        const item = scheduledCall(2_000 + i);
        ids.push(item.call.id);
        await store.insertCalls([item]);
      }
      await store.close();
    }
    const raw = new Database(file, { readonly: true });
    try {
      expect((raw.prepare('select count(*) as n from calls').get() as { n: number }).n).toBe(ids.length);
    } finally {
      raw.close();
    }
  });

  it('reports a worker that cannot run, once', async () => {
    const file = dir.file('failing.db');
    new Database(file).close();
    const failures: unknown[] = [];
    let reported!: () => void;
    const once = new Promise<void>((resolve) => (reported = resolve));
    const checkpoints = new BackgroundCheckpoints(
      file,
      (error) => {
        failures.push(error);
        reported();
      },
      '/nonexistent/better-sqlite3.js',
    );
    for (let i = 0; i < 64; i++) checkpoints.noteWrite();
    await once;
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/nonexistent/);
    expect(checkpoints.running).toBe(false);
    await checkpoints.close();
  });

  it.each([
    { on: 'filename', checkpoints: 'sometimes', message: /checkpoints/ },
    { on: 'database', checkpoints: 'background', message: /checkpoints.*'background' needs filename/ },
  ])('refuses checkpoints $checkpoints on a $on with INVALID_INPUT naming checkpoints', ({ on, checkpoints, message }) => {
    const database = new Database(':memory:');
    const options = { ...(on === 'filename' ? { filename: dir.file('x.db') } : { database }), checkpoints };
    let error: unknown;
    try {
      new SqliteStore(options as never);
    } catch (caught) {
      error = caught;
    }
    database.close();
    expect(isCallSchedulerError(error) && error.code).toBe('INVALID_INPUT');
    expect(isCallSchedulerError(error) && error.issues.map((i) => i.path)).toEqual(['checkpoints']);
    expect(String((error as Error).message)).toMatch(message);
  });
});

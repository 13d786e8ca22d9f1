import Database from 'better-sqlite3';
import { ErrorCode, isCallSchedulerError } from '@call-scheduler/core';
import { callFixture, callInsertFixture } from '@call-scheduler/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

// `thread: 'worker'`: the store's SQLite work on a thread of its own. (The whole contract runs
// through it in conformance-thread.test.ts.) These tests bound every wait and close what they open.

const dir = tempDir('store-sqlite-thread-');
afterAll(() => dir.remove());
let n = 0;
const fresh = (): string => dir.file(`thread-${++n}.db`);

/** Resolves after `ms` of real time (these tests run a real thread; never a fake clock). */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)); // clock-ok: integration test with a real thread and a real lock

describe("SqliteStore with thread: 'worker'", () => {
  it('keeps the event loop free while another connection holds the write lock: the write waits on the store thread, then lands', async () => {
    const file = fresh();
    const store = new SqliteStore({ filename: file, thread: 'worker' });
    await store.init();
    const other = new Database(file, { timeout: 5000 });
    try {
      other.exec('begin immediate');
      const insert = store.insertCalls([callInsertFixture(callFixture({ id: 'call-1' }))]);
      let settled = false;
      void insert.then(() => (settled = true), () => (settled = true));
      // The event loop turns while the store thread waits for the lock (with the store on the
      // main thread, better-sqlite3 would wait synchronously and no timer would run meanwhile).
      let turns = 0;
      const ticker = setInterval(() => (turns += 1), 5); // clock-ok: counts turns of the real event loop
      await pause(200);
      clearInterval(ticker);
      expect(turns).toBeGreaterThan(10);
      expect(settled).toBe(false);
      other.exec('commit');
      const [result] = await insert;
      expect(result?.call.id).toBe('call-1');
      expect((await store.getCall('call-1'))?.status).toBe('scheduled');
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
      await store.close();
    }
  });

  it("rebuilds the store thread's errors on the main thread: a CallSchedulerError arrives as one, with its code and issues", async () => {
    const store = new SqliteStore({ filename: fresh(), thread: 'worker' });
    try {
      const insert = callInsertFixture(callFixture({ id: 'dup' }));
      await store.insertCalls([insert]);
      // An id already stored is refused by the store thread's SQL (the guard cannot know it).
      const error: unknown = await store.insertCalls([insert]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isCallSchedulerError(error)).toBe(true);
      expect(isCallSchedulerError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
      expect(isCallSchedulerError(error) ? error.issues.map((i) => i.path) : []).toEqual(['items.0.call.id']);
      // The store is still usable after the failure.
      expect((await store.getCall('dup'))?.id).toBe('dup');
    } finally {
      await store.close();
    }
  });

  it('refuses thread: worker with a caller connection, naming thread (nothing is opened)', () => {
    const database = new Database(':memory:');
    try {
      let caught: unknown;
      try {
        new SqliteStore({ database, thread: 'worker' } as never);
      } catch (error) {
        caught = error;
      }
      expect(isCallSchedulerError(caught) && caught.code).toBe(ErrorCode.INVALID_INPUT);
      expect(isCallSchedulerError(caught) ? caught.issues.map((i) => i.path) : []).toContain('thread');
    } finally {
      database.close();
    }
  });

  it('close ends the thread: later operations are STORE_CLOSED, and a new store opens the same file with everything in it', async () => {
    const file = fresh();
    const store = new SqliteStore({ filename: file, thread: 'worker' });
    await store.insertCalls([callInsertFixture(callFixture({ id: 'kept' }))]);
    await store.close();
    const after: unknown = await store.getCall('kept').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCallSchedulerError(after) && after.code).toBe(ErrorCode.STORE_CLOSED);
    const again = new SqliteStore({ filename: file });
    try {
      expect((await again.getCall('kept'))?.id).toBe('kept');
    } finally {
      await again.close();
    }
  });

  it('an init that fails on the store thread fails the store with STORE_INIT_FAILED and leaves no thread behind', async () => {
    const store = new SqliteStore({ filename: dir.file('no-such-dir/x.db'), thread: 'worker' });
    const error: unknown = await store.init().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCallSchedulerError(error) && error.code).toBe(ErrorCode.STORE_INIT_FAILED);
    await store.close();
  });
});

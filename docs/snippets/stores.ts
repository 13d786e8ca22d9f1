import Database from 'better-sqlite3';
import type { CallStore } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';

/** Tests and demos: nothing survives the process. */
export function testStore(): CallStore {
  return new MemoryStore();
}

/** Production on one host: one file, shared by every process that schedules or dials. */
export function productionStore(file = './data/calls.db'): SqliteStore {
  return new SqliteStore({
    filename: file, // its directory must exist; keep it on a local disk, not NFS
    synchronous: 'FULL', // survive a power loss too, at one fsync per write (default 'NORMAL': a process crash)
    busyTimeoutMs: 5_000, // how long a write waits for another process's write lock
  });
}

/** A consistent copy while the schedulers keep running (SQLite's online backup API). */
export async function backup(file: string, destination: string): Promise<void> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
}

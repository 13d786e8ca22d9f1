import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { phoneNumber } from './numbers.js';

/** Creates `filename` with the store's own schema (its migrations) and closes it again. */
export async function createStoreSchema(filename: string): Promise<void> {
  const store = new SqliteStore({ filename });
  await store.init();
  await store.close();
}

/**
 * Opens `filename` with the pragmas `SqliteStore` uses (WAL, `synchronous=NORMAL`,
 * `busy_timeout=5000`): the raw baselines run on the same settings.
 */
export function openRaw(filename: string): Database.Database {
  const db = new Database(filename, { timeout: 5000 });
  db.pragma('journal_mode = wal');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** A time-ordered id in UUID v7 layout: creation ms, then a sequence number. */
export function sequentialId(ms: number, i: number): string {
  const t = ms.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** What {@link insertScheduledCalls} writes. */
export interface ScheduledCallsSpec {
  /** How many calls. */
  readonly count: number;
  /** The due time (`at` and `due_at`) of call `i`. */
  readonly dueAt: (i: number) => number;
  /** Creation time of every call. */
  readonly createdAt: number;
  /** Rows per transaction. @default 10000 */
  readonly batch?: number;
}

/**
 * Inserts `scheduled` calls with their `scheduled` event, exactly as `SqliteStore.insertCalls`
 * would store them, through raw prepared statements (fast preparation of a benchmark's
 * database; not what is measured). Returns the ids in insertion order.
 */
export function insertScheduledCalls(db: Database.Database, spec: ScheduledCallsSpec): string[] {
  const insertCall = db.prepare(
    `insert into calls (id, to_number, status, at, due_at, time_zone, calling_window, expires_at, retry_policy,
       idempotency_key, metadata, attempt_count, provider_call_id, provider_status, lease_owner, lease_expires_at,
       fencing_token, claimed_due_at, version, error_code, error_message, created_at, updated_at, ended_at)
     values (?, ?, 'scheduled', ?, ?, null, null, null, null, null, null, 0, null, null, null, null, 0, null, 1, null, null, ?, ?, null)`,
  );
  const insertEvent = db.prepare(
    `insert into events (call_id, type, at, attempt, status, provider_status, data) values (?, 'scheduled', ?, null, 'scheduled', null, ?)`,
  );
  const ids: string[] = [];
  const batch = spec.batch ?? 10_000;
  const run = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = sequentialId(spec.createdAt, i);
      const due = spec.dueAt(i);
      insertCall.run(id, phoneNumber(i), due, due, spec.createdAt, spec.createdAt);
      insertEvent.run(id, spec.createdAt, `{"at":${due}}`);
      ids.push(id);
    }
  });
  for (let from = 0; from < spec.count; from += batch) run.immediate(from, Math.min(spec.count, from + batch));
  return ids;
}

/**
 * Inserts `count` calls due at `dueAt` (all the same) in one SQL statement per table, generated
 * inside SQLite (for the million-call memory case, where a JavaScript loop would take a minute).
 */
export function bulkInsertScheduledCalls(db: Database.Database, count: number, dueAt: number, createdAt: number): void {
  const t = createdAt.toString(16).padStart(12, '0');
  const prefix = `${t.slice(0, 8)}-${t.slice(8, 12)}-7000-8000-`;
  db.transaction(() => {
    db.prepare(
      `with recursive n(i) as (select 0 union all select i + 1 from n where i + 1 < ?)
       insert into calls (id, to_number, status, at, due_at, attempt_count, fencing_token, version, created_at, updated_at)
       select ? || printf('%012x', i), '+1415' || (2000000 + i), 'scheduled', ?, ?, 0, 0, 1, ?, ? from n`,
    ).run(count, prefix, dueAt, dueAt, createdAt, createdAt);
    db.prepare(
      `insert into events (call_id, type, at, attempt, status, provider_status, data)
       select id, 'scheduled', created_at, null, 'scheduled', null, '{"at":' || at || '}' from calls order by id`,
    ).run();
  }).immediate();
}

/** Where a case keeps its SQLite file: the temp dir on disk, or a RAM disk (`/dev/shm`). */
export interface DataDir {
  readonly dir: string;
  /** `disk`, `tmpfs`, or `disk (no /dev/shm)` when a RAM disk was asked for but there is none. */
  readonly kind: string;
  /** Deletes a RAM-disk directory (the orchestrator deletes the temp dir itself). */
  dispose(): void;
}

/**
 * The case's temp dir, or with `tmpfs` a fresh directory in `/dev/shm`: the same SQLite work
 * without the disk's fsyncs (WAL checkpoints), to tell the library's cost from the disk's.
 */
export function dataDir(tmpDir: string, tmpfs: boolean): DataDir {
  if (!tmpfs) return { dir: tmpDir, kind: 'disk', dispose: () => undefined };
  if (!existsSync('/dev/shm')) return { dir: tmpDir, kind: 'disk (no /dev/shm)', dispose: () => undefined };
  const dir = mkdtempSync(join('/dev/shm', 'call-scheduler-bench-'));
  return { dir, kind: 'tmpfs', dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

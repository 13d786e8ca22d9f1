import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { CallStoreChange } from '@call-scheduler/core';
import { rejectSavepointBatch, settleSavepointBatch, type SettleableJob } from '@call-scheduler/core/internal';
import { isRetryableConflict, sqlState } from '../store-errors.js';

/** What a write job may announce once its transaction has committed. */
export type ChangeNote = (change: CallStoreChange) => void;

/**
 * The writes of one store operation, run inside a transaction (or a savepoint of one), or, for a
 * job that is atomic alone and runs alone, on the pool in autocommit.
 */
export type WriteJob<T> = (conn: Kysely<unknown>, note: ChangeNote) => Promise<T>;

/**
 * What makes a write mergeable with others of its group into one statement (see
 * {@link MergeSupport}): its key (jobs of one merged statement have different keys), the payload
 * the merged statement is built from, and what to make of the row it returned for this job
 * (`undefined`: the statement did not change it).
 */
export interface MergeableJob<T> {
  readonly key: string;
  readonly payload: unknown;
  readonly finish: (row: unknown, conn: Kysely<unknown>, note: ChangeNote) => Promise<T>;
}

/** Runs several mergeable jobs' writes as one statement; returns each job's row, in order. */
export interface MergeSupport {
  run(conn: Kysely<unknown>, payloads: readonly unknown[]): Promise<unknown[]>;
}

interface QueuedJob extends SettleableJob {
  readonly job: WriteJob<unknown>;
  readonly atomic: boolean;
  readonly merge: MergeableJob<unknown> | undefined;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown; readonly changes: readonly CallStoreChange[] }
  | { readonly ok: false; readonly error: unknown };

/** How many times a job that hit a deadlock or a serialization failure runs again on its own. */
const CONFLICT_RETRIES = 3;

/**
 * Runs write jobs in transactions and reports what each committed job announced to `committed`.
 *
 * With grouping (the default), the jobs queued during one turn of the event loop, and those queued
 * while the previous group was committing, run together in one transaction: one `BEGIN ... COMMIT`
 * and one WAL flush for all of them, where each commit would otherwise cost a round trip and a
 * flush. At most one group is in flight per store handle, so a busy handle makes bigger groups
 * instead of more transactions.
 *
 * A group whose jobs are all mergeable writes to different calls (the answers and ends of a busy
 * host) runs as its one merged statement without `BEGIN` and `COMMIT`. Otherwise the common case
 * runs the jobs one after the other without savepoints. When a job throws, the
 * transaction is rolled back and the group runs again with a `SAVEPOINT` per job, so that a job
 * that fails is undone alone and gets its own error while the others commit. A job's promise
 * settles only after the `COMMIT`. When the transaction itself fails (connection lost, `COMMIT`
 * refused), nothing was written and every job of the group rejects with that error. A job that
 * failed on a deadlock or a serialization failure runs again alone, up to three times.
 */
export class WriteRunner {
  readonly #db: Kysely<unknown>;
  readonly #grouped: boolean;
  readonly #committed: (changes: readonly CallStoreChange[]) => void;
  readonly #merge: MergeSupport | undefined;
  #queue: QueuedJob[] = [];
  #scheduled = false;
  #flushing = false;

  constructor(db: Kysely<unknown>, grouped: boolean, committed: (changes: readonly CallStoreChange[]) => void, merge?: MergeSupport) {
    this.#db = db;
    this.#grouped = grouped;
    this.#committed = committed;
    this.#merge = merge;
  }

  /**
   * Runs `job`; settles with its result once its transaction has committed. `atomic`: the job's
   * writes are one statement (it may read after it), so alone it runs without `BEGIN`/`COMMIT`,
   * saving two round trips.
   */
  run<T>(job: WriteJob<T>, atomic = false, merge?: MergeableJob<T>): Promise<T> {
    if (!this.#grouped) return this.#runAlone(job, atomic);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ job, atomic, merge, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Not a timer: runs once this turn's I/O callbacks and microtasks are done; reads no clock.
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#flushing = true;
    const batch = this.#queue;
    this.#queue = [];
    try {
      const [only] = batch;
      if (batch.length === 1 && only !== undefined) {
        await this.#runAlone(only.job, only.atomic).then(only.resolve, only.reject);
      } else if (await this.#runMergedAlone(batch)) {
        // Done: one merged statement in autocommit.
      } else if (!(await this.#runTogether(batch))) {
        await this.#runWithSavepoints(batch);
      }
    } finally {
      this.#flushing = false;
      this.#schedule();
    }
  }

  /** One job in its own transaction, again on a deadlock or serialization failure. */
  async #runAlone<T>(job: WriteJob<T>, atomic: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const changes: CallStoreChange[] = [];
      const note: ChangeNote = (change) => changes.push(change);
      try {
        const value = atomic ? await job(this.#db, note) : await this.#db.transaction().execute((trx) => job(trx, note));
        this.#committed(changes);
        return value;
      } catch (error) {
        if (attempt >= CONFLICT_RETRIES || !isRetryableConflict(error)) throw error;
      }
    }
  }

  /**
   * A batch of mergeable jobs on different keys (the common case under load: the answers and ends
   * of different calls) as its one merged statement in autocommit: one statement is atomic alone,
   * so `BEGIN` and `COMMIT` would only add two round trips. Each row keeps its own conditions, so a
   * job whose condition failed wrote nothing and the others stand, as in a transaction; a job whose
   * `finish` throws (bad input found by its probe) gets its own error. Returns false, having written
   * nothing, when the batch does not qualify or the server refused the statement (it has a SQLSTATE:
   * nothing of it was applied), so that the transaction path runs the jobs again and isolates a bad
   * one. Without a SQLSTATE (the connection was lost) whether it was applied is unknown: every job
   * rejects with that error, as when a `COMMIT` fails.
   */
  async #runMergedAlone(batch: readonly QueuedJob[]): Promise<boolean> {
    const merge = this.#merge;
    if (merge === undefined || batch.some((entry) => entry.merge === undefined)) return false;
    const jobs = batch.map((entry) => ({ entry, merged: entry.merge as MergeableJob<unknown> }));
    if (new Set(jobs.map((job) => job.merged.key)).size !== jobs.length) return false;
    let rows: unknown[];
    try {
      rows = await merge.run(this.#db, jobs.map((job) => job.merged.payload));
    } catch (error) {
      if (sqlState(error) !== undefined) return false;
      for (const entry of batch) entry.reject(error);
      return true;
    }
    const changes: CallStoreChange[] = [];
    const note: ChangeNote = (change) => changes.push(change);
    const outcomes: { readonly entry: QueuedJob; readonly ok: boolean; readonly value: unknown }[] = [];
    for (const [i, { entry, merged }] of jobs.entries()) {
      try {
        outcomes.push({ entry, ok: true, value: await merged.finish(rows[i], this.#db, note) });
      } catch (error) {
        outcomes.push({ entry, ok: false, value: error });
      }
    }
    this.#committed(changes);
    for (const { entry, ok, value } of outcomes) (ok ? entry.resolve : entry.reject)(value);
    return true;
  }

  /**
   * Every job of the batch in one transaction without savepoints. Returns false, having rolled
   * everything back, when a job threw: the batch must then run again with a savepoint per job.
   */
  async #runTogether(batch: readonly QueuedJob[]): Promise<boolean> {
    const values = new Map<QueuedJob, unknown>();
    const changes: CallStoreChange[] = [];
    const note: ChangeNote = (change) => changes.push(change);
    let jobFailed = false;
    const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        jobFailed = true;
        throw error;
      }
    };
    try {
      await this.#db.transaction().execute(async (trx) => {
        const merge = this.#merge;
        const mergeable = merge === undefined ? [] : batch.filter((entry) => entry.merge !== undefined);
        const mergedNow = mergeable.length >= 2 ? mergeable : [];
        for (const entry of batch) {
          if (mergedNow.includes(entry)) continue;
          values.set(entry, await guard(() => entry.job(trx, note)));
        }
        // Waves of jobs on different keys: each wave is one statement.
        const waves: QueuedJob[][] = [];
        for (const entry of mergedNow) {
          const key = (entry.merge as MergeableJob<unknown>).key;
          const wave = waves.find((w) => !w.some((other) => other.merge?.key === key));
          if (wave === undefined) waves.push([entry]);
          else wave.push(entry);
        }
        for (const wave of waves) {
          if (wave.length === 1) {
            const [only] = wave as [QueuedJob];
            values.set(only, await guard(() => only.job(trx, note)));
            continue;
          }
          const rows = await guard(() => (merge as MergeSupport).run(trx, wave.map((entry) => (entry.merge as MergeableJob<unknown>).payload)));
          for (const [i, entry] of wave.entries()) {
            values.set(entry, await guard(() => (entry.merge as MergeableJob<unknown>).finish(rows[i], trx, note)));
          }
        }
      });
    } catch (error) {
      if (jobFailed) return false;
      // BEGIN or COMMIT failed: nothing was written, every job fails with that error.
      for (const entry of batch) entry.reject(error);
      return true;
    }
    this.#committed(changes);
    for (const entry of batch) entry.resolve(values.get(entry));
    return true;
  }

  /** Every job in its own savepoint: a job that throws is undone alone and gets its own error. */
  async #runWithSavepoints(batch: readonly QueuedJob[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const entry of batch) {
          await sql`savepoint group_write`.execute(trx);
          const changes: CallStoreChange[] = [];
          try {
            const value = await entry.job(trx, (change) => changes.push(change));
            await sql`release savepoint group_write`.execute(trx);
            outcomes.push({ ok: true, value, changes });
          } catch (error) {
            outcomes.push({ ok: false, error });
            await sql`rollback to savepoint group_write`.execute(trx);
            await sql`release savepoint group_write`.execute(trx);
          }
        }
      });
    } catch (error) {
      rejectSavepointBatch(batch, outcomes, error);
      return;
    }
    this.#committed(outcomes.flatMap((outcome) => (outcome.ok ? outcome.changes : [])));
    const retries: Promise<void>[] = [];
    settleSavepointBatch(batch, outcomes, (entry, error) => {
      if (isRetryableConflict(error)) retries.push(this.#runAlone(entry.job, entry.atomic).then(entry.resolve, entry.reject));
      else entry.reject(error);
    });
    await Promise.all(retries);
  }
}

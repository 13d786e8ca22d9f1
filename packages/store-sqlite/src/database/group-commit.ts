import { rejectSavepointBatch, settleSavepointBatch, type SavepointOutcome, type SettleableJob } from '@call-scheduler/core/internal';
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { StoreTables } from './tables.js';

/** The writes of one store operation, run inside a transaction (or a savepoint of one). */
export type WriteJob<T> = (trx: Transaction<StoreTables>) => Promise<T>;

interface QueuedJob extends SettleableJob {
  readonly job: WriteJob<unknown>;
}

/**
 * Group commit: the write jobs queued during one turn of the event loop run together in one
 * `BEGIN IMMEDIATE ... COMMIT` transaction, flushed by `setImmediate` (after the I/O callbacks of
 * that turn, so that concurrent HTTP requests and provider answers land in one batch).
 *
 * Each job of a batch of several runs inside its own `SAVEPOINT`: a job that throws is rolled back
 * to it and gets its own error, and the others are not affected. A job's promise settles only
 * after the `COMMIT` (so a read issued after it resolved sees its writes); when the transaction
 * itself fails (`BEGIN` busy, `COMMIT` refused), nothing was written and every job of the batch
 * rejects with that error (or with its own, when it had failed alone). A batch of one job runs
 * in a plain transaction, exactly as without grouping.
 */
export class GroupCommit {
  readonly #db: Kysely<StoreTables>;
  #queue: QueuedJob[] = [];
  #scheduled = false;

  constructor(db: Kysely<StoreTables>) {
    this.#db = db;
  }

  /** Queues `job` for the next flush; settles with its result once the batch has committed. */
  run<T>(job: WriteJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Not a timer: runs once this turn's I/O callbacks and microtasks are done; reads no clock.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      await this.#db.transaction().execute(only.job).then(only.resolve, only.reject);
      return;
    }
    if (await this.#runTogether(batch)) return;
    await this.#runWithSavepoints(batch);
  }

  /**
   * The common case: every job of the batch, one after the other, in one transaction without
   * savepoints (each costs two more statements per job). Returns false, having rolled everything
   * back, when a job threw: the batch must then run again with a savepoint per job.
   */
  async #runTogether(batch: readonly QueuedJob[]): Promise<boolean> {
    const values: unknown[] = [];
    let jobFailed = false;
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const entry of batch) {
          try {
            values.push(await entry.job(trx));
          } catch (error) {
            jobFailed = true;
            throw error;
          }
        }
      });
    } catch (error) {
      if (jobFailed) return false;
      // BEGIN or COMMIT failed: nothing was written, every job fails with that error.
      for (const entry of batch) entry.reject(error);
      return true;
    }
    batch.forEach((entry, i) => {
      entry.resolve(values[i]);
    });
    return true;
  }

  /** Every job in its own savepoint: a job that throws is undone alone and gets its own error. */
  async #runWithSavepoints(batch: readonly QueuedJob[]): Promise<void> {
    const outcomes: SavepointOutcome[] = [];
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const entry of batch) {
          await sql`savepoint group_commit`.execute(trx);
          try {
            const value = await entry.job(trx);
            await sql`release group_commit`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
            // Undoes this job's writes only; if SQLite already rolled the whole transaction back
            // (an I/O error, a full disk), this throws and the other jobs of the batch fail below.
            await sql`rollback to group_commit`.execute(trx);
            await sql`release group_commit`.execute(trx);
          }
        }
      });
    } catch (error) {
      rejectSavepointBatch(batch, outcomes, error);
      return;
    }
    settleSavepointBatch(batch, outcomes);
  }
}

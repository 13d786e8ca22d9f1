// Owns: settling the jobs of a group commit batch that ran with a savepoint per job, the same in the SQLite and PostgreSQL stores.
/**
 * Not API: how the group commit of this repository's SQL stores settles the jobs of a batch that
 * ran with a savepoint per job, once its transaction has ended.
 *
 * @internal
 */

/** What one job of the batch came to inside the transaction: its value, or the error it threw (its writes undone to its savepoint). */
export type SavepointOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** The promise of a queued job: settled once its batch's transaction has ended. */
export interface SettleableJob {
  /** Fulfils the job's promise. */
  readonly resolve: (value: unknown) => void;
  /** Rejects the job's promise. */
  readonly reject: (error: unknown) => void;
}

/**
 * The transaction of the batch failed (`BEGIN`, a rollback to a savepoint, or `COMMIT`): nothing
 * was written, and every job rejects, with its own error when it had failed alone (`outcomes[i]`,
 * in batch order), otherwise with the transaction's `error`.
 */
export function rejectSavepointBatch(batch: readonly SettleableJob[], outcomes: readonly SavepointOutcome[], error: unknown): void {
  batch.forEach((entry, i) => {
    const own = outcomes[i];
    entry.reject(own !== undefined && !own.ok ? own.error : error);
  });
}

/**
 * The transaction of the batch committed: each job resolves with its value, and one that failed
 * alone goes to `failed` with its own error (by default, it rejects with it).
 */
export function settleSavepointBatch<J extends SettleableJob>(
  batch: readonly J[],
  outcomes: readonly SavepointOutcome[],
  failed: (entry: J, error: unknown) => void = (entry, error) => entry.reject(error),
): void {
  batch.forEach((entry, i) => {
    const own = outcomes[i] as SavepointOutcome;
    if (own.ok) entry.resolve(own.value);
    else failed(entry, own.error);
  });
}

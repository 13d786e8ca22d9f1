import type { Kysely, Migration } from 'kysely';

/**
 * Adds `attempts.scheduler_id`: the id of the scheduler that claimed the attempt (the claim's
 * `owner`), so a call's history says which host dialed it. Attempts written before this migration
 * keep `NULL`. Adding a nullable column rewrites nothing: it is instant on a file of any size.
 */
export const attemptSchedulerId: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('attempts').addColumn('scheduler_id', 'text').execute();
  },
};

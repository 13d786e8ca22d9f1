// Owns: what the operations of SqliteStore get from its driver: the open database and the way to write.
import type { Kysely } from 'kysely';
import type { DirectStatements } from './direct-statements.js';
import type { WriteJob } from './group-commit.js';
import type { StoreTables } from './tables.js';

/** The open database of a SqliteStore. */
export type Db = Kysely<StoreTables>;

/** The open database and its write path, handed to every operation of the store. */
export interface SqliteAccess {
  /** The connection, for reads and for the claims' own immediate transactions. */
  readonly db: Db;
  /** The hot statements, straight on the connection: only inside a transaction this operation holds (see {@link DirectStatements}). */
  readonly direct: DirectStatements;
  /**
   * Runs `job` in a write transaction of its own, or, with `groupCommit`, in the next group
   * commit (its own savepoint in a transaction shared with the writes of the same turn).
   */
  write<T>(job: WriteJob<T>): Promise<T>;
}

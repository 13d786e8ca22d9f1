// Owns: the store's named (prepared) statements: which SQL texts are sent by name, and the pool view that sends them so.
import { createHash } from 'node:crypto';
import type PgModule from 'pg';
import type { Kysely, PostgresPool, QueryResult, RawBuilder } from 'kysely';
import type { PostgresQueryResultLike, PostgresStorePool } from '../postgres-store-options.js';
import { isResultTypeChange } from '../store-errors.js';

/*
 * The claims, the wake-up read and the writes of one call (an `updateCall` not merged with others:
 * a few shapes, by which fields it sets) are the statements a dialing host sends most, and the
 * planning of a claim (a CTE over `calls` with five partial indexes to prove against) costs the
 * server more than running it: about 0.45 ms of planning against 0.2 ms of execution for a claim
 * of one call. Sent by name, each connection parses them once, and plans them no more once it keeps
 * their generic plan: PostgreSQL's own choice at 100,000 calls is to plan a claim for its
 * parameters every time, so the pool the store makes keeps generic plans ({@link keepGenericPlans}). Their parameters do not change which index serves them
 * (`query-plans.test.ts` checks the generic plans at 100,000 calls).
 *
 * Only statements whose result columns are listed (never `c.*`) are prepared: a later migration
 * that adds a column to `calls` leaves their result type as it was. Should a statement's result
 * type change under a connection anyway (a migration changing a listed column's type: PostgreSQL
 * then refuses the cached plan, before running anything), the store stops naming statements.
 * Outside a transaction it sends that statement again, unnamed; inside one (a group commit) the
 * transaction is aborted, so the error goes up and the group commit runs the write again
 * (`isRetryableConflict`), unnamed by then.
 */

/**
 * The most texts kept in the map of names (a guard: the store names a handful per schema). Clearing
 * it deallocates nothing: each connection keeps what it prepared until it closes, a set bounded by
 * the statements' shapes, which depend on which fields a write sets, never on their values.
 */
const MAX_NAMED = 256;

/** The SQL texts a store sends as named statements, and their names. */
export class PreparedStatements {
  readonly #names = new Map<string, string>();
  #enabled: boolean;

  /** `enabled`: the store's `preparedStatements` option. */
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** Whether statements are still sent by name (the option, until a cached plan was refused). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Runs `builder` on `db` (the store's database or a transaction of it), named when statements are. */
  run<R>(db: Kysely<unknown>, builder: RawBuilder<R>): Promise<QueryResult<R>> {
    const compiled = builder.compile(db);
    if (this.#enabled && !this.#names.has(compiled.sql)) {
      if (this.#names.size >= MAX_NAMED) this.#names.clear();
      this.#names.set(compiled.sql, `call_scheduler_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 32)}`);
    }
    return db.executeQuery(compiled);
  }

  /** The name `text` is sent under, or `undefined` to send it unnamed. */
  nameOf(text: string): string | undefined {
    return this.#enabled ? this.#names.get(text) : undefined;
  }

  /** Sends nothing by name from now on. */
  disable(): void {
    this.#enabled = false;
    this.#names.clear();
  }
}

/**
 * Makes every connection of `pool` (a pool the store made and alone uses) keep the generic plans
 * of its prepared statements (`plan_cache_mode = force_generic_plan`, which only changes what a
 * named statement does: an unnamed one is planned for its parameters every time). On a table of
 * 100,000 calls PostgreSQL's own choice keeps planning a claim for its parameters: a claim of one
 * call took 0.85 ms named against 1.06 ms unnamed, and 0.41 ms with the generic plan kept
 * (`query-plans.test.ts` checks that those plans use their indexes). A server that refuses the
 * setting is left as it is.
 */
export function keepGenericPlans(pool: Pick<PgModule.Pool, 'on'>): void {
  pool.on('connect', (client) => {
    client.query('set plan_cache_mode = force_generic_plan').catch(() => undefined);
  });
}

/**
 * The view of `pool` that kysely is given: its connections send the texts `prepared` names by
 * name, and it never ends `pool` (kysely ends the pool it was given on `destroy()`).
 */
export function preparingPool(pool: PostgresStorePool, prepared: PreparedStatements): PostgresPool {
  const connect = async (): Promise<unknown> => {
    const client = await pool.connect();
    if (!prepared.enabled) return client;
    const sendNamed = async (name: string, text: string, values: unknown[] | undefined): Promise<PostgresQueryResultLike> => {
      try {
        return await client.query({ name, text, values: values ?? [] });
      } catch (error) {
        if (!isResultTypeChange(error)) throw error;
        prepared.disable();
        // Nothing ran. In a transaction it is aborted now: the caller runs the write again.
        if (client.getTransactionStatus?.() !== 'I') throw error;
        return client.query(text, values);
      }
    };
    return {
      release: (destroy?: Error | boolean) => client.release(destroy),
      // Not async: what is not named (a cursor, too) goes to the client as it came.
      query: (text: string, values?: unknown[]) => {
        const name = typeof text === 'string' ? prepared.nameOf(text) : undefined;
        return name === undefined ? client.query(text, values) : sendNamed(name, text, values);
      },
    };
  };
  return { connect: connect as PostgresPool['connect'], end: async () => undefined };
}

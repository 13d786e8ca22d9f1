// Owns: the store's named (prepared) statements: which SQL texts are sent by name, and the pool view that sends them so.
import { createHash } from 'node:crypto';
import type { CompiledQuery, Kysely, PostgresPool, RawBuilder } from 'kysely';
import type { PostgresStorePool } from '../postgres-store-options.js';

/*
 * The claims, the wake-up read and the writes of one call (an `updateCall` not merged with others:
 * a few shapes, by which fields it sets) are the statements a dialing host sends most, and the planning
 * of a claim (a CTE over `calls` with five partial indexes to prove against) costs the server more
 * than running it: about 0.45 ms of planning against 0.2 ms of execution for a claim of one call.
 * Sent by name, each connection parses and plans such a statement once and then reuses the
 * generic plan (its parameters do not change which index serves it; `query-plans.test.ts` checks
 * the generic plans at 100,000 calls).
 *
 * Only statements whose result columns are listed (never `c.*`) are prepared: a later migration
 * that adds a column to `calls` leaves their result type as it was. Should a statement's result
 * type change under a connection anyway (PostgreSQL then refuses the cached plan, before running
 * anything: "cached plan must not change result type"), the store stops naming statements and
 * sends that one again unnamed.
 */

/** At most this many texts are named (a guard: the store names a handful per schema). */
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

  /** Compiles `builder` and, when statements are named, names its text. */
  compile<R>(db: Kysely<unknown>, builder: RawBuilder<R>): CompiledQuery<R> {
    const compiled = builder.compile(db);
    if (this.#enabled && !this.#names.has(compiled.sql)) {
      if (this.#names.size >= MAX_NAMED) this.#names.clear();
      this.#names.set(compiled.sql, `call_scheduler_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 32)}`);
    }
    return compiled;
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

/** PostgreSQL's refusal of a prepared statement whose result type changed (nothing ran). */
function isResultTypeChange(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return typeof e === 'object' && e !== null && e.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/**
 * The view of `pool` that kysely is given: its connections send the texts `prepared` names by
 * name, and it never ends `pool` (kysely ends the pool it was given on `destroy()`).
 */
export function preparingPool(pool: PostgresStorePool, prepared: PreparedStatements): PostgresPool {
  const connect = async (): Promise<unknown> => {
    const client = await pool.connect();
    if (!prepared.enabled) return client;
    return {
      release: (destroy?: Error | boolean) => client.release(destroy),
      query: async (text: string, values?: unknown[]) => {
        const name = typeof text === 'string' ? prepared.nameOf(text) : undefined;
        if (name === undefined) return client.query(text, values);
        try {
          return await client.query({ name, text, values: values ?? [] });
        } catch (error) {
          if (!isResultTypeChange(error)) throw error;
          prepared.disable();
          return client.query(text, values);
        }
      },
    };
  };
  return { connect: connect as PostgresPool['connect'], end: async () => undefined };
}

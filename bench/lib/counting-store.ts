/**
 * Counting wrappers for the per-call cost figures: how many times the scheduler calls its store
 * (every method, by name), and how many SQL statements and transactions a `pg` pool carries.
 */
import type { CallStore } from '@call-scheduler/core';
import type { PostgresStorePool, PostgresStorePoolClient } from '@call-scheduler/store-postgres';

/** Calls by name, resettable between phases. */
export class CallCounter {
  #counts = new Map<string, number>();

  /** Counts one call of `name`. */
  add(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  /** The counts so far (sorted by name), and starts again from zero. */
  take(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.#counts.keys()].sort()) out[name] = this.#counts.get(name) ?? 0;
    this.#counts = new Map();
    return out;
  }
}

/**
 * `store` behind a proxy that counts every method call made on it (by method name) in `counter`;
 * the method runs on the store itself, so private fields keep working.
 */
export function countingStore<S extends CallStore>(store: S, counter: CallCounter): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        counter.add(property);
        return method.apply(target, args);
      };
    },
  });
}

/**
 * A pool that hands out `pool`'s connections with their `query` counted in `counter`: `sql` for
 * every statement, `begin` and `commit` for those, and `connect` for every check-out.
 */
export function countingPool(pool: PostgresStorePool, counter: CallCounter): PostgresStorePool {
  return {
    async connect(): Promise<PostgresStorePoolClient> {
      counter.add('connect');
      const client = await pool.connect();
      return new Proxy(client, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          const method = value as (...args: unknown[]) => unknown;
          if (property !== 'query') return method.bind(target);
          return (text: unknown, ...rest: unknown[]): unknown => {
            counter.add('sql');
            if (typeof text === 'string') {
              const head = text.trimStart().slice(0, 6).toLowerCase();
              if (head.startsWith('begin') || head.startsWith('start')) counter.add('begin');
              else if (head.startsWith('commit')) counter.add('commit');
            }
            return method.call(target, text, ...rest);
          };
        },
      });
    },
  };
}

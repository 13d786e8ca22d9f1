// Owns: the driver of PostgresStore: opening and closing, watching for other hosts' changes, health, and binding the operations of each concept to it.
import { systemClock } from '@call-scheduler/core';
import type { CallStoreChange, CallStoreDriver, CallStoreFeatures, CallStoreHealth, CallStoreWatch } from '@call-scheduler/core';
import { withOperations, type BoundOperations, type StoreOperations } from '@call-scheduler/core/internal';
import { sql } from 'kysely';
import { openDatabase } from './database/open-database.js';
import type { OpenDatabase } from './database/open-database.js';
import { MIGRATIONS, MIGRATION_TABLE } from './migrations/migrations.js';
import type { PostgresStoreConfig } from './options-schema.js';
import * as calls from './postgres-calls.js';
import * as claims from './postgres-claims.js';
import * as events from './postgres-events.js';
import * as figures from './postgres-figures.js';
import * as retention from './postgres-retention.js';
import type { PostgresSeriesAccess } from './series/postgres-series.js';
import { describeCause } from './store-errors.js';
import { ChangeListener } from './watch/change-listener.js';

/** The storage of `PostgresStore`; the guard checks arguments, open state and errors. */
export class PostgresStoreDriver implements Pick<CallStoreDriver, 'name' | 'features' | 'open' | 'close' | 'watch' | 'health'> {
  readonly name = 'PostgresStore';
  /** Durable; shared: other processes and hosts write the same database; networked: every operation is a round trip. */
  readonly features: CallStoreFeatures = Object.freeze({ durable: true, shared: true, networked: true });

  readonly #config: PostgresStoreConfig;
  readonly #quoted: string;
  readonly #channel: string;
  #open: OpenDatabase | undefined;
  readonly #watchers = new Set<(change: CallStoreChange) => void>();
  #listener: ChangeListener | undefined;

  constructor(config: PostgresStoreConfig) {
    this.#config = config;
    this.#quoted = `"${config.schema}"`;
    this.#channel = `${config.schema}_changes`;
  }

  /** Connects (making the pool for `connectionString`) and migrates the schema; the guard runs it once. */
  async open(): Promise<void> {
    this.#open = await openDatabase(this.#config, this.#quoted, this.#channel);
  }

  /** The database access of the series half (`series/postgres-series.ts`): the same pool and write path. */
  seriesAccess(): PostgresSeriesAccess {
    return { schema: this.#quoted, db: () => this.database().db, write: (job) => this.database().writes.run(job) };
  }

  /** The open database; the guard calls the other methods only after `open()` succeeded. */
  database(): OpenDatabase {
    if (this.#open === undefined) throw new Error('PostgresStore: used before open');
    return this.#open;
  }

  /** Stops watching, gives back every connection, ends the pool it made; the guard calls it once, after the operations under way. */
  async close(): Promise<void> {
    this.#watchers.clear();
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined) return;
    await open.statistics.settled();
    await open.notifier?.close();
    await open.db.destroy();
    await open.end();
  }

  /** See `PostgresStore.watch`. */
  async watch(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch> {
    const open = this.database();
    this.#watchers.add(onChange);
    if (this.#config.notify) {
      this.#listener ??= new ChangeListener({
        connect: () => open.pool.connect(),
        channel: this.#channel,
        onChange: (change) => this.#dispatch(change),
        resync: async () => {
          const dueAt = await figures.nextWakeUpAt(open);
          return { ...(dueAt !== null ? { dueAt } : {}), events: true };
        },
        delayMs: this.#config.listenReconnectDelayMs,
        maxDelayMs: this.#config.listenMaxReconnectDelayMs,
        clock: systemClock,
      });
      await this.#listener.start();
    }
    let closed: Promise<void> | undefined;
    return {
      close: () => {
        closed ??= (async () => {
          this.#watchers.delete(onChange);
          if (this.#watchers.size > 0) return;
          const listener = this.#listener;
          this.#listener = undefined;
          await listener?.close();
        })();
        return closed;
      },
    };
  }

  #dispatch(change: CallStoreChange): void {
    for (const watcher of [...this.#watchers]) {
      try {
        watcher(change);
      } catch {
        // A throwing watcher must not stop the others, nor the listener.
      }
    }
  }

  /** See `PostgresStore.health`. */
  health(): Promise<CallStoreHealth> {
    const { db, notifier } = this.database();
    return (async () => {
      const listener = this.#listener;
      const details = {
        schema: this.#config.schema,
        migration: MIGRATIONS[MIGRATIONS.length - 1]?.[0] ?? null,
        notify: this.#config.notify,
        listenReconnects: listener?.reconnects ?? 0,
        notifications: notifier?.sent ?? 0,
        ...(listener?.lastError !== undefined ? { listenError: listener.lastError } : {}),
      };
      const watching = listener?.watching ?? false;
      try {
        await sql`select 1 from ${sql.raw(`${this.#quoted}.${MIGRATION_TABLE}`)} limit 1`.execute(db);
        return { ok: true, watching, details };
      } catch (error) {
        return { ok: false, watching, details: { ...details, error: describeCause(error) } };
      }
    })();
  }
}

/** Every operation of the store, each a function of the open database. */
const OPERATIONS: StoreOperations<OpenDatabase> = { ...calls, ...claims, ...events, ...figures, ...retention };

/** A driver for `config`, with every operation of the store. */
export function postgresStoreDriver(config: PostgresStoreConfig): PostgresStoreDriver & BoundOperations {
  const driver = new PostgresStoreDriver(config);
  return withOperations(driver, () => driver.database(), OPERATIONS);
}

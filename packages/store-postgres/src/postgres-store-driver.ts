// Owns: the driver of PostgresStore: opening and closing, watching for other hosts' changes, health, and handing each operation to the file of its concept.
import { systemClock } from '@call-scheduler/core';
import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStatusCounts,
  CallStoreChange,
  CallStoreDriver,
  CallStoreFeatures,
  CallStoreHealth,
  CallStoreWatch,
  CallUpdate,
  ClaimOptions,
  DueSummary,
  DueSummaryQuery,
  EventCursor,
  EventListQuery,
  EventPage,
  InsertResult,
  PurgeOptions,
  UpdateResult,
} from '@call-scheduler/core';
import { sql } from 'kysely';
import { openDatabase } from './database/open-database.js';
import type { OpenDatabase } from './database/open-database.js';
import { MIGRATIONS, MIGRATION_TABLE } from './migrations/migrations.js';
import type { PostgresStoreConfig } from './options-schema.js';
import { findCallByProviderCallId, getCall, getCallDetails, insertCalls, listCalls, updateCall } from './postgres-calls.js';
import { claimDueCalls, claimExpiredLeases, countAttempts } from './postgres-claims.js';
import { eventLogHead, listEvents } from './postgres-events.js';
import { countByStatus, dueSummary, nextWakeUpAt } from './postgres-figures.js';
import { purgeCalls } from './postgres-retention.js';
import type { PostgresSeriesAccess } from './series/postgres-series.js';
import { describeCause } from './store-errors.js';
import { ChangeListener } from './watch/change-listener.js';

/** The storage of `PostgresStore`; the guard checks arguments, open state and errors. */
export class PostgresStoreDriver implements CallStoreDriver {
  readonly name = 'PostgresStore';
  /** Durable, and shared: other processes and hosts write the same database. */
  readonly features: CallStoreFeatures = Object.freeze({ durable: true, shared: true });

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
    return { schema: this.#quoted, db: () => this.#db().db, write: (job) => this.#db().writes.run(job) };
  }

  /** The open database; the guard calls the other methods only after `open()` succeeded. */
  #db(): OpenDatabase {
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
    await open.notifier?.close();
    await open.db.destroy();
    await open.end();
  }

  /** See `postgres-calls.ts`. */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return insertCalls(this.#db(), items);
  }

  /** See `postgres-calls.ts`. */
  getCall(id: string): Promise<CallRecord | undefined> {
    return getCall(this.#db(), id);
  }

  /** See `postgres-calls.ts`. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return getCallDetails(this.#db(), id);
  }

  /** See `postgres-calls.ts`. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return findCallByProviderCallId(this.#db(), providerCallId);
  }

  /** See `postgres-calls.ts`. */
  listCalls(query: CallListQuery): Promise<CallPage> {
    return listCalls(this.#db(), query);
  }

  /** See `postgres-calls.ts`. */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return updateCall(this.#db(), update);
  }

  /** See `postgres-events.ts`. */
  listEvents(query: EventListQuery): Promise<EventPage> {
    return listEvents(this.#db(), query);
  }

  /** See `postgres-events.ts`. */
  eventLogHead(): Promise<EventCursor | null> {
    return eventLogHead(this.#db());
  }

  /** See `postgres-claims.ts`. */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimDueCalls(this.#db(), options);
  }

  /** See `postgres-claims.ts`. */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimExpiredLeases(this.#db(), options);
  }

  /** See `postgres-claims.ts`. */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return countAttempts(this.#db(), query);
  }

  /** See `postgres-figures.ts`. */
  countByStatus(): Promise<CallStatusCounts> {
    return countByStatus(this.#db());
  }

  /** See `postgres-figures.ts`. */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return dueSummary(this.#db(), query);
  }

  /** See `postgres-figures.ts`. */
  nextWakeUpAt(): Promise<number | null> {
    return nextWakeUpAt(this.#db());
  }

  /** See `postgres-retention.ts`. */
  purgeCalls(options: PurgeOptions): Promise<number> {
    return purgeCalls(this.#db(), options);
  }

  /**
   * Calls `onChange` when any handle of the store, on any host, makes a call due earlier than
   * anything stored before (`dueAt`) or commits events (`events`, at most one notification per
   * `eventsNotifyIntervalMs` per writing handle). One dedicated connection listens for all the
   * watches of this handle. A lost connection is reopened with back-off; meanwhile `health()` says
   * `watching: false`, and once it listens again every watcher gets a change with the current
   * earliest due time and `events: true`, since notifications sent meanwhile are lost. With
   * `notify: false` nothing is listened to and `onChange` is never called.
   */
  async watch(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch> {
    const open = this.#db();
    this.#watchers.add(onChange);
    if (this.#config.notify) {
      this.#listener ??= new ChangeListener({
        connect: () => open.pool.connect(),
        channel: this.#channel,
        onChange: (change) => this.#dispatch(change),
        resync: async () => {
          const dueAt = await nextWakeUpAt(open);
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

  /**
   * Whether the database answers (one round trip), whether change notifications arrive
   * (`watching`), and details: the schema, its migration, `notify`, the listener's reconnections.
   */
  health(): Promise<CallStoreHealth> {
    const { db, notifier } = this.#db();
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

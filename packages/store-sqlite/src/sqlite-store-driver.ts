// Owns: the driver of SqliteStore: its frozen config, opening and closing the database, and handing each operation to the file of its concept.
import { parseOptions } from '@call-scheduler/core/internal';
import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStatusCounts,
  CallStoreDriver,
  CallStoreFeatures,
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
import type { Kysely, Transaction } from 'kysely';
import { GroupCommit } from './database/group-commit.js';
import { openDatabase } from './database/open-database.js';
import type { OpenDatabaseConfig } from './database/open-database.js';
import type { SqliteAccess } from './database/store-access.js';
import { findCallByProviderCallId, getCall, getCallDetails, insertCalls, listCalls, updateCall } from './sqlite-calls.js';
import { claimDueCalls, claimExpiredLeases, countAttempts } from './sqlite-claims.js';
import { eventLogHead, listEvents } from './sqlite-events.js';
import { countByStatus, dueSummary, nextWakeUpAt } from './sqlite-figures.js';
import { purgeCalls } from './sqlite-retention.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { sqliteStoreOptionsSchema } from './sqlite-store-options-schema.js';
import type { SqliteSeriesAccess } from './series/sqlite-series.js';
import type { SeriesTables } from './series/series-tables.js';

/** The storage of `SqliteStore`; the guard checks arguments, open state and errors. */
export class SqliteStoreDriver implements CallStoreDriver {
  readonly name = 'SqliteStore';
  readonly features: CallStoreFeatures;

  readonly #config: OpenDatabaseConfig;
  readonly #groupCommit: boolean;
  #access: SqliteAccess | undefined;

  constructor(raw: SqliteStoreOptions) {
    const options = parseOptions(sqliteStoreOptionsSchema, raw, 'SqliteStore options') as SqliteStoreOptions;
    const memory =
      options.database !== undefined ? options.database.memory === true : options.filename === ':memory:';
    const where =
      options.database !== undefined
        ? typeof options.database.name === 'string' && options.database.name !== ''
          ? `"${options.database.name}" (caller's connection)`
          : "(caller's connection)"
        : `"${options.filename}"`;
    this.#config = Object.freeze({
      source: options.database !== undefined ? { database: options.database } : { filename: options.filename },
      where,
      synchronous: options.synchronous ?? 'NORMAL',
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      statementCacheSize: options.statementCacheSize ?? 100,
      durable: !memory,
      peer: options.peer ?? false,
    });
    this.#groupCommit = options.groupCommit ?? true;
    this.features = Object.freeze({ durable: !memory, shared: !memory });
  }

  /** Opens the database, sets its pragmas and migrates the schema (the guard runs it once). */
  async open(): Promise<void> {
    const db = await openDatabase(this.#config);
    const group = this.#groupCommit ? new GroupCommit(db) : undefined;
    this.#access = { db, write: group !== undefined ? (job) => group.run(job) : (job) => db.transaction().execute(job) };
  }

  /** Closes the connection (the guard calls it once, after the operations under way). */
  async close(): Promise<void> {
    const db = this.#access?.db;
    this.#access = undefined;
    if (db === undefined) return;
    // Lets SQLite refresh the statistics its planner uses, as its documentation advises on close.
    await sql`pragma optimize`.execute(db).catch(() => undefined);
    await db.destroy();
  }

  /** The database access of the series half (`series/sqlite-series.ts`): the same connection and write path. */
  seriesAccess(): SqliteSeriesAccess {
    return {
      read: (fn) => fn(this.#open().db as unknown as Kysely<SeriesTables>),
      write: (fn) => this.#open().write((trx) => fn(trx as unknown as Transaction<SeriesTables>)),
    };
  }

  /** The open database (the guard only calls a method once `open()` succeeded). */
  #open(): SqliteAccess {
    const access = this.#access;
    if (access === undefined) throw new Error('the database is not open');
    return access;
  }

  /** See `sqlite-calls.ts`. */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return insertCalls(this.#open(), items);
  }

  /** See `sqlite-calls.ts`. */
  getCall(id: string): Promise<CallRecord | undefined> {
    return getCall(this.#open(), id);
  }

  /** See `sqlite-calls.ts`. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return getCallDetails(this.#open(), id);
  }

  /** See `sqlite-calls.ts`. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return findCallByProviderCallId(this.#open(), providerCallId);
  }

  /** See `sqlite-calls.ts`. */
  listCalls(query: CallListQuery): Promise<CallPage> {
    return listCalls(this.#open(), query);
  }

  /** See `sqlite-calls.ts`. */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return updateCall(this.#open(), update);
  }

  /** See `sqlite-events.ts`. */
  listEvents(query: EventListQuery): Promise<EventPage> {
    return listEvents(this.#open(), query);
  }

  /** See `sqlite-events.ts`. */
  eventLogHead(): Promise<EventCursor | null> {
    return eventLogHead(this.#open());
  }

  /** See `sqlite-claims.ts`. */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimDueCalls(this.#open(), options);
  }

  /** See `sqlite-claims.ts`. */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    return claimExpiredLeases(this.#open(), options);
  }

  /** See `sqlite-claims.ts`. */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return countAttempts(this.#open(), query);
  }

  /** See `sqlite-figures.ts`. */
  countByStatus(): Promise<CallStatusCounts> {
    return countByStatus(this.#open());
  }

  /** See `sqlite-figures.ts`. */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return dueSummary(this.#open(), query);
  }

  /** See `sqlite-figures.ts`. */
  nextWakeUpAt(): Promise<number | null> {
    return nextWakeUpAt(this.#open());
  }

  /** See `sqlite-retention.ts`. */
  purgeCalls(options: PurgeOptions): Promise<number> {
    return purgeCalls(this.#open(), options);
  }
}

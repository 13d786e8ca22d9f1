// Owns: the driver of SqliteStore: its frozen config, opening and closing the database, and binding the operations of each concept to it.
import { parseOptions, withOperations, type BoundOperations, type StoreOperations } from '@call-scheduler/core/internal';
import type { CallStoreDriver, CallStoreFeatures } from '@call-scheduler/core';
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import { BackgroundCheckpoints, INLINE_AUTOCHECKPOINT_PAGES } from './database/background-checkpoints.js';
import { GroupCommit } from './database/group-commit.js';
import { openDatabase } from './database/open-database.js';
import type { OpenDatabaseConfig } from './database/open-database.js';
import type { SqliteAccess } from './database/store-access.js';
import * as calls from './sqlite-calls.js';
import * as claims from './sqlite-claims.js';
import * as events from './sqlite-events.js';
import * as figures from './sqlite-figures.js';
import * as retention from './sqlite-retention.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { sqliteStoreOptionsSchema } from './sqlite-store-options-schema.js';
import type { SqliteSeriesAccess } from './series/sqlite-series.js';
import type { SeriesTables } from './series/series-tables.js';

/** The storage of `SqliteStore`: its config and connection; the guard checks arguments, open state and errors. */
export class SqliteStoreDriver implements Pick<CallStoreDriver, 'name' | 'features' | 'open' | 'close'> {
  readonly name = 'SqliteStore';
  readonly features: CallStoreFeatures;

  readonly #config: OpenDatabaseConfig;
  readonly #groupCommit: boolean;
  #access: SqliteAccess | undefined;
  #checkpoints: BackgroundCheckpoints | undefined;

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
      checkpoints: options.database === undefined && !memory ? (options.checkpoints ?? 'background') : 'inline',
    });
    this.#groupCommit = options.groupCommit ?? true;
    this.features = Object.freeze({ durable: !memory, shared: !memory });
  }

  /** Opens the database, sets its pragmas and migrates the schema (the guard runs it once). */
  async open(): Promise<void> {
    const { db, direct } = await openDatabase(this.#config);
    const group = this.#groupCommit ? new GroupCommit(db) : undefined;
    const write: SqliteAccess['write'] = group !== undefined ? (job) => group.run(job) : (job) => db.transaction().execute(job);
    const { source } = this.#config;
    if (this.#config.checkpoints === 'background' && 'filename' in source) {
      const checkpoints = new BackgroundCheckpoints(source.filename, () => {
        // The worker could not run: SQLite's own checkpoints in this connection again.
        void sql`pragma wal_autocheckpoint = ${sql.lit(INLINE_AUTOCHECKPOINT_PAGES)}`.execute(db).catch(() => undefined);
      });
      this.#checkpoints = checkpoints;
      this.#access = {
        db,
        direct,
        write: (job) => {
          checkpoints.noteWrite();
          return write(job);
        },
      };
      return;
    }
    this.#access = { db, direct, write };
  }

  /** Closes the connection (the guard calls it once, after the operations under way). */
  async close(): Promise<void> {
    const db = this.#access?.db;
    this.#access = undefined;
    // The worker's connection closes first: the store's own, closed last, then checkpoints and removes the WAL.
    await this.#checkpoints?.close();
    this.#checkpoints = undefined;
    if (db === undefined) return;
    // Lets SQLite refresh the statistics its planner uses, as its documentation advises on close.
    await sql`pragma optimize`.execute(db).catch(() => undefined);
    await db.destroy();
  }

  /** The database access of the series half (`series/sqlite-series.ts`): the same connection and write path. */
  seriesAccess(): SqliteSeriesAccess {
    return {
      read: (fn) => fn(this.access().db as unknown as Kysely<SeriesTables>),
      write: (fn) => this.access().write((trx) => fn(trx as unknown as Transaction<SeriesTables>)),
    };
  }

  /** The open database (the guard only calls a method once `open()` succeeded). */
  access(): SqliteAccess {
    const access = this.#access;
    if (access === undefined) throw new Error('the database is not open');
    return access;
  }

}

/** Every operation of the store, each a function of the open database. */
const OPERATIONS: StoreOperations<SqliteAccess> = { ...calls, ...claims, ...events, ...figures, ...retention };

/** A driver for `options`, with every operation of the store. */
export function sqliteStoreDriver(options: SqliteStoreOptions): SqliteStoreDriver & BoundOperations {
  const driver = new SqliteStoreDriver(options);
  return withOperations(driver, () => driver.access(), OPERATIONS);
}

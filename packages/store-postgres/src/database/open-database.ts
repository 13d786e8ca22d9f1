// Owns: opening PostgresStore's database: the pool (made or the caller's), migrations, the change notifier and the write runner.
import { CallSchedulerError, ErrorCode, systemClock } from '@call-scheduler/core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type PgModule from 'pg';
import { runMigrations } from '../migrations/run-migrations.js';
import type { PostgresStoreConfig } from '../options-schema.js';
import type { PostgresStorePool } from '../postgres-store-options.js';
import { int } from '../rows/rows.js';
import { mergedUpdatesQuery } from '../sql/merged-updates.js';
import type { MergedWrite } from '../sql/merged-updates.js';
import { describeCause } from '../store-errors.js';
import { ChangeNotifier } from '../watch/change-notifier.js';
import { WriteRunner } from './group-commit.js';
import { PlannerStatistics } from './planner-statistics.js';
import { PreparedStatements, keepGenericPlans, preparingPool } from './prepared-statements.js';

/** The database a store opened: the kysely instance, its pool, how to let go of the pool, and the write path. */
export interface OpenDatabase {
  readonly db: Kysely<unknown>;
  /** The store's schema, quoted for SQL. */
  readonly quoted: string;
  readonly pool: PostgresStorePool;
  readonly end: () => Promise<void>;
  readonly writes: WriteRunner;
  readonly notifier: ChangeNotifier | undefined;
  readonly statistics: PlannerStatistics;
  /** The statements sent by name (`preparedStatements`). */
  readonly prepared: PreparedStatements;
}

/**
 * Connects (making the pool for `connectionString`) and migrates the schema; `channel` is where
 * the notifier sends.
 * @throws CallSchedulerError `STORE_INIT_FAILED` (or the migrations' own error); nothing stays open.
 */
export async function openDatabase(config: PostgresStoreConfig, quoted: string, channel: string): Promise<OpenDatabase> {
  const { source } = config;
  let pool: PostgresStorePool;
  let end: () => Promise<void>;
  if (source.kind === 'caller') {
    pool = source.pool;
    end = async () => undefined;
  } else {
    let pg: typeof PgModule;
    try {
      pg = (await import('pg')).default;
    } catch (error) {
      throw new CallSchedulerError(ErrorCode.STORE_INIT_FAILED, `PostgresStore needs the pg package for connectionString: npm install pg (${describeCause(error)})`, { cause: error });
    }
    const owned = new pg.Pool({ connectionString: source.connectionString, max: source.poolSize });
    // An idle connection that breaks is dropped by the pool; without a listener the error would crash the process.
    owned.on('error', () => undefined);
    if (config.preparedStatements) keepGenericPlans(owned);
    pool = owned;
    end = () => owned.end();
  }
  // kysely ends the pool it was given on destroy(): it gets a view of the pool that never ends it
  // (and sends the prepared statements by name).
  const prepared = new PreparedStatements(config.preparedStatements);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: preparingPool(pool, prepared) }) });
  try {
    await runMigrations(db, config.schema);
  } catch (error) {
    await db.destroy();
    await end().catch(() => undefined);
    if (error instanceof CallSchedulerError) throw error;
    throw new CallSchedulerError(
      ErrorCode.STORE_INIT_FAILED,
      `Cannot open the PostgreSQL store (schema "${config.schema}"): ${describeCause(error)}`,
      { cause: error },
    );
  }
  const notifier = config.notify
    ? new ChangeNotifier({
        send: async (payload) => {
          await sql`select pg_notify(${channel}, ${payload})`.execute(db);
        },
        clock: systemClock,
        eventsIntervalMs: config.eventsNotifyIntervalMs,
        onError: () => undefined,
      })
    : undefined;
  const writes = new WriteRunner(
    db,
    config.groupCommit,
    (changes) => {
      for (const change of changes) notifier?.announce(change);
    },
    {
      run: async (conn, payloads) => {
        const rows = (await conn.executeQuery(mergedUpdatesQuery(conn, quoted, payloads as MergedWrite[]))).rows;
        const byJob = new Map(rows.map((row) => [int(row.job_ord), row]));
        return payloads.map((_, i) => byJob.get(i));
      },
    },
  );
  const statistics = new PlannerStatistics(async () => {
    await sql`analyze ${sql.raw(quoted)}.calls`.execute(db);
    const rows = await sql<{ rows: number }>`select reltuples::float8 as rows from pg_class where oid = ${`${quoted}.calls`}::regclass`.execute(db);
    return Number(rows.rows[0]?.rows ?? 0);
  });
  return { db, quoted, pool, end, writes, notifier, statistics, prepared };
}

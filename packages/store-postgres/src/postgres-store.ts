import { GuardedCallStore, systemClock } from '@call-scheduler/core';
import { checkDueSummaryQuery, decodeListCursor, encodeListCursor, invalidInput } from '@call-scheduler/core/internal';
import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStatus,
  CallStatusCounts,
  CallStoreDriver,
  CallStoreChange,
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
  SeriesStore,
  UpdateResult,
} from '@call-scheduler/core';
import { CallSchedulerError, ErrorCode } from '@call-scheduler/core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PostgresPool } from 'kysely';
import type PgModule from 'pg';
import { WriteRunner } from './database/group-commit.js';
import type { ChangeNote } from './database/group-commit.js';
import { decodeEventCursor, encodeEventCursor } from './event-cursor.js';
import { MIGRATIONS, MIGRATION_TABLE } from './migrations/migrations.js';
import { runMigrations } from './migrations/run-migrations.js';
import { resolveOptions } from './options-schema.js';
import { withPostgresSeries, type PostgresSeriesAccess } from './series/postgres-series.js';
import type { PostgresStoreConfig } from './options-schema.js';
import type { PostgresStoreOptions, PostgresStorePool } from './postgres-store-options.js';
import {
  appendedEvent,
  callInput,
  eventInput,
  int,
  intOrNull,
  newCallRecord,
  toAttemptRecord,
  toCallRecord,
  toEventRecord,
} from './rows/rows.js';
import type { AttemptRow, EventRow } from './rows/rows.js';
import * as statements from './sql/statements.js';
import type { ClaimedRow, EventKey, UpdatedRow } from './sql/statements.js';
import { isMergeable, mergedUpdates } from './sql/merged-updates.js';
import type { MergedWrite } from './sql/merged-updates.js';
import { describeCause } from './store-errors.js';
import { ChangeListener } from './watch/change-listener.js';
import { ChangeNotifier } from './watch/change-notifier.js';

/** Calls per insert statement (one JSON parameter each). */
const CALLS_PER_STATEMENT = 1000;

type Db = Kysely<unknown>;

/** The database a store opened: the kysely instance, its pool, and how to let go of the pool. */
interface OpenDatabase {
  readonly db: Db;
  readonly pool: PostgresStorePool;
  readonly end: () => Promise<void>;
  readonly writes: WriteRunner;
  readonly notifier: ChangeNotifier | undefined;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `INVALID_INPUT` naming `items.<i>.call.id` when two calls of a batch have the same id. */
function checkBatchIds(items: readonly CallInsert[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.call.id)) {
      throw invalidInput([{ path: `items.${i}.call.id`, message: `the batch has call ${item.call.id} twice`, rule: 'custom' }], 'calls');
    }
    seen.add(item.call.id);
  });
}

/** A primary-key violation of `calls` as `INVALID_INPUT` naming the item; other errors unchanged. */
function explainInsertFailure(items: readonly CallInsert[], error: unknown): unknown {
  const { code, constraint, detail } = (error ?? {}) as { code?: unknown; constraint?: unknown; detail?: unknown };
  if (code !== '23505' || constraint !== 'calls_pkey') return error;
  const id = typeof detail === 'string' ? /\(id\)=\((.*)\) already exists/.exec(detail)?.[1] : undefined;
  const index = items.findIndex((item) => item.call.id === id);
  if (index < 0) return error;
  return invalidInput([{ path: `items.${index}.call.id`, message: `a call with id ${String(id)} is already stored`, rule: 'custom' }], 'calls');
}

/** The events a statement appended, matched to their inputs: per call, in id order. */
function matchEvents(keys: readonly EventKey[]): Map<string, EventKey[]> {
  const byCall = new Map<string, EventKey[]>();
  for (const key of [...keys].sort((a, b) => int(a.id) - int(b.id))) {
    const list = byCall.get(key.call_id);
    if (list === undefined) byCall.set(key.call_id, [key]);
    else list.push(key);
  }
  return byCall;
}

/** The result of a claim row: the call and its one event. */
function claimedResult(row: ClaimedRow, type: 'dispatching' | 'recovered', now: number): UpdateResult {
  const call = toCallRecord(row);
  const attempt = type === 'dispatching' ? call.attemptCount : call.attemptCount > 0 ? call.attemptCount : null;
  const event = appendedEvent(
    call.id,
    {
      type,
      at: now,
      attempt,
      status: type === 'dispatching' ? 'dispatching' : call.status,
      providerStatus: null,
      // As the statement wrote it: who claimed the call (and when it was due), or whose lease was taken over.
      data:
        type === 'dispatching'
          ? { owner: call.lease?.owner ?? null, dueAt: int(row.claimed_due_at) }
          : { previousOwner: row.previous_owner ?? null, owner: call.lease?.owner ?? null },
    },
    { id: row.event_id, xid: row.event_xid },
  );
  return { call, events: [event] };
}

/**
 * A `CallStore` on PostgreSQL, through kysely's `PostgresDialect` and `pg`: many scheduler
 * processes on many hosts share one database, each call dialed by exactly one of them.
 *
 * - **Claims** are single statements: a `FOR UPDATE SKIP LOCKED` CTE on a partial index, then
 *   `UPDATE ... RETURNING`, with the attempt and event inserts in the same statement. Progress
 *   writes carry the lease's fencing token in their `WHERE`; a crashed host's calls are taken over
 *   when their leases expire, never earlier.
 * - **`onePerNumber` across hosts**: a claim must also insert the number into `number_claims`, whose
 *   primary key makes two concurrent claims of one number exclusive under READ COMMITTED.
 * - **The event log** is read in (transaction id, id) order below the oldest running transaction,
 *   so a follower never skips an event that committed late; the cursor carries both.
 * - **Group commit**: the writes of one event-loop turn share one transaction.
 * - **Wake-ups**: {@link PostgresStore.watch} listens on a dedicated connection; a write that
 *   makes a call due earlier than anything stored sends one `NOTIFY` (`notify: false`: none).
 *
 * The schema (default `call_scheduler`) is created and migrated by {@link PostgresStore.init}
 * (built-in, versioned migrations); a schema written by a newer version of this package is refused
 * with `STORE_SCHEMA_TOO_NEW`.
 *
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { PostgresStore } from '@call-scheduler/store-postgres';
 *
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL! });
 * const scheduler = new CallScheduler({ store, provider });
 * await scheduler.start(); // migrates the schema, listens for other hosts' changes
 * ```
 */
export class PostgresStore extends GuardedCallStore {
  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest first, with their attempts and events, in one statement (a `SKIP LOCKED`
   * walk of the partial index `calls_ended_idx`); see `CallStore.purgeCalls`. Event ids come from an
   * identity column and are never handed out again.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  declare readonly purgeCalls: (options: PurgeOptions) => Promise<number>;

  /**
   * Calls `onChange` when any handle of the store, on any host, makes a call due earlier than
   * anything stored before (`dueAt`) or commits events (`events`, at most one notification per
   * `eventsNotifyIntervalMs` per writing handle). One dedicated connection listens for all the
   * watches of this handle. A lost connection is reopened with back-off; meanwhile `health()` says
   * `watching: false`, and once it listens again every watcher gets a change with the current
   * earliest due time and `events: true`, since notifications sent meanwhile are lost. With
   * `notify: false` nothing is listened to and `onChange` is never called. See `CallStore.watch`.
   */
  declare readonly watch: (onChange: (change: CallStoreChange) => void) => Promise<CallStoreWatch>;

  /**
   * Whether the database answers (one round trip), whether change notifications arrive
   * (`watching`), and details: the schema, its latest migration, `notify`, the listener's
   * reconnections and the `NOTIFY`s this handle sent. See `CallStore.health`.
   */
  declare readonly health: () => Promise<CallStoreHealth>;

  /** The PostgreSQL schema that holds the store's tables. */
  readonly schema: string;

  /** Recurring calls: stores a series; see `SeriesStore.insertSeries` (the series methods are in `series/postgres-series.ts`). */
  declare readonly insertSeries: SeriesStore['insertSeries'];
  /** One series, or `undefined`; see `SeriesStore.getSeries`. */
  declare readonly getSeries: SeriesStore['getSeries'];
  /** A page of series; see `SeriesStore.listSeries`. */
  declare readonly listSeries: SeriesStore['listSeries'];
  /** Active series whose `planAt` has come; see `SeriesStore.listDueSeries`. */
  declare readonly listDueSeries: SeriesStore['listDueSeries'];
  /** The smallest `planAt` of active series; see `SeriesStore.nextSeriesPlanAt`. */
  declare readonly nextSeriesPlanAt: SeriesStore['nextSeriesPlanAt'];
  /** One step of a series in one transaction (its row locked); see `SeriesStore.materializeOccurrences`. */
  declare readonly materializeOccurrences: SeriesStore['materializeOccurrences'];
  /** A change of a series with compare-and-set; see `SeriesStore.updateSeries`. */
  declare readonly updateSeries: SeriesStore['updateSeries'];
  /** The occurrence calls of a series; see `SeriesStore.listSeriesOccurrences`. */
  declare readonly listSeriesOccurrences: SeriesStore['listSeriesOccurrences'];

  /**
   * Checks and freezes the options; connects to nothing. `init()` (or the first operation)
   * connects (making the pool for `connectionString`) and migrates the schema, once (again after a
   * failure): `STORE_INIT_FAILED` when the server cannot be reached or a migration failed,
   * `STORE_SCHEMA_TOO_NEW` for a schema migrated by a newer version. `close()` waits for the
   * operations under way, stops watching, gives back every connection, and ends the pool it made
   * (a caller's `pool` stays open).
   * @throws CallSchedulerError `INVALID_INPUT` naming the bad option.
   */
  constructor(options: PostgresStoreOptions) {
    const config = resolveOptions(options);
    const driver = new PostgresStoreDriver(config);
    super(withPostgresSeries(driver));
    this.schema = config.schema;
    this.#driver = driver;
  }

  readonly #driver: PostgresStoreDriver;

  /** Calls per status; see `CallStore.countByStatus`. One `GROUP BY` over `calls_status_id_idx`. */
  countByStatus(): Promise<CallStatusCounts> {
    return this.guarded('countByStatus', () => this.#driver.countByStatus());
  }

  /**
   * The earliest due call and how many are due by `now + horizonMs`; see `CallStore.dueSummary`.
   * Two reads of the partial index `calls_due_idx`.
   * @throws CallSchedulerError `INVALID_INPUT` naming `now` or `horizonMs`.
   */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.guarded('dueSummary', () => {
      checkDueSummaryQuery(query);
      return this.#driver.dueSummary(query);
    });
  }
}

/** The storage of {@link PostgresStore}; the guard checks arguments, open state and errors. */
class PostgresStoreDriver implements CallStoreDriver {
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
    this.#open = await this.#openDatabase();
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

  async #openDatabase(): Promise<OpenDatabase> {
    const { source } = this.#config;
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
      pool = owned;
      end = () => owned.end();
    }
    // kysely ends the pool it was given on destroy(): it gets a view of the pool that never ends it.
    const kyselyPool: PostgresPool = { connect: () => pool.connect() as unknown as ReturnType<PostgresPool['connect']>, end: async () => undefined };
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: kyselyPool }) });
    try {
      await runMigrations(db, this.#config.schema);
    } catch (error) {
      await db.destroy();
      await end().catch(() => undefined);
      if (error instanceof CallSchedulerError) throw error;
      throw new CallSchedulerError(
        ErrorCode.STORE_INIT_FAILED,
        `Cannot open the PostgreSQL store (schema "${this.#config.schema}"): ${describeCause(error)}`,
        { cause: error },
      );
    }
    const notifier = this.#config.notify
      ? new ChangeNotifier({
          send: async (payload) => {
            await sql`select pg_notify(${this.#channel}, ${payload})`.execute(db);
          },
          clock: systemClock,
          eventsIntervalMs: this.#config.eventsNotifyIntervalMs,
          onError: () => undefined,
        })
      : undefined;
    const writes = new WriteRunner(
      db,
      this.#config.groupCommit,
      (changes) => {
        for (const change of changes) notifier?.announce(change);
      },
      {
        run: async (conn, payloads) => {
          const rows = (await mergedUpdates(this.#quoted, payloads as MergedWrite[]).execute(conn)).rows;
          const byJob = new Map(rows.map((row) => [int(row.job_ord), row]));
          return payloads.map((_, i) => byJob.get(i));
        },
      },
    );
    return { db, pool, end, writes, notifier };
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

  /**
   * Inserts calls and their events (one statement per 1,000 calls, `json_to_recordset` and
   * `insert ... on conflict do nothing`), in one transaction, or in the current group commit. An
   * idempotency key already stored (also by another host at the same moment) or seen earlier in the
   * batch returns that call with `created: false`.
   * @throws CallSchedulerError `INVALID_INPUT` naming `items.<i>.call.id` for an id given twice or already stored; nothing is inserted.
   */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    const { writes } = this.#db();
    return (async () => {
      if (items.length === 0) return [];
      checkBatchIds(items);
      // Decide per item, in input order: insert, or return the earlier item of the batch with its key.
      const fresh: CallInsert[] = [];
      const firstInBatch = new Map<string, CallInsert>();
      const plan = items.map((item): CallInsert => {
        const key = item.call.idempotencyKey;
        if (key !== null) {
          const earlier = firstInBatch.get(key);
          if (earlier !== undefined) return earlier;
          firstInBatch.set(key, item);
        }
        fresh.push(item);
        return item;
      });
      return writes.run(async (trx, note) => {
        const results = new Map<CallInsert, InsertResult>();
        const conflicted: CallInsert[] = [];
        let earliestDue: number | null = null;
        for (const chunk of chunks(fresh, CALLS_PER_STATEMENT)) {
          const calls = JSON.stringify(chunk.map((item, i) => callInput(item.call, i)));
          let ord = 0;
          const events = JSON.stringify(chunk.flatMap((item) => item.events.map((event) => eventInput(item.call.id, event, ord++))));
          let row: statements.InsertCallsRow | undefined;
          try {
            row = (await statements.insertCalls(this.#quoted, calls, events).execute(trx)).rows[0];
          } catch (error) {
            throw explainInsertFailure(items, error);
          }
          const inserted = new Set(row?.inserted ?? []);
          const eventsByCall = matchEvents(row?.events ?? []);
          const before = intOrNull(row?.earliest_before ?? null);
          for (const item of chunk) {
            if (!inserted.has(item.call.id)) {
              conflicted.push(item);
              continue;
            }
            const keys = eventsByCall.get(item.call.id) ?? [];
            const own = item.events.map((event, i) => appendedEvent(item.call.id, event, keys[i] as EventKey));
            results.set(item, { call: newCallRecord(item.call), created: true, events: own });
            const due = item.call.status === 'scheduled' ? item.call.dueAt : null;
            if (due !== null && (before === null || due < before) && (earliestDue === null || due < earliestDue)) earliestDue = due;
          }
        }
        if (conflicted.length > 0) {
          const keys = conflicted.map((item) => item.call.idempotencyKey as string);
          const stored = new Map<string, CallRecord>();
          for (const row of (await statements.callsByIdempotencyKey(this.#quoted, keys).execute(trx)).rows) {
            stored.set(row.idempotency_key as string, toCallRecord(row));
          }
          for (const item of conflicted) {
            const call = stored.get(item.call.idempotencyKey as string);
            if (call === undefined) throw new Error(`call ${item.call.id} was neither inserted nor found by its idempotency key`);
            results.set(item, { call, created: false, events: [] });
          }
        }
        if (results.size > 0) note({ ...(earliestDue !== null ? { dueAt: earliestDue } : {}), events: true });
        return plan.map((entry, i): InsertResult => {
          const result = results.get(entry) as InsertResult;
          return entry === items[i] ? result : { call: result.call, created: false, events: [] };
        });
        // One statement for up to CALLS_PER_STATEMENT calls: atomic alone.
      }, fresh.length <= CALLS_PER_STATEMENT);
    })();
  }

  /** One call, or `undefined`. */
  getCall(id: string): Promise<CallRecord | undefined> {
    const { db } = this.#db();
    return (async () => {
      const row = (await statements.selectCall(this.#quoted, id).execute(db)).rows[0];
      return row === undefined ? undefined : toCallRecord(row);
    })();
  }

  /** One call with its attempts and events, read by one statement (one snapshot), or `undefined`. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    const { db } = this.#db();
    return (async () => {
      const row = (await statements.selectCallDetails(this.#quoted, id).execute(db)).rows[0];
      if (row === undefined) return undefined;
      return {
        call: toCallRecord(row),
        attempts: (row.attempts as AttemptRow[]).map(toAttemptRecord),
        events: (row.events as EventRow[]).map(toEventRecord),
      };
    })();
  }

  /** The call whose current or last attempt has this provider id, or `undefined`. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    const { db } = this.#db();
    return (async () => {
      const row = (await statements.selectCallByProviderCallId(this.#quoted, providerCallId).execute(db)).rows[0];
      return row === undefined ? undefined : toCallRecord(row);
    })();
  }

  /**
   * A page of calls in id order, keyset-paginated by an opaque cursor (the last id, base64url).
   * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for a cursor this store did not make.
   */
  listCalls(query: CallListQuery): Promise<CallPage> {
    const { db } = this.#db();
    return (async () => {
      if (query.statuses !== undefined && query.statuses.length === 0) return { items: [], nextCursor: null };
      const rows = (
        await statements
          .listCalls(this.#quoted, {
            ...(query.statuses !== undefined ? { statuses: query.statuses } : {}),
            ...(query.to !== undefined ? { to: query.to } : {}),
            ...(query.atFrom !== undefined ? { atFrom: query.atFrom } : {}),
            ...(query.atUntil !== undefined ? { atUntil: query.atUntil } : {}),
            after: query.cursor === null ? null : decodeListCursor(query.cursor),
            desc: query.order === 'desc',
            limit: query.limit,
          })
          .execute(db)
      ).rows;
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toCallRecord),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeListCursor(last.id) : null,
      };
    })();
  }

  /**
   * The events committed after `query.after`, in (transaction id, id) order, only from
   * transactions that have all ended: an event whose transaction is still open (or that committed
   * after an older one still open) waits until everything before it has ended, so a reader that
   * resumes from the returned cursors never skips one. See `CallStore.listEvents`.
   * @throws CallSchedulerError `INVALID_INPUT` naming `after` or `limit`.
   */
  listEvents(query: EventListQuery): Promise<EventPage> {
    const { db } = this.#db();
    return (async () => {
      const after = decodeEventCursor(query.after);
      const rows = (await statements.listEvents(this.#quoted, after, query.limit, query.callId).execute(db)).rows;
      const items = rows.map(toEventRecord);
      const last = items[items.length - 1];
      return { items, nextCursor: last !== undefined ? last.cursor : query.after };
    })();
  }

  /**
   * The cursor of the log's end: the oldest transaction still running (everything before it has
   * ended), or `null` when the log is empty. Events of transactions that were running at the call
   * follow it, also when they commit later.
   */
  eventLogHead(): Promise<EventCursor | null> {
    const { db } = this.#db();
    return (async () => {
      const row = (await statements.eventLogHead(this.#quoted).execute(db)).rows[0];
      return row === undefined || !row.any ? null : encodeEventCursor(row.xmin, 0);
    })();
  }

  /**
   * Atomically claims up to `limit` due calls, earliest `dueAt` first (then id), in one statement;
   * see `CallStore.claimDueCalls` and `sql/statements.ts`.
   */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    const { db, notifier } = this.#db();
    return (async () => {
      if (options.limit <= 0) return [];
      const rows = (await statements.claimDueCalls(this.#quoted, options).execute(db)).rows;
      if (rows.length > 0) notifier?.announce({ events: true });
      return rows.map((row) => claimedResult(row, 'dispatching', options.now));
    })();
  }

  /** Atomically takes over up to `limit` calls whose lease expired, earliest expiry first, in one statement. */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    const { db, notifier } = this.#db();
    return (async () => {
      if (options.limit <= 0) return [];
      const rows = (await statements.claimExpiredLeases(this.#quoted, options).execute(db)).rows;
      if (rows.length > 0) notifier?.announce({ events: true });
      return rows.map((row) => claimedResult(row, 'recovered', options.now));
    })();
  }

  /**
   * Applies `update` if its conditions hold; `undefined` otherwise. One statement (the conditions
   * in the `UPDATE`'s `WHERE`; the attempt, the events and the release of the number only when it
   * changed the row), in one transaction or the current group commit. See `CallStore.updateCall`.
   * @throws CallSchedulerError `INVALID_INPUT` naming `attempt.number` for an attempt that does not exist, or `unclaim` (no attempt to undo, or combined with `attempt`); nothing is written.
   */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    const { writes } = this.#db();
    return (async () => {
      if (update.expect.statuses !== undefined && update.expect.statuses.length === 0) return undefined;
      const unclaim = update.unclaim === true;
      if (unclaim && update.attempt !== undefined) {
        throw invalidInput([{ path: 'unclaim', message: 'unclaim cannot be combined with an attempt patch', rule: 'custom' }], 'update');
      }
      const newEvents = update.events ?? [];
      const events = newEvents.length > 0 ? JSON.stringify(newEvents.map((event, i) => eventInput(update.id, event, i))) : null;
      const finish = async (row: UpdatedRow | undefined, conn: Kysely<unknown>, note: ChangeNote): Promise<UpdateResult | undefined> => {
        if (row === undefined) {
          // The statement wrote nothing. With an attempt patch or unclaim: a failed condition, or
          // the attempt is missing, which is bad input.
          if (update.attempt === undefined && !unclaim) return undefined;
          const probe = (await statements.updateProbe(this.#quoted, update).execute(conn)).rows[0];
          if (probe === undefined || !probe.matches || probe.has_attempt) return undefined;
          if (unclaim) throw invalidInput([{ path: 'unclaim', message: `call ${update.id} has no attempt to unclaim`, rule: 'custom' }], 'update');
          throw invalidInput([{ path: 'attempt.number', message: `call ${update.id} has no attempt ${update.attempt?.number ?? 0}`, rule: 'custom' }], 'update');
        }
        const keys = [...(row.event_keys ?? [])].sort((a, b) => int(a.id) - int(b.id));
        const appended = newEvents.map((event, i) => appendedEvent(update.id, event, keys[i] as EventKey));
        const due = update.set.status === 'scheduled' ? update.set.dueAt : undefined;
        const before = intOrNull(row.earliest_before ?? null);
        const movedEarlier = typeof due === 'number' && (before === null || due < before);
        if (movedEarlier || appended.length > 0) note({ ...(movedEarlier ? { dueAt: due } : {}), ...(appended.length > 0 ? { events: true } : {}) });
        return { call: toCallRecord(row), events: appended };
      };
      const merged: MergedWrite = { update, events: newEvents };
      return writes.run(
        async (conn, note) => finish((await statements.updateCall(this.#quoted, update, events).execute(conn)).rows[0], conn, note),
        true,
        isMergeable(update) ? { key: update.id, payload: merged, finish: (row, conn, note) => finish(row as UpdatedRow | undefined, conn, note) } : undefined,
      );
    })();
  }

  /** See {@link PostgresStore.countByStatus}. */
  async countByStatus(): Promise<CallStatusCounts> {
    const { rows } = await statements.countByStatus(this.#quoted).execute(this.#db().db);
    const counts: Partial<Record<CallStatus, number>> = {};
    for (const row of rows) counts[row.status as CallStatus] = int(row.n);
    return counts;
  }

  /** See {@link PostgresStore.dueSummary}. */
  async dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    const row = (await statements.dueSummary(this.#quoted, query.now + query.horizonMs).execute(this.#db().db)).rows[0];
    return { earliestDueAt: row?.earliest == null ? null : int(row.earliest), dueWithin: row === undefined ? 0 : int(row.within) };
  }

  /** The smallest `dueAt` of a `scheduled` call or `expiresAt` of a lease, or `null`: two index lookups. */
  nextWakeUpAt(): Promise<number | null> {
    return this.#nextWakeUpAt(this.#db().db);
  }

  async #nextWakeUpAt(db: Db): Promise<number | null> {
    const row = (await statements.nextWakeUpTimes(this.#quoted).execute(db)).rows[0] ?? { due: null, lease: null };
    const times = [row.due, row.lease].filter((t) => t !== null).map(int);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** How many attempts to `to` started at or after `since`. */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    const { db } = this.#db();
    return (async () => {
      const row = (await statements.countAttempts(this.#quoted, query.to, query.since).execute(db)).rows[0];
      return row === undefined ? 0 : int(row.n);
    })();
  }

  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest first, with their attempts and events, in one statement; see
   * `CallStore.purgeCalls`. Event ids come from an identity column and are never handed out again.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  purgeCalls(options: PurgeOptions): Promise<number> {
    const { db } = this.#db();
    return (async () => {
      const statuses = options.statuses === undefined ? null : [...new Set(options.statuses)];
      if (statuses !== null && statuses.length === 0) return 0;
      const row = (await statements.purgeCalls(this.#quoted, options.endedBefore, options.limit, statuses).execute(db)).rows[0];
      return row === undefined ? 0 : int(row.n);
    })();
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
          const dueAt = await this.#nextWakeUpAt(open.db);
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

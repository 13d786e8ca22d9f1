import { GuardedCallStore } from '@call-scheduler/core';
import { checkDueSummaryQuery, decodeListCursor, decodeSequenceCursor, encodeListCursor, encodeSequenceCursor, invalidInput, parseOptions } from '@call-scheduler/core/internal';
import type {
  CallDetailsRecord,
  CallEventRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallRecord,
  CallStatus,
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
  NewCallEvent,
  PurgeOptions,
  SeriesStore,
  UpdateResult,
} from '@call-scheduler/core';
import { sql } from 'kysely';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { anyDueCall, anyExpiredLease, dueCallIds, endedCallIds, expiredLeaseIds, nextWakeUpTimes } from './hot-queries.js';
import { GroupCommit } from './database/group-commit.js';
import { insertRows } from './database/hot-inserts.js';
import type { WriteJob } from './database/group-commit.js';
import { openDatabase } from './database/open-database.js';
import type { OpenDatabaseConfig } from './database/open-database.js';
import type { AttemptsTable, CallsTable, EventsTable, StoreTables } from './database/tables.js';
import { toAttemptPatchRow, toAttemptRecord } from './rows/attempt-row.js';
import { newCallRecord, toCallPatchRow, toCallRecord, toNewCallRow } from './rows/call-row.js';
import { int } from './rows/columns.js';
import { toEventRecord, toNewEventRow } from './rows/event-row.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { sqliteStoreOptionsSchema } from './sqlite-store-options-schema.js';
import { withSqliteSeries, type SqliteSeriesAccess } from './series/sqlite-series.js';
import type { SeriesTables } from './series/series-tables.js';

/** Rows per multi-row `INSERT`: well under SQLite's 32,766 bound variables (24 columns × 500). */
const ROWS_PER_INSERT = 500;
/** Values per `IN (...)` list. */
const VALUES_PER_IN = 500;

type Db = Kysely<StoreTables>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Appends events in one multi-row insert per chunk; returns them with their ids, in input order. */
async function insertEvents(
  trx: Transaction<StoreTables>,
  rows: readonly Insertable<EventsTable>[],
): Promise<CallEventRecord[]> {
  const out: CallEventRecord[] = [];
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    const inserted = await insertRows(trx, 'events', chunk, true);
    // The rows of one statement get increasing ids in VALUES order; RETURNING has no defined order.
    const ids = inserted.map((row) => int(row.id)).sort((a, b) => a - b);
    chunk.forEach((row, i) => {
      out.push(toEventRecord({ ...row, id: ids[i] ?? 0, attempt: row.attempt ?? null, provider_status: row.provider_status ?? null, data: row.data ?? null }));
    });
  }
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

/**
 * The error for a failed insert of `chunk`: `INVALID_INPUT` naming `items.<i>.call.id` when a call
 * with that id is already stored (the primary key refused it), otherwise the original error.
 */
async function explainInsertFailure(
  trx: Transaction<StoreTables>,
  items: readonly CallInsert[],
  chunk: readonly CallInsert[],
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof Error) || !/constraint/i.test(error.message)) return error;
  const stored = await trx
    .selectFrom('calls')
    .select('id')
    .where('id', 'in', chunk.map((item) => item.call.id))
    .limit(1)
    .executeTakeFirst();
  if (stored === undefined) return error;
  const index = items.findIndex((item) => item.call.id === stored.id);
  return invalidInput([{ path: `items.${index}.call.id`, message: `a call with id ${stored.id} is already stored`, rule: 'custom' }], 'calls');
}

/** The order a claim's `RETURNING` rows had in its subquery: `claimed_due_at`, then id. */
function byClaimOrder(a: CallsTable, b: CallsTable): number {
  const byDue = (a.claimed_due_at ?? 0) - (b.claimed_due_at ?? 0);
  if (byDue !== 0) return byDue;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A durable `CallStore` in one SQLite file, through kysely and better-sqlite3. Several
 * processes on one host may share the file: claims are single atomic `UPDATE ... RETURNING`
 * statements, every write of one logical step is one `BEGIN IMMEDIATE` transaction (with
 * `groupCommit`, the `insertCalls` and `updateCall` writes of one event-loop turn share one, each in
 * its own savepoint when one of them fails), and progress writes are guarded by the lease's fencing
 * token.
 *
 * The schema is created and migrated by {@link SqliteStore.init} (built-in, versioned
 * migrations); a database written by a newer version of this package is refused with
 * `STORE_SCHEMA_TOO_NEW`. The connection runs in WAL mode with `busy_timeout` and
 * `synchronous=NORMAL` (or `FULL`): see `README.md` for what they mean for durability.
 *
 * @example
 * ```ts
 * import { CallScheduler } from '@call-scheduler/core';
 * import { SqliteStore } from '@call-scheduler/store-sqlite';
 *
 * const scheduler = new CallScheduler({ store: new SqliteStore({ filename: './data/calls.db' }), provider });
 * await scheduler.start(); // opens the file and migrates it
 * ```
 */
export class SqliteStore extends GuardedCallStore {
  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first (then id), with their attempts and events, in one
   * immediate transaction (a walk of the partial index `calls_ended_idx`); see
   * `CallStore.purgeCalls`. Event ids are `AUTOINCREMENT`: never handed out again. The file does
   * not shrink; SQLite reuses the freed pages.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  declare readonly purgeCalls: (options: PurgeOptions) => Promise<number>;

  /** Recurring calls: stores a series; see `SeriesStore.insertSeries` (the series methods are in `series/sqlite-series.ts`). */
  declare readonly insertSeries: SeriesStore['insertSeries'];
  /** One series, or `undefined`; see `SeriesStore.getSeries`. */
  declare readonly getSeries: SeriesStore['getSeries'];
  /** A page of series; see `SeriesStore.listSeries`. */
  declare readonly listSeries: SeriesStore['listSeries'];
  /** Active series whose `planAt` has come; see `SeriesStore.listDueSeries`. */
  declare readonly listDueSeries: SeriesStore['listDueSeries'];
  /** The smallest `planAt` of active series; see `SeriesStore.nextSeriesPlanAt`. */
  declare readonly nextSeriesPlanAt: SeriesStore['nextSeriesPlanAt'];
  /** One step of a series in one immediate transaction; see `SeriesStore.materializeOccurrences`. */
  declare readonly materializeOccurrences: SeriesStore['materializeOccurrences'];
  /** A change of a series with compare-and-set; see `SeriesStore.updateSeries`. */
  declare readonly updateSeries: SeriesStore['updateSeries'];
  /** The occurrence calls of a series; see `SeriesStore.listSeriesOccurrences`. */
  declare readonly listSeriesOccurrences: SeriesStore['listSeriesOccurrences'];

  /**
   * Checks the options; opens nothing. `init()` (or the first operation) opens the database, sets
   * its pragmas and migrates the schema, once (again after a failure): `STORE_INIT_FAILED` when
   * the file cannot be opened, is not a database or a migration failed, `STORE_SCHEMA_TOO_NEW`
   * for a file written by a newer version. `close()` waits for the operations under way, then
   * closes the connection (unless the caller passed its own `database`).
   * @throws CallSchedulerError `INVALID_INPUT` naming the bad option.
   */
  constructor(options: SqliteStoreOptions) {
    const driver = new SqliteStoreDriver(options);
    super(withSqliteSeries(driver));
    this.#driver = driver;
  }

  readonly #driver: SqliteStoreDriver;

  /** Calls per status; see `CallStore.countByStatus`. One `GROUP BY` over the index `calls_status_id_idx` (no table rows read). */
  countByStatus(): Promise<CallStatusCounts> {
    return this.guarded('countByStatus', () => this.#driver.countByStatus());
  }

  /**
   * The earliest due call and how many are due by `now + horizonMs`; see `CallStore.dueSummary`.
   * Two reads of the partial index `calls_due_idx`: its first entry and a range count.
   * @throws CallSchedulerError `INVALID_INPUT` naming `now` or `horizonMs`.
   */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.guarded('dueSummary', () => {
      checkDueSummaryQuery(query);
      return this.#driver.dueSummary(query);
    });
  }
}

/** The storage of {@link SqliteStore}; the guard checks arguments, open state and errors. */
class SqliteStoreDriver implements CallStoreDriver {
  readonly name = 'SqliteStore';
  readonly features: CallStoreFeatures;

  readonly #config: OpenDatabaseConfig;
  readonly #groupCommit: boolean;
  #db: Db | undefined;
  #group: GroupCommit | undefined;

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
    this.#db = db;
    this.#group = this.#groupCommit ? new GroupCommit(db) : undefined;
  }

  /** Closes the connection (the guard calls it once, after the operations under way). */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#group = undefined;
    if (db === undefined) return;
    // Lets SQLite refresh the statistics its planner uses, as its documentation advises on close.
    await sql`pragma optimize`.execute(db).catch(() => undefined);
    await db.destroy();
  }

  /** The database access of the series half (`series/sqlite-series.ts`): the same connection and write path. */
  seriesAccess(): SqliteSeriesAccess {
    return {
      read: (fn) => this.#use('series', (db) => fn(db as unknown as Kysely<SeriesTables>)),
      write: (fn) => this.#use('series', (db) => this.#write(db, (trx) => fn(trx as unknown as Transaction<SeriesTables>))),
    };
  }

  /** Runs `fn` on the open database (the guard only calls a method once `open()` succeeded). */
  #use<T>(_operation: string, fn: (db: Db) => Promise<T>): Promise<T> {
    const db = this.#db;
    if (db === undefined) throw new Error('the database is not open');
    return fn(db);
  }

  /**
   * Runs `job` in a write transaction of its own, or, with `groupCommit`, in the next group
   * commit (its own savepoint in a transaction shared with the writes of the same turn).
   */
  #write<T>(db: Db, job: WriteJob<T>): Promise<T> {
    return this.#group !== undefined ? this.#group.run(job) : db.transaction().execute(job);
  }

  /** Inserts calls and their events in one transaction (multi-row inserts); an idempotency key already stored, or seen earlier in the batch, returns that call with `created: false`. */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return this.#use('insertCalls', async (db) => {
      if (items.length === 0) return [];
      return this.#write(db, async (trx) => {
        const keys = [...new Set(items.map((item) => item.call.idempotencyKey).filter((key): key is string => key !== null))];
        const stored = new Map<string, CallRecord>();
        for (const chunk of chunks(keys, VALUES_PER_IN)) {
          const rows = await trx.selectFrom('calls').selectAll().where('idempotency_key', 'in', chunk).execute();
          for (const row of rows) stored.set(row.idempotency_key as string, toCallRecord(row));
        }

        // Decide per item, in input order: insert, or return the call that already has the key.
        const fresh: CallInsert[] = [];
        const firstInBatch = new Map<string, CallInsert>();
        const plan: (CallRecord | CallInsert)[] = items.map((item) => {
          const key = item.call.idempotencyKey;
          if (key !== null) {
            const earlier = stored.get(key) ?? firstInBatch.get(key);
            if (earlier !== undefined) return earlier;
            firstInBatch.set(key, item);
          }
          fresh.push(item);
          return item;
        });

        checkBatchIds(items);
        for (const chunk of chunks(fresh, ROWS_PER_INSERT)) {
          try {
            await insertRows(trx, 'calls', chunk.map((item) => toNewCallRow(item.call)), false);
          } catch (error) {
            throw await explainInsertFailure(trx, items, chunk, error);
          }
        }
        const eventRows = fresh.flatMap((item) => item.events.map((event) => toNewEventRow(item.call.id, event)));
        const events = await insertEvents(trx, eventRows);

        const results = new Map<CallInsert, InsertResult>();
        let next = 0;
        for (const item of fresh) {
          const own = events.slice(next, next + item.events.length);
          next += item.events.length;
          results.set(item, { call: newCallRecord(item.call), created: true, events: own });
        }
        return plan.map((entry, i): InsertResult => {
          if (entry === items[i]) return results.get(entry) as InsertResult;
          const call = 'call' in entry ? (results.get(entry) as InsertResult).call : entry;
          return { call, created: false, events: [] };
        });
      });
    });
  }

  /** One call, or `undefined`. */
  getCall(id: string): Promise<CallRecord | undefined> {
    return this.#use('getCall', async (db) => {
      const row = await db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toCallRecord(row);
    });
  }

  /** One call with its attempts and events, read from one snapshot, or `undefined`. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return this.#use('getCallDetails', (db) =>
      // A read transaction: the call and its history from one snapshot.
      db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          const row = await trx.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
          if (row === undefined) return undefined;
          const attempts = await trx.selectFrom('attempts').selectAll().where('call_id', '=', id).orderBy('number').execute();
          const events = await trx.selectFrom('events').selectAll().where('call_id', '=', id).orderBy('id').execute();
          return { call: toCallRecord(row), attempts: attempts.map(toAttemptRecord), events: events.map(toEventRecord) };
        }),
    );
  }

  /** The call whose current or last attempt has this provider id, or `undefined`. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return this.#use('findCallByProviderCallId', async (db) => {
      const row = await db
        .selectFrom('calls')
        .selectAll()
        .where('provider_call_id', '=', providerCallId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toCallRecord(row);
    });
  }

  /**
   * A page of calls in id order, keyset-paginated by an opaque cursor (the last id, base64url).
   * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for a cursor this store did not make.
   */
  listCalls(query: CallListQuery): Promise<CallPage> {
    return this.#use('listCalls', async (db) => {
      const after = query.cursor === null ? null : decodeListCursor(query.cursor);
      const desc = query.order === 'desc';
      let select = db.selectFrom('calls').selectAll();
      if (query.statuses !== undefined) {
        if (query.statuses.length === 0) return { items: [], nextCursor: null };
        select = select.where('status', 'in', [...query.statuses]);
      }
      if (query.to !== undefined) select = select.where('to_number', '=', query.to);
      if (query.atFrom !== undefined) select = select.where('at', '>=', query.atFrom);
      if (query.atUntil !== undefined) select = select.where('at', '<', query.atUntil);
      if (after !== null) select = select.where('id', desc ? '<' : '>', after);
      // One row more than the page tells whether there is a next page.
      const rows = await select
        .orderBy('id', desc ? 'desc' : 'asc')
        .limit(query.limit + 1)
        .execute();
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toCallRecord),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeListCursor(last.id) : null,
      };
    });
  }

  /**
   * Events committed after the cursor, in id order, at most `limit`; optionally of one call. The
   * cursor is the decimal event id: writers take turns (`BEGIN IMMEDIATE`), so id order is commit
   * order and "after id N" never skips an event.
   * @throws CallSchedulerError `INVALID_INPUT` naming `after` for a cursor this store did not make, or `limit`.
   */
  listEvents(query: EventListQuery): Promise<EventPage> {
    return this.#use('listEvents', async (db) => {
      const afterId = decodeSequenceCursor(query.after) ?? 0;
      let select = db.selectFrom('events').selectAll().where('id', '>', afterId);
      if (query.callId !== undefined) select = select.where('call_id', '=', query.callId);
      const rows = await select.orderBy('id').limit(query.limit).execute();
      const items = rows.map(toEventRecord);
      return { items, nextCursor: items[items.length - 1]?.cursor ?? query.after };
    });
  }

  /** The cursor of the newest stored event (the largest id), or `null` when there is none. */
  eventLogHead(): Promise<EventCursor | null> {
    return this.#use('eventLogHead', async (db) => {
      const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
      const id = row?.id ?? null;
      return id === null ? null : encodeSequenceCursor(int(id));
    });
  }

  /**
   * Atomically claims up to `limit` due calls, earliest `dueAt` first (then id); see `CallStore.claimDueCalls`.
   *
   * One `UPDATE calls ... WHERE id IN (SELECT id ... ORDER BY due_at, id LIMIT n) RETURNING *`
   * (a walk of the partial index `calls_due_idx`, see `hot-queries.ts`), then the attempts and events of the claimed
   * calls, in the same immediate transaction. When nothing is due, a read answers without taking
   * the write lock.
   */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    const { now, limit, owner, leaseExpiresAt } = options;
    return this.#use('claimDueCalls', async (db) => {
      if (limit <= 0) return [];
      if ((await anyDueCall(now).execute(db)).rows.length === 0) return [];

      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .updateTable('calls')
          .set({
            status: 'dispatching',
            // SET expressions read the row as it was before the update.
            claimed_due_at: sql<number>`due_at`,
            due_at: null,
            attempt_count: sql<number>`attempt_count + 1`,
            fencing_token: sql<number>`fencing_token + 1`,
            lease_owner: owner,
            lease_expires_at: leaseExpiresAt,
            version: sql<number>`version + 1`,
            updated_at: now,
          })
          .where('id', 'in', dueCallIds(now, limit, options.onePerNumber === true))
          .returningAll()
          .execute();
        if (rows.length === 0) return [];
        rows.sort(byClaimOrder);

        const attempts: Insertable<AttemptsTable>[] = rows.map((row) => ({
          call_id: row.id,
          number: int(row.attempt_count),
          status: 'dispatching',
          provider_call_id: null,
          provider_status: null,
          started_at: now,
          ended_at: null,
          duration_seconds: null,
          error_code: null,
          error_message: null,
          scheduler_id: owner,
        }));
        for (const chunk of chunks(attempts, ROWS_PER_INSERT)) await trx.insertInto('attempts').values(chunk).execute();
        const events = await insertEvents(
          trx,
          rows.map((row) =>
            toNewEventRow(row.id, {
              type: 'dispatching',
              at: now,
              attempt: int(row.attempt_count),
              status: 'dispatching',
              providerStatus: null,
              // Who claimed it and when it was due: the history names the host that dialed.
              data: { owner, dueAt: int(row.claimed_due_at ?? now) },
            }),
          ),
        );
        return rows.map((row, i) => ({ call: toCallRecord(row), events: events.slice(i, i + 1) }));
      });
    });
  }

  /**
   * Atomically takes over up to `limit` calls whose lease expired, earliest expiry first; see `CallStore.claimExpiredLeases`.
   *
   * One `UPDATE ... WHERE id IN (SELECT id ... WHERE lease_expires_at <= ? ORDER BY
   * lease_expires_at, id LIMIT n) RETURNING *` on the partial index `calls_lease_idx`, and the
   * `recovered` events, in one immediate transaction.
   */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    const { now, limit, owner, leaseExpiresAt } = options;
    return this.#use('claimExpiredLeases', async (db) => {
      if (limit <= 0) return [];
      if ((await anyExpiredLease(now).execute(db)).rows.length === 0) return [];

      return db.transaction().execute(async (trx) => {
        // The owners whose leases are taken over, for the `recovered` events (RETURNING gives the
        // new row only). The same transaction runs the update, so it takes these same calls.
        const previous = await sql<{ id: string; lease_owner: string | null }>`select id, lease_owner from calls where id in ${expiredLeaseIds(now, limit)}`.execute(trx);
        const previousOwner = new Map(previous.rows.map((row) => [row.id, row.lease_owner]));
        const rows = await trx
          .updateTable('calls')
          .set({
            // The expiry this recovery was due at, to order the result (SET reads the old row).
            claimed_due_at: sql<number>`lease_expires_at`,
            fencing_token: sql<number>`fencing_token + 1`,
            lease_owner: owner,
            lease_expires_at: leaseExpiresAt,
            version: sql<number>`version + 1`,
            updated_at: now,
          })
          .where('id', 'in', expiredLeaseIds(now, limit))
          .returningAll()
          .execute();
        if (rows.length === 0) return [];
        rows.sort(byClaimOrder);
        const events = await insertEvents(
          trx,
          rows.map((row) =>
            toNewEventRow(row.id, {
              type: 'recovered',
              at: now,
              attempt: int(row.attempt_count) > 0 ? int(row.attempt_count) : null,
              status: row.status as CallRecord['status'],
              providerStatus: null,
              data: { previousOwner: previousOwner.get(row.id) ?? null, owner },
            }),
          ),
        );
        return rows.map((row, i) => ({ call: toCallRecord(row), events: events.slice(i, i + 1) }));
      });
    });
  }

  /**
   * Applies `update` if its conditions hold; `undefined` otherwise. See `CallStore.updateCall`.
   *
   * The conditions are part of the `UPDATE`'s `WHERE` (`fencing_token = ? AND lease_expires_at IS
   * NOT NULL`, `status IN (...)`, `version = ?`); the attempt and the events are written only when
   * it changed the row, all in one immediate transaction. `unclaim` decrements `attempt_count` in
   * the same `UPDATE` and deletes that attempt's row.
   * @throws CallSchedulerError `INVALID_INPUT` naming `attempt.number` when `update.attempt` names an attempt that does not exist (nothing is written).
   * @throws CallSchedulerError `INVALID_INPUT` naming `unclaim` when the call has no attempt to undo, or `attempt` is given too (nothing is written).
   */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return this.#use('updateCall', async (db) => {
      const { expect } = update;
      if (expect.statuses !== undefined && expect.statuses.length === 0) return undefined;
      return this.#write(db, async (trx) => {
        const unclaim = update.unclaim === true;
        let statement = trx
          .updateTable('calls')
          .set({
            ...toCallPatchRow(update.set),
            ...(unclaim ? { attempt_count: sql<number>`attempt_count - 1` } : {}),
            version: sql<number>`version + 1`,
            updated_at: update.now,
          })
          .where('id', '=', update.id);
        if (expect.token !== undefined) {
          statement = statement.where('fencing_token', '=', expect.token).where('lease_expires_at', 'is not', null);
        }
        if (expect.statuses !== undefined) statement = statement.where('status', 'in', [...expect.statuses]);
        if (expect.version !== undefined) statement = statement.where('version', '=', expect.version);
        const row = await statement.returningAll().executeTakeFirst();
        if (row === undefined) return undefined;

        if (unclaim) {
          // Undo the claim's attempt: the one numbered by the count before the decrement.
          const removed = await trx
            .deleteFrom('attempts')
            .where('call_id', '=', update.id)
            .where('number', '=', int(row.attempt_count) + 1)
            .executeTakeFirst();
          if (int(row.attempt_count) < 0 || removed.numDeletedRows === 0n) {
            throw invalidInput([{ path: 'unclaim', message: `call ${update.id} has no attempt to unclaim`, rule: 'custom' }], 'update');
          }
        }
        if (update.attempt !== undefined) {
          const { number } = update.attempt;
          const changes = toAttemptPatchRow(update.attempt.set);
          const found =
            Object.keys(changes).length > 0
              ? (await trx.updateTable('attempts').set(changes).where('call_id', '=', update.id).where('number', '=', number).executeTakeFirst())
                  .numUpdatedRows > 0n
              : (await trx.selectFrom('attempts').select('number').where('call_id', '=', update.id).where('number', '=', number).executeTakeFirst()) !==
                undefined;
          if (!found) {
            throw invalidInput([{ path: 'attempt.number', message: `call ${update.id} has no attempt ${number}`, rule: 'custom' }], 'update');
          }
        }
        const events = await insertEvents(
          trx,
          (update.events ?? []).map((event: NewCallEvent) => toNewEventRow(update.id, event)),
        );
        return { call: toCallRecord(row), events };
      });
    });
  }

  /** See {@link SqliteStore.countByStatus}. */
  countByStatus(): Promise<CallStatusCounts> {
    return this.#use('countByStatus', async (db) => {
      const { rows } = await sql<{ status: CallStatus; n: number | bigint }>`select status, count(*) as n from calls indexed by calls_status_id_idx group by status`.execute(db);
      const counts: Partial<Record<CallStatus, number>> = {};
      for (const row of rows) counts[row.status] = int(row.n);
      return counts;
    });
  }

  /** See {@link SqliteStore.dueSummary}. */
  dueSummary(query: DueSummaryQuery): Promise<DueSummary> {
    return this.#use('dueSummary', async (db) => {
      const bound = query.now + query.horizonMs;
      const { rows } = await sql<{ earliest: number | bigint | null; within: number | bigint }>`select
        (select min(due_at) from calls indexed by calls_due_idx where status = 'scheduled') as earliest,
        (select count(*) from calls indexed by calls_due_idx where status = 'scheduled' and due_at <= ${bound}) as within`.execute(db);
      const row = rows[0];
      return { earliestDueAt: row?.earliest == null ? null : int(row.earliest), dueWithin: row === undefined ? 0 : int(row.within) };
    });
  }

  /** The smallest `dueAt` of a `scheduled` call or `expiresAt` of a lease, or `null`. */
  nextWakeUpAt(): Promise<number | null> {
    return this.#use('nextWakeUpAt', async (db) => {
      // Two index lookups: the first entry of calls_due_idx and of calls_lease_idx.
      const row = (await nextWakeUpTimes().execute(db)).rows[0] ?? { due: null, lease: null };
      const times = [row.due, row.lease].filter((t): t is number => t !== null).map(int);
      return times.length === 0 ? null : Math.min(...times);
    });
  }

  /**
   * Retention: deletes up to `limit` terminal calls with `endedAt < endedBefore` (optionally only
   * in `statuses`), oldest `endedAt` first (then id), with their attempts and events; see
   * `CallStore.purgeCalls`. Returns how many calls it deleted.
   *
   * One `DELETE FROM calls WHERE id IN (SELECT id ... ORDER BY ended_at, id LIMIT n) RETURNING id`
   * (a walk of the partial index `calls_ended_idx`, which holds terminal calls only, so a live
   * call cannot be chosen), then the attempts and events of those ids, in one immediate
   * transaction. Event ids are `AUTOINCREMENT`: the ids of deleted events are never handed out
   * again. The file does not shrink; SQLite reuses the freed pages.
   * @throws CallSchedulerError `INVALID_INPUT` naming `endedBefore`, `limit` or `statuses`; nothing is deleted.
   */
  purgeCalls(options: PurgeOptions): Promise<number> {
    return this.#use('purgeCalls', async (db) => {
      const statuses = options.statuses === undefined ? null : [...new Set(options.statuses)];
      if (statuses !== null && statuses.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .deleteFrom('calls')
          .where('id', 'in', endedCallIds(options.endedBefore, options.limit, statuses))
          .returning('id')
          .execute();
        const ids = rows.map((row) => row.id);
        for (const chunk of chunks(ids, VALUES_PER_IN)) {
          await trx.deleteFrom('attempts').where('call_id', 'in', chunk).execute();
          await trx.deleteFrom('events').where('call_id', 'in', chunk).execute();
        }
        return ids.length;
      });
    });
  }

  /** How many attempts to `to` started at or after `since`. */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return this.#use('countAttempts', async (db) => {
      const row = await db
        .selectFrom('calls as c')
        .innerJoin('attempts as a', 'a.call_id', 'c.id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('c.to_number', '=', query.to)
        .where('a.started_at', '>=', query.since)
        .executeTakeFirstOrThrow();
      return int(row.n);
    });
  }
}

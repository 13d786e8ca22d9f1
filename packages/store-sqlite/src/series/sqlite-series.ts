// Owns: the SeriesStore half of SqliteStore (recurring calls). A step inserts its occurrence calls
// and moves the series cursor in one immediate transaction, only while the series still has the
// expected version; the unique index on calls (series_id, occurrence_at) makes a replayed or
// concurrent insert of one occurrence impossible, also across processes sharing the file.
import type {
  CallEventRecord,
  CallListQuery,
  CallPage,
  CallSeriesRecord,
  InsertSeriesResult,
  MaterializeOccurrences,
  MaterializeResult,
  NewCallEvent,
  NewCallSeriesRecord,
  OccurrenceCallRecord,
  SeriesListQuery,
  SeriesPage,
  SeriesStore,
  SeriesUpdate,
  SeriesUpdateResult,
} from '@call-scheduler/core';
import { decodeListCursor, invalidInput, keysetPage, seriesMethods } from '@call-scheduler/core/internal';
import { sql } from 'kysely';
import type { Kysely, SqlBool, Transaction } from 'kysely';
import { toCallRecord, toNewCallRow } from '../rows/call-row.js';
import { int } from '../rows/columns.js';
import { toEventRecord, toNewEventRow } from '../rows/event-row.js';
import { listCallsPage } from '../sqlite-calls.js';
import { toNewSeriesRow, toSeriesPatchRow, toSeriesRecord } from './series-row.js';
import type { SeriesCallsTable, SeriesTables } from './series-tables.js';

type Db = Kysely<SeriesTables>;

/** `status = 'active'` as a literal: the partial index `call_series_plan_idx` serves only a query that spells it so. */
const ACTIVE = sql<SqlBool>`status = 'active'`;
type Trx = Transaction<SeriesTables>;

/** How the series half reaches the database: reads on the open connection, writes in one immediate transaction. */
export interface SqliteSeriesAccess {
  /** Runs `fn` on the open database. */
  read<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Runs `fn` in a write transaction (or the group commit's savepoint); a throw rolls all of it back. */
  write<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
}

/** The query of {@link SeriesStore.listSeriesOccurrences}. */
type OccurrencesQuery = Parameters<SeriesStore['listSeriesOccurrences']>[0];

function toOccurrence(row: SeriesCallsTable): OccurrenceCallRecord {
  return { ...toCallRecord(row), seriesId: row.series_id as string, occurrenceAt: int(row.occurrence_at as number) };
}

async function appendEvents(trx: Trx, callId: string, events: readonly NewCallEvent[]): Promise<CallEventRecord[]> {
  const out: CallEventRecord[] = [];
  for (const event of events) {
    const row = toNewEventRow(callId, event);
    const inserted = await trx.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow();
    out.push(toEventRecord({ ...row, id: int(inserted.id), attempt: row.attempt ?? null, provider_status: row.provider_status ?? null, data: row.data ?? null }));
  }
  return out;
}

/** An occurrences-page cursor: the last `occurrenceAt`, in the one list cursor format. */
function decodeOccurrenceCursor(cursor: string): number {
  const at = Number(decodeListCursor(cursor));
  if (!Number.isSafeInteger(at)) throw invalidInput([{ path: 'cursor', message: 'is not a cursor returned by a previous page', rule: 'invalid_cursor' }], 'series occurrences query');
  return at;
}

/** Series in a SQLite file; see the file comment. */
export class SqliteSeries implements SeriesStore {
  readonly #db: SqliteSeriesAccess;

  /** Reads and writes through `access`. */
  constructor(access: SqliteSeriesAccess) {
    this.#db = access;
  }

  /** See {@link SeriesStore.insertSeries}: the unique key index decides between two concurrent inserts with one key. */
  insertSeries(series: NewCallSeriesRecord): Promise<InsertSeriesResult> {
    return this.#db.write(async (trx) => {
      if (series.idempotencyKey !== null) {
        const existing = await trx.selectFrom('call_series').selectAll().where('idempotency_key', '=', series.idempotencyKey).executeTakeFirst();
        if (existing !== undefined) return { series: toSeriesRecord(existing), created: false };
      }
      const row = toNewSeriesRow(series);
      await trx.insertInto('call_series').values(row).execute();
      return { series: toSeriesRecord(row), created: true };
    });
  }

  /** See {@link SeriesStore.getSeries}. */
  getSeries(id: string): Promise<CallSeriesRecord | undefined> {
    return this.#db.read(async (db) => {
      const row = await db.selectFrom('call_series').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toSeriesRecord(row);
    });
  }

  /** See {@link SeriesStore.listSeries}: keyset pages by id. */
  listSeries(query: SeriesListQuery): Promise<SeriesPage> {
    return this.#db.read(async (db) => {
      const after = query.cursor === null ? null : decodeListCursor(query.cursor);
      const desc = query.order === 'desc';
      let select = db.selectFrom('call_series').selectAll();
      if (query.statuses !== undefined) {
        if (query.statuses.length === 0) return { items: [], nextCursor: null };
        select = select.where('status', 'in', [...query.statuses]);
      }
      if (query.to !== undefined) select = select.where('to_number', '=', query.to);
      if (after !== null) select = select.where('id', desc ? '<' : '>', after);
      const rows = await select.orderBy('id', desc ? 'desc' : 'asc').limit(query.limit + 1).execute();
      return keysetPage(rows, query.limit, toSeriesRecord, (item) => item.id);
    });
  }

  /** See {@link SeriesStore.listDueSeries}: a walk of the partial index `call_series_plan_idx`. */
  listDueSeries(options: { readonly now: number; readonly limit: number }): Promise<CallSeriesRecord[]> {
    return this.#db.read(async (db) => {
      const rows = await db
        .selectFrom('call_series')
        .selectAll()
        .where(ACTIVE)
        .where('plan_at', '<=', options.now)
        .orderBy('plan_at')
        .orderBy('id')
        .limit(options.limit)
        .execute();
      return rows.map(toSeriesRecord);
    });
  }

  /** See {@link SeriesStore.nextSeriesPlanAt}. */
  nextSeriesPlanAt(): Promise<number | null> {
    return this.#db.read(async (db) => {
      const row = await db
        .selectFrom('call_series')
        .select('plan_at')
        .where(ACTIVE)
        .where('plan_at', 'is not', null)
        .orderBy('plan_at')
        .limit(1)
        .executeTakeFirst();
      return row?.plan_at === undefined || row.plan_at === null ? null : int(row.plan_at);
    });
  }

  /** See {@link SeriesStore.materializeOccurrences}: one immediate transaction. */
  materializeOccurrences(step: MaterializeOccurrences): Promise<MaterializeResult> {
    return this.#db.write(async (trx): Promise<MaterializeResult> => {
      const current = await trx.selectFrom('call_series').selectAll().where('id', '=', step.seriesId).executeTakeFirst();
      if (current === undefined) return { ok: false, series: undefined };
      if (int(current.version) !== step.expectVersion) return { ok: false, series: toSeriesRecord(current) };
      const occurrences: { call: OccurrenceCallRecord; created: boolean; events: CallEventRecord[] }[] = [];
      for (const insert of step.occurrences) {
        const { seriesId, occurrenceAt, ...call } = insert.call;
        const existing = await trx
          .selectFrom('calls')
          .selectAll()
          .where('series_id', '=', seriesId)
          .where('occurrence_at', '=', occurrenceAt)
          .executeTakeFirst();
        if (existing !== undefined) {
          occurrences.push({ call: toOccurrence(existing), created: false, events: [] });
          continue;
        }
        const row = { ...toNewCallRow(call), series_id: seriesId, occurrence_at: occurrenceAt } as SeriesCallsTable;
        await trx.insertInto('calls').values(row).execute();
        const stored = await trx.selectFrom('calls').selectAll().where('id', '=', call.id).executeTakeFirstOrThrow();
        occurrences.push({ call: toOccurrence(stored), created: true, events: await appendEvents(trx, call.id, insert.events) });
      }
      const updated = await trx
        .updateTable('call_series')
        .set({ ...toSeriesPatchRow(step.patch), version: int(current.version) + 1, updated_at: step.now })
        .where('id', '=', step.seriesId)
        .where('version', '=', step.expectVersion)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, series: toSeriesRecord(updated), occurrences };
    });
  }

  /** See {@link SeriesStore.updateSeries}: the change and its cancellations in one transaction; only calls of this series are canceled. */
  updateSeries(update: SeriesUpdate): Promise<SeriesUpdateResult> {
    return this.#db.write(async (trx): Promise<SeriesUpdateResult> => {
      const current = await trx.selectFrom('call_series').selectAll().where('id', '=', update.seriesId).executeTakeFirst();
      if (current === undefined) return { ok: false, series: undefined };
      if (int(current.version) !== update.expectVersion) return { ok: false, series: toSeriesRecord(current) };
      const updated = await trx
        .updateTable('call_series')
        .set({ ...toSeriesPatchRow(update.patch), version: int(current.version) + 1, updated_at: update.now })
        .where('id', '=', update.seriesId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const canceledCallIds: string[] = [];
      for (const { callId, events } of update.cancelCalls ?? []) {
        const canceled = await trx
          .updateTable('calls')
          .set((eb) => ({ status: 'canceled', due_at: null, ended_at: update.now, version: eb('version', '+', 1), updated_at: update.now }))
          .where('id', '=', callId)
          .where('series_id', '=', update.seriesId)
          .where('status', '=', 'scheduled')
          .returning('id')
          .executeTakeFirst();
        if (canceled === undefined) continue;
        await appendEvents(trx, callId, events);
        canceledCallIds.push(callId);
      }
      return { ok: true, series: toSeriesRecord(updated), canceledCallIds };
    });
  }

  /** See {@link SeriesStore.listSeriesOccurrences}: by `occurrence_at` through the unique index. */
  listSeriesOccurrences(query: OccurrencesQuery): Promise<{ readonly items: readonly OccurrenceCallRecord[]; readonly nextCursor: string | null }> {
    return this.#db.read(async (db) => {
      const after = query.cursor === null ? null : decodeOccurrenceCursor(query.cursor);
      const desc = query.order === 'desc';
      let select = db.selectFrom('calls').selectAll().where('series_id', '=', query.seriesId);
      if (query.statuses !== undefined) {
        if (query.statuses.length === 0) return { items: [], nextCursor: null };
        select = select.where('status', 'in', [...query.statuses]);
      }
      if (after !== null) select = select.where('occurrence_at', desc ? '<' : '>', after);
      const rows = await select.orderBy('occurrence_at', desc ? 'desc' : 'asc').limit(query.limit + 1).execute();
      return keysetPage(rows, query.limit, toOccurrence, (occurrence) => String(occurrence.occurrenceAt));
    });
  }

  /** `listCalls` with `seriesId`: the series' calls by id with the other filters, keyset pages. */
  listSeriesCalls(query: CallListQuery & { readonly seriesId: string }): Promise<CallPage> {
    return this.#db.read((db) => listCallsPage(db.selectFrom('calls').selectAll().where('series_id', '=', query.seriesId), query));
  }

}

/**
 * Gives a SqliteStore driver the series methods (and `listCalls` the `seriesId` filter), so that
 * the store's guard exposes them. Returns the same driver.
 */
export function withSqliteSeries<D extends { listCalls(query: CallListQuery): Promise<CallPage>; seriesAccess(): SqliteSeriesAccess }>(driver: D): D & SeriesStore {
  const series = new SqliteSeries(driver.seriesAccess());
  const listCalls = driver.listCalls.bind(driver);
  return Object.assign(driver, seriesMethods(series, listCalls));
}

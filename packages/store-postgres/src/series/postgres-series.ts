// Owns: the SeriesStore half of PostgresStore (recurring calls). A step locks its series row
// (`for update`), checks the version, inserts its occurrence calls with
// `on conflict (series_id, occurrence_at) do nothing` and moves the cursor, in one transaction (or
// the group commit's): two hosts planning one step queue on the row lock and the second finds the
// new version. A series whose `planAt` becomes due earlier is announced like an earlier call
// (`NOTIFY` with `dueAt`), so watchers on other hosts wake up.
import type {
  CallEventRecord,
  CallListQuery,
  CallPage,
  CallSeriesRecord,
  CallingWindow,
  InsertSeriesResult,
  JsonObject,
  MaterializeOccurrences,
  MaterializeResult,
  NewCallEvent,
  NewCallSeriesRecord,
  OccurrenceCallRecord,
  RetryPolicy,
  SeriesListQuery,
  SeriesPage,
  SeriesPatch,
  SeriesStore,
  SeriesUpdate,
  SeriesUpdateResult,
} from '@call-scheduler/core';
import { decodeListCursor, invalidInput, keysetPage, seriesMethods, toSeriesRecord as toSeriesRecordOf } from '@call-scheduler/core/internal';
import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { ChangeNote, WriteJob } from '../database/group-commit.js';
import { appendedEvent, int, pgJson, toCallRecord, type CallRow, type IntColumn } from '../rows/rows.js';

/** How the series half reaches the database. */
export interface PostgresSeriesAccess {
  /** The store's quoted schema name. */
  readonly schema: string;
  /** The open database, for reads. */
  db(): Kysely<unknown>;
  /** Runs `job` in one transaction (or a savepoint of the group commit); its notes are announced after the commit. */
  write<T>(job: WriteJob<T>): Promise<T>;
}

/** A row of `call_series` as `pg` returns it (`jsonb` parsed, `bigint` as text). */
interface SeriesRow {
  id: string;
  to_number: string;
  cron: string;
  time_zone: string;
  disambiguation: string;
  start_at: IntColumn | null;
  end_at: IntColumn | null;
  max_count: IntColumn | null;
  skip_dates: string[];
  excluded_occurrences: number[];
  catch_up: string;
  calling_window: CallingWindow | null;
  expires_after_ms: IntColumn | null;
  retry_policy: RetryPolicy | null;
  metadata: JsonObject | null;
  idempotency_key: string | null;
  status: string;
  next_occurrence_at: IntColumn | null;
  last_occurrence_at: IntColumn | null;
  occurrences_created: IntColumn;
  plan_at: IntColumn | null;
  version: IntColumn;
  end_reason: string | null;
  created_at: IntColumn;
  updated_at: IntColumn;
  ended_at: IntColumn | null;
}

type OccurrenceRow = CallRow & { series_id: string; occurrence_at: IntColumn };

/** The query of {@link SeriesStore.listSeriesOccurrences}. */
type OccurrencesQuery = Parameters<SeriesStore['listSeriesOccurrences']>[0];

function toSeriesRecord(row: SeriesRow): CallSeriesRecord {
  return toSeriesRecordOf<unknown>(row, pgJson);
}

function toOccurrence(row: OccurrenceRow): OccurrenceCallRecord {
  return { ...toCallRecord(row), seriesId: row.series_id, occurrenceAt: int(row.occurrence_at) };
}

const jsonb = (value: unknown): RawBuilder<unknown> => sql`${value === null || value === undefined ? null : JSON.stringify(value)}::jsonb`;
const bigint = (value: number | null): RawBuilder<unknown> => sql`${value}::bigint`;

/** The `set` list of a patch: each field it has, as `column = value`. */
function patchAssignments(patch: SeriesPatch): RawBuilder<unknown>[] {
  const set: RawBuilder<unknown>[] = [];
  const add = (column: string, value: RawBuilder<unknown>): void => void set.push(sql`${sql.ref(column)} = ${value}`);
  if (patch.to !== undefined) add('to_number', sql`${patch.to}::text`);
  if (patch.cron !== undefined) add('cron', sql`${patch.cron}::text`);
  if (patch.timeZone !== undefined) add('time_zone', sql`${patch.timeZone}::text`);
  if (patch.disambiguation !== undefined) add('disambiguation', sql`${patch.disambiguation}::text`);
  if (patch.startAt !== undefined) add('start_at', bigint(patch.startAt));
  if (patch.endAt !== undefined) add('end_at', bigint(patch.endAt));
  if (patch.count !== undefined) add('max_count', sql`${patch.count}::integer`);
  if (patch.skipDates !== undefined) add('skip_dates', jsonb(patch.skipDates));
  if (patch.excludedOccurrences !== undefined) add('excluded_occurrences', jsonb(patch.excludedOccurrences));
  if (patch.catchUp !== undefined) add('catch_up', sql`${patch.catchUp}::text`);
  if (patch.window !== undefined) add('calling_window', jsonb(patch.window));
  if (patch.expiresAfterMs !== undefined) add('expires_after_ms', bigint(patch.expiresAfterMs));
  if (patch.retry !== undefined) add('retry_policy', jsonb(patch.retry));
  if (patch.metadata !== undefined) add('metadata', jsonb(patch.metadata));
  if (patch.status !== undefined) add('status', sql`${patch.status}::text`);
  if (patch.nextOccurrenceAt !== undefined) add('next_occurrence_at', bigint(patch.nextOccurrenceAt));
  if (patch.lastOccurrenceAt !== undefined) add('last_occurrence_at', bigint(patch.lastOccurrenceAt));
  if (patch.occurrencesCreated !== undefined) add('occurrences_created', sql`${patch.occurrencesCreated}::integer`);
  if (patch.planAt !== undefined) add('plan_at', bigint(patch.planAt));
  if (patch.endReason !== undefined) add('end_reason', sql`${patch.endReason}::text`);
  if (patch.endedAt !== undefined) add('ended_at', bigint(patch.endedAt));
  return set;
}

/** An occurrences-page cursor: the last `occurrenceAt`, in the one list cursor format. */
function decodeOccurrenceCursor(cursor: string): number {
  const at = Number(decodeListCursor(cursor));
  if (!Number.isSafeInteger(at)) throw invalidInput([{ path: 'cursor', message: 'is not a cursor returned by a previous page', rule: 'invalid_cursor' }], 'series occurrences query');
  return at;
}

/** Series in PostgreSQL; see the file comment. */
export class PostgresSeries implements SeriesStore {
  readonly #access: PostgresSeriesAccess;
  readonly #s: RawBuilder<unknown>;
  readonly #calls: RawBuilder<unknown>;
  readonly #events: RawBuilder<unknown>;

  /** Reads and writes through `access`. */
  constructor(access: PostgresSeriesAccess) {
    this.#access = access;
    this.#s = sql.raw(`${access.schema}.call_series`);
    this.#calls = sql.raw(`${access.schema}.calls`);
    this.#events = sql.raw(`${access.schema}.events`);
  }

  async #rows<R>(query: RawBuilder<R>, conn: Kysely<unknown> = this.#access.db()): Promise<R[]> {
    return (await query.execute(conn)).rows;
  }

  async #appendEvents(conn: Kysely<unknown>, callId: string, events: readonly NewCallEvent[]): Promise<CallEventRecord[]> {
    const out: CallEventRecord[] = [];
    for (const event of events) {
      const [key] = await this.#rows(
        sql<{ id: IntColumn; xid: string }>`insert into ${this.#events} (call_id, type, at, attempt, status, provider_status, data)
          values (${callId}::text, ${event.type}::text, ${event.at}::bigint, ${event.attempt}::integer, ${event.status}::text, ${event.providerStatus}::text, ${jsonb(event.data)})
          returning id, xid::text as xid`,
        conn,
      );
      out.push(appendedEvent(callId, event, key as { id: IntColumn; xid: string }));
    }
    return out;
  }

  /** An active series whose planAt is earlier than every other one: announced as a due time. */
  async #announcePlanAt(conn: Kysely<unknown>, note: ChangeNote, series: CallSeriesRecord): Promise<void> {
    if (series.status !== 'active' || series.planAt === null) return;
    const [row] = await this.#rows(sql<{ earliest: IntColumn | null }>`select min(plan_at) as earliest from ${this.#s} where status = 'active' and id <> ${series.id}::text`, conn);
    const earliest = row?.earliest ?? null;
    if (earliest === null || series.planAt < int(earliest)) note({ dueAt: series.planAt });
  }

  /** See {@link SeriesStore.insertSeries}: a concurrent insert of the same key on another host is waited for, then returned. */
  insertSeries(series: NewCallSeriesRecord): Promise<InsertSeriesResult> {
    return this.#access.write(async (conn, note) => {
      const inserted = await this.#rows(
        sql<SeriesRow>`insert into ${this.#s} (id, to_number, cron, time_zone, disambiguation, start_at, end_at, max_count, skip_dates,
            excluded_occurrences, catch_up, calling_window, expires_after_ms, retry_policy, metadata, idempotency_key, status,
            next_occurrence_at, last_occurrence_at, occurrences_created, plan_at, version, end_reason, created_at, updated_at, ended_at)
          values (${series.id}::text, ${series.to}::text, ${series.cron}::text, ${series.timeZone}::text, ${series.disambiguation}::text,
            ${bigint(series.startAt)}, ${bigint(series.endAt)}, ${series.count}::integer, ${jsonb(series.skipDates)}, ${jsonb(series.excludedOccurrences)},
            ${series.catchUp}::text, ${jsonb(series.window)}, ${bigint(series.expiresAfterMs)}, ${jsonb(series.retry)}, ${jsonb(series.metadata)},
            ${series.idempotencyKey}::text, ${series.status}::text, ${bigint(series.nextOccurrenceAt)}, ${bigint(series.lastOccurrenceAt)},
            ${series.occurrencesCreated}::integer, ${bigint(series.planAt)}, 1, ${series.endReason}::text, ${series.createdAt}::bigint,
            ${series.createdAt}::bigint, ${bigint(series.endedAt)})
          on conflict (idempotency_key) where idempotency_key is not null do nothing
          returning *`,
        conn,
      );
      const [row] = inserted;
      if (row !== undefined) {
        const record = toSeriesRecord(row);
        await this.#announcePlanAt(conn, note, record);
        return { series: record, created: true };
      }
      const [existing] = await this.#rows(sql<SeriesRow>`select * from ${this.#s} where idempotency_key = ${series.idempotencyKey}::text`, conn);
      return { series: toSeriesRecord(existing as SeriesRow), created: false };
    });
  }

  /** See {@link SeriesStore.getSeries}. */
  async getSeries(id: string): Promise<CallSeriesRecord | undefined> {
    const [row] = await this.#rows(sql<SeriesRow>`select * from ${this.#s} where id = ${id}::text`);
    return row === undefined ? undefined : toSeriesRecord(row);
  }

  /** See {@link SeriesStore.listSeries}: keyset pages by id. */
  async listSeries(query: SeriesListQuery): Promise<SeriesPage> {
    if (query.statuses !== undefined && query.statuses.length === 0) return { items: [], nextCursor: null };
    const after = query.cursor === null ? null : decodeListCursor(query.cursor);
    const desc = query.order === 'desc';
    const where: RawBuilder<unknown>[] = [sql`true`];
    if (query.statuses !== undefined) where.push(sql`status = any(${[...query.statuses]}::text[])`);
    if (query.to !== undefined) where.push(sql`to_number = ${query.to}::text`);
    if (after !== null) where.push(desc ? sql`id < ${after}::text` : sql`id > ${after}::text`);
    const rows = await this.#rows(
      sql<SeriesRow>`select * from ${this.#s} where ${sql.join(where, sql` and `)} order by id ${sql.raw(desc ? 'desc' : 'asc')} limit ${query.limit + 1}::integer`,
    );
    return keysetPage(rows, query.limit, toSeriesRecord, (item) => item.id);
  }

  /** See {@link SeriesStore.listDueSeries}: a walk of the partial index `call_series_plan_idx`. */
  async listDueSeries(options: { readonly now: number; readonly limit: number }): Promise<CallSeriesRecord[]> {
    const rows = await this.#rows(
      sql<SeriesRow>`select * from ${this.#s} where status = 'active' and plan_at <= ${options.now}::bigint order by plan_at, id limit ${options.limit}::integer`,
    );
    return rows.map(toSeriesRecord);
  }

  /** See {@link SeriesStore.nextSeriesPlanAt}. */
  async nextSeriesPlanAt(): Promise<number | null> {
    const [row] = await this.#rows(sql<{ plan_at: IntColumn }>`select plan_at from ${this.#s} where status = 'active' and plan_at is not null order by plan_at limit 1`);
    return row === undefined ? null : int(row.plan_at);
  }

  /** See {@link SeriesStore.materializeOccurrences}. */
  materializeOccurrences(step: MaterializeOccurrences): Promise<MaterializeResult> {
    return this.#access.write(async (conn, note): Promise<MaterializeResult> => {
      const [current] = await this.#rows(sql<SeriesRow>`select * from ${this.#s} where id = ${step.seriesId}::text for update`, conn);
      if (current === undefined) return { ok: false, series: undefined };
      if (int(current.version) !== step.expectVersion) return { ok: false, series: toSeriesRecord(current) };
      const occurrences: { call: OccurrenceCallRecord; created: boolean; events: CallEventRecord[] }[] = [];
      let earliestDue: number | null = null;
      for (const { call, events } of step.occurrences) {
        const [inserted] = await this.#rows(
          sql<OccurrenceRow>`insert into ${this.#calls} (id, to_number, status, at, due_at, time_zone, calling_window, expires_at, retry_policy,
              idempotency_key, metadata, version, error_code, error_message, created_at, updated_at, ended_at, series_id, occurrence_at)
            values (${call.id}::text, ${call.to}::text, ${call.status}::text, ${call.at}::bigint, ${bigint(call.dueAt)}, ${call.timeZone}::text,
              ${jsonb(call.window)}, ${bigint(call.expiresAt)}, ${jsonb(call.retry)}, ${call.idempotencyKey}::text, ${jsonb(call.metadata)}, 1,
              ${call.error?.code ?? null}::text, ${call.error?.message ?? null}::text, ${call.createdAt}::bigint, ${call.createdAt}::bigint,
              ${bigint(call.endedAt)}, ${call.seriesId}::text, ${call.occurrenceAt}::bigint)
            on conflict (series_id, occurrence_at) where series_id is not null do nothing
            returning *`,
          conn,
        );
        if (inserted !== undefined) {
          occurrences.push({ call: toOccurrence(inserted), created: true, events: await this.#appendEvents(conn, call.id, events) });
          if (call.status === 'scheduled' && call.dueAt !== null) earliestDue = Math.min(earliestDue ?? call.dueAt, call.dueAt);
          continue;
        }
        const [existing] = await this.#rows(
          sql<OccurrenceRow>`select * from ${this.#calls} where series_id = ${call.seriesId}::text and occurrence_at = ${call.occurrenceAt}::bigint`,
          conn,
        );
        occurrences.push({ call: toOccurrence(existing as OccurrenceRow), created: false, events: [] });
      }
      const [updated] = await this.#rows(
        sql<SeriesRow>`update ${this.#s} set ${sql.join([...patchAssignments(step.patch), sql`version = version + 1`, sql`updated_at = ${step.now}::bigint`])}
          where id = ${step.seriesId}::text returning *`,
        conn,
      );
      if (earliestDue !== null) {
        const [row] = await this.#rows(sql<{ earliest: IntColumn | null }>`select min(due_at) as earliest from ${this.#calls} where status = 'scheduled'`, conn);
        if (row?.earliest === null || row?.earliest === undefined || earliestDue <= int(row.earliest)) note({ dueAt: earliestDue });
      }
      if (occurrences.some((o) => o.created)) note({ events: true });
      return { ok: true, series: toSeriesRecord(updated as SeriesRow), occurrences };
    });
  }

  /** See {@link SeriesStore.updateSeries}: the change and its cancellations in one transaction; only calls of this series are canceled. */
  updateSeries(update: SeriesUpdate): Promise<SeriesUpdateResult> {
    return this.#access.write(async (conn, note): Promise<SeriesUpdateResult> => {
      const [current] = await this.#rows(sql<SeriesRow>`select * from ${this.#s} where id = ${update.seriesId}::text for update`, conn);
      if (current === undefined) return { ok: false, series: undefined };
      if (int(current.version) !== update.expectVersion) return { ok: false, series: toSeriesRecord(current) };
      const [updated] = await this.#rows(
        sql<SeriesRow>`update ${this.#s} set ${sql.join([...patchAssignments(update.patch), sql`version = version + 1`, sql`updated_at = ${update.now}::bigint`])}
          where id = ${update.seriesId}::text returning *`,
        conn,
      );
      const canceledCallIds: string[] = [];
      for (const { callId, events } of update.cancelCalls ?? []) {
        const [canceled] = await this.#rows(
          sql<{ id: string }>`update ${this.#calls} set status = 'canceled', due_at = null, ended_at = ${update.now}::bigint, version = version + 1, updated_at = ${update.now}::bigint
            where id = ${callId}::text and series_id = ${update.seriesId}::text and status = 'scheduled' returning id`,
          conn,
        );
        if (canceled === undefined) continue;
        await this.#appendEvents(conn, callId, events);
        canceledCallIds.push(callId);
      }
      if (canceledCallIds.length > 0) note({ events: true });
      const record = toSeriesRecord(updated as SeriesRow);
      if (record.planAt !== null && (current.plan_at === null || record.planAt < int(current.plan_at))) await this.#announcePlanAt(conn, note, record);
      return { ok: true, series: record, canceledCallIds };
    });
  }

  /** See {@link SeriesStore.listSeriesOccurrences}: by `occurrence_at` through the unique index. */
  async listSeriesOccurrences(query: OccurrencesQuery): Promise<{ readonly items: readonly OccurrenceCallRecord[]; readonly nextCursor: string | null }> {
    if (query.statuses !== undefined && query.statuses.length === 0) return { items: [], nextCursor: null };
    const after = query.cursor === null ? null : decodeOccurrenceCursor(query.cursor);
    const desc = query.order === 'desc';
    const where: RawBuilder<unknown>[] = [sql`series_id = ${query.seriesId}::text`];
    if (query.statuses !== undefined) where.push(sql`status = any(${[...query.statuses]}::text[])`);
    if (after !== null) where.push(desc ? sql`occurrence_at < ${after}::bigint` : sql`occurrence_at > ${after}::bigint`);
    const rows = await this.#rows(
      sql<OccurrenceRow>`select * from ${this.#calls} where ${sql.join(where, sql` and `)} order by occurrence_at ${sql.raw(desc ? 'desc' : 'asc')} limit ${query.limit + 1}::integer`,
    );
    return keysetPage(rows, query.limit, toOccurrence, (occurrence) => String(occurrence.occurrenceAt));
  }

  /** `listCalls` with `seriesId`: the series' calls by id with the other filters, keyset pages. */
  async listSeriesCalls(query: CallListQuery & { readonly seriesId: string }): Promise<CallPage> {
    if (query.statuses !== undefined && query.statuses.length === 0) return { items: [], nextCursor: null };
    const after = query.cursor === null ? null : decodeListCursor(query.cursor);
    const desc = query.order === 'desc';
    const where: RawBuilder<unknown>[] = [sql`series_id = ${query.seriesId}::text`];
    if (query.statuses !== undefined) where.push(sql`status = any(${[...query.statuses]}::text[])`);
    if (query.to !== undefined) where.push(sql`to_number = ${query.to}::text`);
    if (query.atFrom !== undefined) where.push(sql`at >= ${query.atFrom}::bigint`);
    if (query.atUntil !== undefined) where.push(sql`at < ${query.atUntil}::bigint`);
    if (after !== null) where.push(desc ? sql`id < ${after}::text` : sql`id > ${after}::text`);
    const rows = await this.#rows(
      sql<CallRow>`select * from ${this.#calls} where ${sql.join(where, sql` and `)} order by id ${sql.raw(desc ? 'desc' : 'asc')} limit ${query.limit + 1}::integer`,
    );
    return keysetPage(rows, query.limit, toCallRecord, (item) => item.id);
  }
}

/**
 * Gives a PostgresStore driver the series methods (and `listCalls` the `seriesId` filter), so that
 * the store's guard exposes them. Returns the same driver.
 */
export function withPostgresSeries<D extends { listCalls(query: CallListQuery): Promise<CallPage>; seriesAccess(): PostgresSeriesAccess }>(driver: D): D & SeriesStore {
  const series = new PostgresSeries(driver.seriesAccess());
  const listCalls = driver.listCalls.bind(driver);
  return Object.assign(driver, seriesMethods(series, listCalls));
}

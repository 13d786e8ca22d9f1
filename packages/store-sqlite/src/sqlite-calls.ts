// Owns: SqliteStore's calls: inserting them (idempotency keys, multi-row inserts), reading and listing them, and the conditional update.
import { decodeListCursor, invalidInput, keysetPage } from '@call-scheduler/core/internal';
import type { CallDetailsRecord, CallInsert, CallListQuery, CallPage, CallRecord, CallUpdate, InsertResult, NewCallEvent, UpdateResult } from '@call-scheduler/core';
import type { SelectQueryBuilder, Selectable, Transaction } from 'kysely';
import { ROWS_PER_INSERT, VALUES_PER_IN, chunks } from './database/batches.js';
import { insertRows } from './database/hot-inserts.js';
import type { SqliteAccess } from './database/store-access.js';
import type { AttemptsTable, CallsTable, EventsTable, StoreTables } from './database/tables.js';
import { callByIdQuery, callWithHistoryQuery } from './database/read-statements.js';
import { attemptUpdateQuery, callUpdateQuery } from './database/update-statements.js';
import { toAttemptPatchRow, toAttemptRecord } from './rows/attempt-row.js';
import { newCallRecord, toCallPatchRow, toCallRecord, toNewCallRow } from './rows/call-row.js';
import { int } from './rows/columns.js';
import { toEventRecord, toNewEventRow } from './rows/event-row.js';
import { insertEvents } from './sqlite-events.js';

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

/** Inserts calls and their events in one transaction (multi-row inserts); an idempotency key already stored, or seen earlier in the batch, returns that call with `created: false`. */
export async function insertCalls(access: SqliteAccess, items: readonly CallInsert[]): Promise<InsertResult[]> {
  if (items.length === 0) return [];
  return access.write(async (trx) => {
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

    for (const chunk of chunks(fresh, ROWS_PER_INSERT)) {
      try {
        await insertRows(access.direct, trx, 'calls', chunk.map((item) => toNewCallRow(item.call)));
      } catch (error) {
        throw await explainInsertFailure(trx, items, chunk, error);
      }
    }
    const eventRows = fresh.flatMap((item) => item.events.map((event) => toNewEventRow(item.call.id, event)));
    const events = await insertEvents(access.direct, trx, eventRows);

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
}

/** One call, or `undefined`. */
export async function getCall(access: SqliteAccess, id: string): Promise<CallRecord | undefined> {
  const [row] = (await access.db.executeQuery(callByIdQuery(id))).rows;
  return row === undefined ? undefined : toCallRecord(row);
}

/** One call with its attempts and events, read from one snapshot, or `undefined`. */
export async function getCallDetails(access: SqliteAccess, id: string): Promise<CallDetailsRecord | undefined> {
  // One statement written once (database/read-statements.ts): one snapshot, no transaction, no query build.
  const [row] = (await access.db.executeQuery(callWithHistoryQuery(id))).rows;
  if (row === undefined) return undefined;
  const attempts = (JSON.parse(row.attempts_json) as Selectable<AttemptsTable>[]).sort((a, b) => a.number - b.number);
  const events = (JSON.parse(row.events_json) as Selectable<EventsTable>[]).sort((a, b) => a.id - b.id);
  return { call: toCallRecord(row), attempts: attempts.map(toAttemptRecord), events: events.map(toEventRecord) };
}

/** The call whose current or last attempt has this provider id, or `undefined`. */
export async function findCallByProviderCallId(access: SqliteAccess, providerCallId: string): Promise<CallRecord | undefined> {
  const { db } = access;
  const row = await db
    .selectFrom('calls')
    .selectAll()
    .where('provider_call_id', '=', providerCallId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toCallRecord(row);
}

/**
 * A page of calls in id order, keyset-paginated by an opaque cursor (the last id, base64url).
 * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for a cursor this store did not make.
 */
export async function listCalls(access: SqliteAccess, query: CallListQuery): Promise<CallPage> {
  return listCallsPage(access.db.selectFrom('calls').selectAll(), query);
}

/**
 * The page of `query` from `calls`, a select of every call or of some (one series' calls): the
 * filters of `query`, then keyset by id. `listCalls` of the store and of one series.
 * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for a cursor this store did not make.
 */
export async function listCallsPage(calls: SelectQueryBuilder<StoreTables, 'calls', CallsTable>, query: CallListQuery): Promise<CallPage> {
  const after = query.cursor === null ? null : decodeListCursor(query.cursor);
  const desc = query.order === 'desc';
  let select = calls;
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
  return keysetPage(rows, query.limit, toCallRecord, (call) => call.id);
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
export async function updateCall(access: SqliteAccess, update: CallUpdate): Promise<UpdateResult | undefined> {
  const { expect } = update;
  if (expect.statuses !== undefined && expect.statuses.length === 0) return undefined;
  return access.write(async (trx) => {
    const unclaim = update.unclaim === true;
    // Written once per shape (database/update-statements.ts): no query build on this hot path.
    const { direct } = access;
    const [row] = direct.rows<CallsTable>(callUpdateQuery(update.id, toCallPatchRow(update.set), unclaim, update.now, expect));
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
          ? direct.run(attemptUpdateQuery(update.id, number, changes)).changes > 0
          : (await trx.selectFrom('attempts').select('number').where('call_id', '=', update.id).where('number', '=', number).executeTakeFirst()) !==
            undefined;
      if (!found) {
        throw invalidInput([{ path: 'attempt.number', message: `call ${update.id} has no attempt ${number}`, rule: 'custom' }], 'update');
      }
    }
    const events = await insertEvents(
      direct,
      trx,
      (update.events ?? []).map((event: NewCallEvent) => toNewEventRow(update.id, event)),
    );
    return { call: toCallRecord(row), events };
  });
}

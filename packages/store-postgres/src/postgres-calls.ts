// Owns: PostgresStore's calls: inserting them (idempotency keys, one statement per 1,000 calls), reading and listing them, and the conditional update.
import { decodeListCursor, invalidInput, keysetPage } from '@call-scheduler/core/internal';
import type { CallDetailsRecord, CallInsert, CallListQuery, CallPage, CallRecord, CallUpdate, InsertResult, UpdateResult } from '@call-scheduler/core';
import type { Kysely } from 'kysely';
import type { ChangeNote } from './database/group-commit.js';
import type { OpenDatabase } from './database/open-database.js';
import { appendedEvent, callInput, eventInput, intOrNull, newCallRecord, toAttemptRecord, toCallRecord, toEventRecord } from './rows/rows.js';
import type { AttemptRow, EventRow } from './rows/rows.js';
import { isMergeable } from './sql/merged-updates.js';
import type { MergedWrite } from './sql/merged-updates.js';
import * as statements from './sql/statements.js';
import type { EventKey, UpdatedRow } from './sql/statements.js';

/** Calls per insert statement (one JSON parameter each). */
const CALLS_PER_STATEMENT = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
  // In id order already: the statement aggregates them `order by id`.
  for (const key of keys) {
    const list = byCall.get(key.call_id);
    if (list === undefined) byCall.set(key.call_id, [key]);
    else list.push(key);
  }
  return byCall;
}

/**
 * Inserts calls and their events (one statement per 1,000 calls, `jsonb_to_recordset` and
 * `insert ... on conflict do nothing`), in one transaction, or in the current group commit. An
 * idempotency key already stored (also by another host at the same moment) or seen earlier in the
 * batch returns that call with `created: false`.
 * @throws CallSchedulerError `INVALID_INPUT` naming `items.<i>.call.id` for an id given twice or already stored; nothing is inserted.
 */
export async function insertCalls(open: OpenDatabase, items: readonly CallInsert[]): Promise<InsertResult[]> {
  const { writes } = open;
  if (items.length === 0) return [];
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
  const answers = await writes.run(async (trx, note) => {
    const results = new Map<CallInsert, InsertResult>();
    const conflicted: CallInsert[] = [];
    let earliestDue: number | null = null;
    for (const chunk of chunks(fresh, CALLS_PER_STATEMENT)) {
      const calls = JSON.stringify(chunk.map((item, i) => callInput(item.call, i)));
      let ord = 0;
      const events = JSON.stringify(chunk.flatMap((item) => item.events.map((event) => eventInput(item.call.id, event, ord++))));
      let row: statements.InsertCallsRow | undefined;
      try {
        row = (await statements.insertCalls(open.quoted, calls, events).execute(trx)).rows[0];
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
      for (const row of (await statements.callsByIdempotencyKey(open.quoted, keys).execute(trx)).rows) {
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
  open.statistics.inserted(answers.reduce((n, answer) => n + (answer.created ? 1 : 0), 0));
  return answers;
}

/** One call, or `undefined`. */
export async function getCall(open: OpenDatabase, id: string): Promise<CallRecord | undefined> {
  const { db } = open;
  const row = (await statements.selectCall(open.quoted, id).execute(db)).rows[0];
  return row === undefined ? undefined : toCallRecord(row);
}

/** One call with its attempts and events, read by one statement (one snapshot), or `undefined`. */
export async function getCallDetails(open: OpenDatabase, id: string): Promise<CallDetailsRecord | undefined> {
  const { db } = open;
  const row = (await statements.selectCallDetails(open.quoted, id).execute(db)).rows[0];
  if (row === undefined) return undefined;
  return {
    call: toCallRecord(row),
    attempts: (row.attempts as AttemptRow[]).map(toAttemptRecord),
    events: (row.events as EventRow[]).map(toEventRecord),
  };
}

/** The call whose current or last attempt has this provider id, or `undefined`. */
export async function findCallByProviderCallId(open: OpenDatabase, providerCallId: string): Promise<CallRecord | undefined> {
  const { db } = open;
  const row = (await statements.selectCallByProviderCallId(open.quoted, providerCallId).execute(db)).rows[0];
  return row === undefined ? undefined : toCallRecord(row);
}

/**
 * A page of calls in id order, keyset-paginated by an opaque cursor (the last id, base64url).
 * @throws CallSchedulerError `INVALID_INPUT` naming `cursor` for a cursor this store did not make.
 */
export async function listCalls(open: OpenDatabase, query: CallListQuery): Promise<CallPage> {
  const { db } = open;
  if (query.statuses !== undefined && query.statuses.length === 0) return { items: [], nextCursor: null };
  const rows = (
    await statements
      .listCalls(open.quoted, {
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
  return keysetPage(rows, query.limit, toCallRecord, (call) => call.id);
}

/**
 * Applies `update` if its conditions hold; `undefined` otherwise. One statement (the conditions
 * in the `UPDATE`'s `WHERE`; the attempt, the events and the release of the number only when it
 * changed the row), in one transaction or the current group commit. See `CallStore.updateCall`.
 * @throws CallSchedulerError `INVALID_INPUT` naming `attempt.number` for an attempt that does not exist, or `unclaim` (no attempt to undo, or combined with `attempt`); nothing is written.
 */
export async function updateCall(open: OpenDatabase, update: CallUpdate): Promise<UpdateResult | undefined> {
  const { writes } = open;
  if (update.expect.statuses !== undefined && update.expect.statuses.length === 0) return undefined;
  const unclaim = update.unclaim === true;
  if (unclaim && update.attempt !== undefined) {
    throw invalidInput([{ path: 'unclaim', message: 'unclaim cannot be combined with an attempt patch', rule: 'custom' }], 'update');
  }
  const newEvents = update.events ?? [];
  // Built only when the write runs alone: a merged write puts its events in the merged statement's JSON.
  const eventsJson = (): string | null => (newEvents.length > 0 ? JSON.stringify(newEvents.map((event, i) => eventInput(update.id, event, i))) : null);
  const finish = async (row: UpdatedRow | undefined, conn: Kysely<unknown>, note: ChangeNote): Promise<UpdateResult | undefined> => {
    if (row === undefined) {
      // The statement wrote nothing. With an attempt patch or unclaim: a failed condition, or
      // the attempt is missing, which is bad input.
      if (update.attempt === undefined && !unclaim) return undefined;
      const probe = (await statements.updateProbe(open.quoted, update).execute(conn)).rows[0];
      if (probe === undefined || !probe.matches || probe.has_attempt) return undefined;
      if (unclaim) throw invalidInput([{ path: 'unclaim', message: `call ${update.id} has no attempt to unclaim`, rule: 'custom' }], 'update');
      throw invalidInput([{ path: 'attempt.number', message: `call ${update.id} has no attempt ${update.attempt?.number ?? 0}`, rule: 'custom' }], 'update');
    }
    // In id order (the statement aggregates them `order by id`), which is the order of newEvents.
    const keys = row.event_keys ?? [];
    const appended = newEvents.map((event, i) => appendedEvent(update.id, event, keys[i] as EventKey));
    const due = update.set.status === 'scheduled' ? update.set.dueAt : undefined;
    const before = intOrNull(row.earliest_before ?? null);
    const movedEarlier = typeof due === 'number' && (before === null || due < before);
    if (movedEarlier || appended.length > 0) note({ ...(movedEarlier ? { dueAt: due } : {}), ...(appended.length > 0 ? { events: true } : {}) });
    return { call: toCallRecord(row), events: appended };
  };
  const merged: MergedWrite = { update, events: newEvents };
  return writes.run(
    async (conn, note) => finish((await open.prepared.run(conn, statements.updateCall(open.quoted, update, eventsJson()))).rows[0], conn, note),
    true,
    isMergeable(update) ? { key: update.id, payload: merged, finish: (row, conn, note) => finish(row as UpdatedRow | undefined, conn, note) } : undefined,
  );
}

// Owns: the SQL of SqliteStore's hottest reads (a call by id, with its attempts and events: every
// `GET /calls/:id`), written once, so that a read costs no query build and no compile.
import { CompiledQuery, type Selectable } from 'kysely';
import type { CallsTable } from './tables.js';

const CALL_BY_ID = 'select * from "calls" where "id" = ?';
/**
 * A call with its attempts and events as two JSON arrays of rows (column names as keys, `data`
 * still JSON text): the whole history from one statement, hence one snapshot, with no
 * transaction to begin and end around three reads.
 */
const CALL_WITH_HISTORY = `select c.*,
  (select json_group_array(json_object('call_id', a.call_id, 'number', a.number, 'status', a.status,
      'provider_call_id', a.provider_call_id, 'provider_status', a.provider_status, 'started_at', a.started_at,
      'ended_at', a.ended_at, 'duration_seconds', a.duration_seconds, 'error_code', a.error_code,
      'error_message', a.error_message, 'scheduler_id', a.scheduler_id))
    from "attempts" as a where a.call_id = c.id) as attempts_json,
  (select json_group_array(json_object('id', e.id, 'call_id', e.call_id, 'type', e.type, 'at', e.at,
      'attempt', e.attempt, 'status', e.status, 'provider_status', e.provider_status, 'data', e.data))
    from "events" as e where e.call_id = c.id) as events_json
from "calls" as c where c.id = ?`;

/** The call `id` (no row when there is none). */
export function callByIdQuery(id: string): CompiledQuery<Selectable<CallsTable>> {
  return CompiledQuery.raw(CALL_BY_ID, [id]);
}

/** A row of {@link callWithHistoryQuery}: the call's columns and its history as JSON arrays. */
export type CallWithHistoryRow = Selectable<CallsTable> & { readonly attempts_json: string; readonly events_json: string };

/** The call `id` with its attempts and events, in one statement (no row when there is none). */
export function callWithHistoryQuery(id: string): CompiledQuery<CallWithHistoryRow> {
  return CompiledQuery.raw(CALL_WITH_HISTORY, [id]);
}

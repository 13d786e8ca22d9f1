// Owns: the SQL of SqliteStore's hottest reads (a call by id, with its attempts and events: every
// `GET /calls/:id`), written once, so that a read costs no query build and no compile.
import { CompiledQuery, type Selectable } from 'kysely';
import type { AttemptsTable, CallsTable, EventsTable } from './tables.js';

const CALL_BY_ID = 'select * from "calls" where "id" = ?';
const ATTEMPTS_OF_CALL = 'select * from "attempts" where "call_id" = ? order by "number"';
const EVENTS_OF_CALL = 'select * from "events" where "call_id" = ? order by "id"';

/** The call `id` (no row when there is none). */
export function callByIdQuery(id: string): CompiledQuery<Selectable<CallsTable>> {
  return CompiledQuery.raw(CALL_BY_ID, [id]);
}

/** The attempts of call `id`, by number. */
export function attemptsOfCallQuery(id: string): CompiledQuery<Selectable<AttemptsTable>> {
  return CompiledQuery.raw(ATTEMPTS_OF_CALL, [id]);
}

/** The events of call `id`, in log order. */
export function eventsOfCallQuery(id: string): CompiledQuery<Selectable<EventsTable>> {
  return CompiledQuery.raw(EVENTS_OF_CALL, [id]);
}

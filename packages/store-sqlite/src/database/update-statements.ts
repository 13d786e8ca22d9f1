// Owns: the SQL of SqliteStore's conditional updates (a call's row, an attempt's row), written once
// per shape (the columns set, the conditions) and kept, so that a hot update costs no query build
// and no compile (about 100 µs each through the query builder).
import { CompiledQuery } from 'kysely';
import type { CallUpdate } from '@call-scheduler/core';
import { TERMINAL_STATUSES_SQL } from '../hot-queries.js';

/** Shapes seen so far, by key: few in practice (the scheduler's transitions), bounded anyway. */
const texts = new Map<string, string>();
const MAX_SHAPES = 512;

function textOf(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    if (texts.size < MAX_SHAPES) texts.set(key, text);
  }
  return text;
}

/**
 * `UPDATE calls SET <row's columns>, [attempt_count - 1,] version + 1, updated_at WHERE id AND
 * <conditions> RETURNING *`: the conditions of `expect` (the fencing token with a lease held, the
 * statuses, the version), as in `CallStore.updateCall`. `row`'s keys are column names from
 * `toCallPatchRow`, never input.
 */
export function callUpdateQuery(id: string, row: Readonly<Record<string, unknown>>, unclaim: boolean, now: number, expect: CallUpdate['expect']): CompiledQuery {
  const columns = Object.keys(row);
  const statuses = expect.statuses ?? null;
  const key = `${columns.join(',')}|${unclaim ? 1 : 0}|${expect.token === undefined ? 0 : 1}|${statuses === null ? -1 : statuses.length}|${expect.version === undefined ? 0 : 1}`;
  const text = textOf(key, () => {
    // An `ended_at` set without the status applies only to a call that is ended (an open call has
    // none: see toCallPatchRow).
    const endedAtAlone = !columns.includes('status');
    const sets = columns.map((column) => (column === 'ended_at' && endedAtAlone ? `"ended_at" = case when "status" in ${TERMINAL_STATUSES_SQL} then ? else null end` : `"${column}" = ?`));
    if (unclaim) sets.push('"attempt_count" = "attempt_count" - 1');
    sets.push('"version" = "version" + 1', '"updated_at" = ?');
    const where = ['"id" = ?'];
    if (expect.token !== undefined) where.push('"fencing_token" = ?', '"lease_expires_at" is not null');
    if (statuses !== null) where.push(`"status" in (${statuses.map(() => '?').join(', ')})`);
    if (expect.version !== undefined) where.push('"version" = ?');
    return `update "calls" set ${sets.join(', ')} where ${where.join(' and ')} returning *`;
  });
  const parameters: unknown[] = columns.map((column) => row[column]);
  parameters.push(now, id);
  if (expect.token !== undefined) parameters.push(expect.token);
  if (statuses !== null) parameters.push(...statuses);
  if (expect.version !== undefined) parameters.push(expect.version);
  return CompiledQuery.raw(text, parameters);
}

/** `UPDATE attempts SET <row's columns> WHERE call_id AND number`; `row`'s keys come from `toAttemptPatchRow` and are not empty. */
export function attemptUpdateQuery(callId: string, number: number, row: Readonly<Record<string, unknown>>): CompiledQuery {
  const columns = Object.keys(row);
  const text = textOf(`attempts|${columns.join(',')}`, () => `update "attempts" set ${columns.map((column) => `"${column}" = ?`).join(', ')} where "call_id" = ? and "number" = ?`);
  return CompiledQuery.raw(text, [...columns.map((column) => row[column]), callId, number]);
}

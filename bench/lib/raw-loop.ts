import type Database from 'better-sqlite3';

/** What the raw loop reports per call. */
export interface RawLoopHooks {
  /** Called when a call is "dialed" (synchronously, like the in-process provider). */
  readonly onDial?: (id: string) => void;
  /** Called when a call was written `completed`. */
  readonly onCompleted?: (id: string) => void;
}

interface ClaimedRow {
  readonly id: string;
  readonly attempt_count: number;
  readonly fencing_token: number;
}

/**
 * The baseline of the burst and throughput scenarios: the same work as the scheduler on the same
 * schema, written directly on better-sqlite3 with prepared statements and no scheduler, no
 * kysely, no promises. Per claim, one immediate transaction: `UPDATE ... WHERE id IN (SELECT ...
 * ORDER BY due_at, id LIMIT n) RETURNING`, an attempt row and a `dispatching` event per call. Per
 * call, the dial, then one transaction for the provider's answer (call, attempt, `status` event)
 * and one for the end (call, attempt, `status` and `completed` events), each fenced by the token.
 */
export function createRawLoop(db: Database.Database, owner: string, leaseMs: number): (now: () => number, batch: number, hooks?: RawLoopHooks) => number {
  const claim = db.prepare<[string, number, number, number, number], ClaimedRow>(
    `update calls set status = 'dispatching', claimed_due_at = due_at, due_at = null, attempt_count = attempt_count + 1,
       fencing_token = fencing_token + 1, lease_owner = ?, lease_expires_at = ?, version = version + 1, updated_at = ?
     where id in (select id from calls indexed by calls_due_idx where status = 'scheduled' and due_at <= ? order by due_at, id limit ?)
     returning *`,
  );
  const insertAttempt = db.prepare(
    `insert into attempts (call_id, number, status, provider_call_id, provider_status, started_at, ended_at, duration_seconds, error_code, error_message)
     values (?, ?, 'dispatching', null, null, ?, null, null, null, null)`,
  );
  const insertEvent = db.prepare(
    `insert into events (call_id, type, at, attempt, status, provider_status, data) values (?, ?, ?, ?, ?, ?, ?) returning id`,
  );
  const accepted = db.prepare(
    `update calls set status = 'initiated', provider_call_id = ?, provider_status = 'initiated', lease_expires_at = ?,
       version = version + 1, updated_at = ?
     where id = ? and fencing_token = ? and lease_expires_at is not null returning *`,
  );
  const attemptAccepted = db.prepare(
    `update attempts set status = 'initiated', provider_call_id = ?, provider_status = 'initiated' where call_id = ? and number = ?`,
  );
  const completed = db.prepare(
    `update calls set status = 'completed', due_at = null, lease_owner = null, lease_expires_at = null, ended_at = ?,
       error_code = null, error_message = null, provider_status = 'completed', version = version + 1, updated_at = ?
     where id = ? and fencing_token = ? and lease_expires_at is not null returning *`,
  );
  const attemptCompleted = db.prepare(
    `update attempts set status = 'completed', ended_at = ?, error_code = null, error_message = null, provider_status = 'completed',
       duration_seconds = 1 where call_id = ? and number = ?`,
  );

  const claimTx = db.transaction((now: number, limit: number): ClaimedRow[] => {
    const rows = claim.all(owner, now + leaseMs, now, now, limit);
    for (const row of rows) {
      insertAttempt.run(row.id, row.attempt_count, now);
      insertEvent.get(row.id, 'dispatching', now, row.attempt_count, 'dispatching', null, null);
    }
    return rows;
  });
  const acceptedTx = db.transaction((row: ClaimedRow, providerCallId: string, now: number) => {
    if (accepted.get(providerCallId, now + leaseMs, now, row.id, row.fencing_token) === undefined) throw new Error(`lost ${row.id}`);
    attemptAccepted.run(providerCallId, row.id, row.attempt_count);
    insertEvent.get(row.id, 'status', now, row.attempt_count, 'initiated', 'initiated', JSON.stringify({ providerCallId }));
  });
  const completedTx = db.transaction((row: ClaimedRow, now: number) => {
    if (completed.get(now, now, row.id, row.fencing_token) === undefined) throw new Error(`lost ${row.id}`);
    attemptCompleted.run(now, row.id, row.attempt_count);
    insertEvent.get(row.id, 'status', now, row.attempt_count, 'completed', 'completed', '{"durationSeconds":1}');
    insertEvent.get(row.id, 'completed', now, row.attempt_count, 'completed', null, null);
  });

  /** Claims and completes due calls until none is due; returns how many. */
  return (now, batch, hooks = {}) => {
    let total = 0;
    for (;;) {
      const rows = claimTx.immediate(now(), batch);
      if (rows.length === 0) return total;
      for (const row of rows) {
        hooks.onDial?.(row.id);
        acceptedTx.immediate(row, `p-${row.id}-${row.attempt_count}`, now());
        completedTx.immediate(row, now());
        hooks.onCompleted?.(row.id);
      }
      total += rows.length;
    }
  };
}

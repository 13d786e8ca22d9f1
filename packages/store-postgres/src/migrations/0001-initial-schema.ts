// Frozen once released: a migration spells out its own columns and shares no code with other
// migrations or with the row types, so that a later change elsewhere can never alter what it
// does on a database that has not run it yet. Its likeness to other migrations is intentional.
/**
 * The first schema: `calls`, `attempts`, `events`, `number_claims` and the indexes of the hot
 * queries, as SQL in the store's schema (`s` is its quoted name). Never edit a shipped migration:
 * add a new one.
 *
 * - Times are `bigint` epoch milliseconds (the scheduler's clock, never the server's).
 * - A partial index serves only a query whose `WHERE` repeats its condition with the same literals
 *   (`status = 'scheduled'`); `sql/statements.ts` spells them the same way.
 * - `events.xid` is the id of the transaction that wrote the event (`pg_current_xact_id()`): the
 *   event log is read in (`xid`, `id`) order, below the oldest transaction still running, so a
 *   reader never skips an event that commits late (see `event-cursor.ts`).
 * - `number_claims` holds one row per number while a call claimed with `onePerNumber` is being
 *   dialed or is live: its primary key makes two hosts' claims of one number exclusive under READ
 *   COMMITTED, where a `NOT EXISTS` check alone is not.
 */
export function initialSchema(s: string): string[] {
  const open = `('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`;
  const terminal = `('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired')`;
  return [
    `create table ${s}.calls (
      id text primary key,
      to_number text not null,
      status text not null,
      at bigint not null,
      due_at bigint,
      time_zone text,
      calling_window jsonb,
      expires_at bigint,
      retry_policy jsonb,
      idempotency_key text,
      metadata jsonb,
      attempt_count integer not null default 0,
      provider_call_id text,
      provider_status text,
      lease_owner text,
      lease_expires_at bigint,
      fencing_token bigint not null default 0,
      version bigint not null,
      error_code text,
      error_message text,
      created_at bigint not null,
      updated_at bigint not null,
      ended_at bigint
    )`,
    // Idempotency: unique among the calls that have a key (the arbiter of insert ... on conflict).
    `create unique index calls_idempotency_key_uq on ${s}.calls (idempotency_key) where idempotency_key is not null`,
    // Claims (status = 'scheduled' and due_at <= $now order by due_at, id) and min(due_at).
    `create index calls_due_idx on ${s}.calls (due_at, id) where status = 'scheduled'`,
    // Lease recovery (lease_expires_at <= $now order by lease_expires_at, id) and min(lease_expires_at).
    `create index calls_lease_idx on ${s}.calls (lease_expires_at, id) where lease_expires_at is not null`,
    // Lists by status, by number, and the per-number checks of claims and caps.
    `create index calls_status_id_idx on ${s}.calls (status, id)`,
    `create index calls_to_id_idx on ${s}.calls (to_number, id)`,
    `create index calls_open_to_idx on ${s}.calls (to_number, status, due_at) where status in ${open}`,
    // Webhooks: the call of a provider call id.
    `create index calls_provider_call_id_idx on ${s}.calls (provider_call_id) where provider_call_id is not null`,
    // Retention: ended calls, oldest first.
    `create index calls_ended_idx on ${s}.calls (ended_at, id) where status in ${terminal}`,
    `create table ${s}.attempts (
      call_id text not null,
      number integer not null,
      status text not null,
      provider_call_id text,
      provider_status text,
      started_at bigint not null,
      ended_at bigint,
      duration_seconds double precision,
      error_code text,
      error_message text,
      scheduler_id text,
      primary key (call_id, number)
    )`,
    `create table ${s}.events (
      id bigint generated always as identity primary key,
      xid xid8 not null default pg_current_xact_id(),
      call_id text not null,
      type text not null,
      at bigint not null,
      attempt integer,
      status text not null,
      provider_status text,
      data jsonb
    )`,
    // The log in cursor order, and one call's events.
    `create index events_log_idx on ${s}.events (xid, id)`,
    `create index events_call_idx on ${s}.events (call_id, xid, id)`,
    `create table ${s}.number_claims (
      to_number text primary key,
      call_id text not null
    )`,
    `comment on table ${s}.number_claims is 'One row per number while a call claimed with onePerNumber is dispatching or live'`,
  ];
}

/**
 * The PostgreSQL baselines of issue 13, for PostgreSQL contenders to be measured against: a burst
 * of calls all due at once, claimed by several connections a batch at a time (`FOR UPDATE SKIP
 * LOCKED`), then each call's two later steps (the provider's answer, the end), each a fenced update
 * of the call and a history event. Written directly on `pg`, with no scheduler:
 *
 * - `autocommit`: every write its own statement and commit, awaited one by one (4 per call);
 * - `batched`: the writes of a claimed batch grouped through `unnest` (one transaction for the
 *   answers, one for the ends: 2 commits per batch).
 *
 * The schema is this file's own (the columns those statements need, the same shape as the
 * stores'), so that the baseline does not move with a store's migrations.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Where PostgreSQL is: `BENCH_PG_URL` (a database the benchmark may create databases from), or the machine's own. */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database made for one case, dropped by {@link ScratchDatabase.drop}. */
export interface ScratchDatabase {
  /** Its connection string. */
  readonly url: string;
  /** Its name. */
  readonly name: string;
  /** Drops it (every connection to it must be closed first). */
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `<prefix>_<pid>_<random>` (`BENCH_PG_DB_PREFIX`, default
 * `call_scheduler_bench`) on the server of {@link PG_ADMIN_URL}.
 */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const prefix = process.env.BENCH_PG_DB_PREFIX ?? 'call_scheduler_bench';
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`BENCH_PG_DB_PREFIX must be a lower-case SQL identifier, got ${prefix}`);
  const name = `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * `pool` with an `error` listener: an idle client's error (the server ended its connection, or its
 * socket failed while the pool was ending) is kept in the returned list instead of crashing the
 * process, as `pg` does when nobody listens. The store does the same for a pool it owns; a case
 * reports what was kept.
 */
export function keepPoolErrors(pool: pg.Pool): string[] {
  const errors: string[] = [];
  pool.on('error', (error) => {
    if (errors.length < 5) errors.push(error.message);
  });
  return errors;
}

/** Creates the baseline's tables and due index. */
export async function createBaselineSchema(client: pg.ClientBase): Promise<void> {
  await client.query(`
    create table calls (
      id text primary key,
      to_number text not null,
      status text not null,
      due_at bigint,
      attempt_count integer not null default 0,
      fencing_token bigint not null default 0,
      lease_owner text,
      lease_expires_at bigint,
      provider_call_id text,
      provider_status text,
      version integer not null default 1,
      created_at bigint not null,
      updated_at bigint not null,
      ended_at bigint
    );
    create index calls_due_idx on calls (due_at, id) where status = 'scheduled';
    create table events (
      id bigserial primary key,
      call_id text not null references calls (id),
      type text not null,
      at bigint not null,
      attempt integer,
      status text not null,
      provider_status text,
      data jsonb
    );
    create index events_call_idx on events (call_id, id);
  `);
}

/** Inserts `count` scheduled calls all due at `dueAt`, 1,000 rows per statement (setup, not measured). */
export async function insertDueCalls(client: pg.ClientBase, count: number, dueAt: number): Promise<void> {
  const now = Date.now();
  for (let from = 0; from < count; from += 1_000) {
    const ids: string[] = [];
    const numbers: string[] = [];
    for (let i = from; i < Math.min(count, from + 1_000); i++) {
      ids.push(`call-${String(i).padStart(8, '0')}`);
      numbers.push(`+1415${String(2_000_000 + i).padStart(7, '0')}`);
    }
    await client.query('begin');
    await client.query(
      `insert into calls (id, to_number, status, due_at, created_at, updated_at)
       select id, to_number, 'scheduled', $3, $4, $4 from unnest($1::text[], $2::text[]) as t(id, to_number)`,
      [ids, numbers, dueAt, now],
    );
    await client.query(
      `insert into events (call_id, type, at, status, data) select id, 'scheduled', $2, 'scheduled', jsonb_build_object('at', $3::bigint) from unnest($1::text[]) as t(id)`,
      [ids, now, dueAt],
    );
    await client.query('commit');
  }
}

/** How the per-call writes go to the server. */
export type PgBaselineMode = 'autocommit' | 'batched';

/** Options of {@link runPgBurst}. */
export interface PgBurstOptions {
  /** The scratch database's connection string. */
  readonly url: string;
  /** Connections claiming in parallel (each its own loop). */
  readonly connections: number;
  /** Calls per claim. */
  readonly batch: number;
  readonly mode: PgBaselineMode;
  /** Called synchronously when a call is "dialed" (right after its claim). */
  readonly onDial?: (id: string) => void;
}

/** What {@link runPgBurst} measured. */
export interface PgBurstResult {
  /** Calls claimed and ended. */
  readonly completed: number;
  /** Claim statements that returned rows, and their durations (ms). */
  readonly claimMs: readonly number[];
  /** Commits issued (statements outside a transaction count one each). */
  readonly commits: number;
}

interface ClaimedRow {
  readonly id: string;
  readonly attempt_count: number;
  readonly fencing_token: string;
}

const CLAIM = `
  with due as (
    select id from calls where status = 'scheduled' and due_at <= $1 order by due_at, id limit $2 for update skip locked
  )
  update calls c set status = 'dispatching', due_at = null, attempt_count = c.attempt_count + 1, fencing_token = c.fencing_token + 1,
    lease_owner = $3, lease_expires_at = $4, version = c.version + 1, updated_at = $1
  from due where c.id = due.id
  returning c.id, c.attempt_count, c.fencing_token`;

/**
 * Claims and ends every call due now with `connections` loops in parallel, until a claim finds
 * none; each claim also writes the `dispatching` event of its calls in the same statement's
 * transaction (autocommit: a second statement).
 */
export async function runPgBurst(options: PgBurstOptions): Promise<PgBurstResult> {
  const claimMs: number[] = [];
  let completed = 0;
  let commits = 0;
  const leaseMs = 30_000;
  const loop = async (index: number): Promise<void> => {
    const client = new pg.Client({ connectionString: options.url });
    await client.connect();
    const owner = `raw-pg-${index}`;
    try {
      for (;;) {
        const now = Date.now();
        const t0 = performance.now();
        await client.query('begin');
        const claimed = await client.query<ClaimedRow>(CLAIM, [now, options.batch, owner, now + leaseMs]);
        const rows = claimed.rows;
        if (rows.length > 0) {
          await client.query(
            `insert into events (call_id, type, at, attempt, status) select id, 'dispatching', $2, attempt, 'dispatching' from unnest($1::text[], $3::int[]) as t(id, attempt)`,
            [rows.map((r) => r.id), now, rows.map((r) => r.attempt_count)],
          );
        }
        await client.query('commit');
        commits += 1;
        if (rows.length === 0) return;
        claimMs.push(performance.now() - t0);
        for (const row of rows) options.onDial?.(row.id);
        if (options.mode === 'autocommit') {
          for (const row of rows) {
            const at = Date.now();
            const providerCallId = `p-${row.id}-${row.attempt_count}`;
            const accepted = await client.query(
              `update calls set status = 'initiated', provider_call_id = $3, provider_status = 'initiated', lease_expires_at = $4, version = version + 1, updated_at = $5
               where id = $1 and fencing_token = $2 and lease_expires_at is not null`,
              [row.id, row.fencing_token, providerCallId, at + leaseMs, at],
            );
            if (accepted.rowCount !== 1) throw new Error(`lost ${row.id}`);
            await client.query(`insert into events (call_id, type, at, attempt, status, provider_status, data) values ($1, 'status', $2, $3, 'initiated', 'initiated', $4)`, [
              row.id,
              at,
              row.attempt_count,
              JSON.stringify({ providerCallId }),
            ]);
            const ended = await client.query(
              `update calls set status = 'completed', lease_owner = null, lease_expires_at = null, provider_status = 'completed', ended_at = $3, version = version + 1, updated_at = $3
               where id = $1 and fencing_token = $2 and lease_expires_at is not null`,
              [row.id, row.fencing_token, at],
            );
            if (ended.rowCount !== 1) throw new Error(`lost ${row.id}`);
            await client.query(`insert into events (call_id, type, at, attempt, status) values ($1, 'completed', $2, $3, 'completed')`, [row.id, at, row.attempt_count]);
            commits += 4;
            completed += 1;
          }
        } else {
          const at = Date.now();
          const ids = rows.map((r) => r.id);
          const tokens = rows.map((r) => r.fencing_token);
          const attempts = rows.map((r) => r.attempt_count);
          const providerIds = rows.map((r) => `p-${r.id}-${r.attempt_count}`);
          await client.query('begin');
          const accepted = await client.query(
            `update calls c set status = 'initiated', provider_call_id = t.provider_call_id, provider_status = 'initiated', lease_expires_at = $4,
               version = c.version + 1, updated_at = $5
             from unnest($1::text[], $2::bigint[], $3::text[]) as t(id, token, provider_call_id)
             where c.id = t.id and c.fencing_token = t.token and c.lease_expires_at is not null`,
            [ids, tokens, providerIds, at + leaseMs, at],
          );
          if (accepted.rowCount !== rows.length) throw new Error(`lost ${rows.length - (accepted.rowCount ?? 0)} calls`);
          await client.query(
            `insert into events (call_id, type, at, attempt, status, provider_status, data)
             select id, 'status', $2, attempt, 'initiated', 'initiated', jsonb_build_object('providerCallId', provider_call_id)
             from unnest($1::text[], $3::int[], $4::text[]) as t(id, attempt, provider_call_id)`,
            [ids, at, attempts, providerIds],
          );
          await client.query('commit');
          await client.query('begin');
          const ended = await client.query(
            `update calls c set status = 'completed', lease_owner = null, lease_expires_at = null, provider_status = 'completed', ended_at = $3,
               version = c.version + 1, updated_at = $3
             from unnest($1::text[], $2::bigint[]) as t(id, token)
             where c.id = t.id and c.fencing_token = t.token and c.lease_expires_at is not null`,
            [ids, tokens, at],
          );
          if (ended.rowCount !== rows.length) throw new Error(`lost ${rows.length - (ended.rowCount ?? 0)} calls`);
          await client.query(
            `insert into events (call_id, type, at, attempt, status) select id, 'completed', $2, attempt, 'completed' from unnest($1::text[], $3::int[]) as t(id, attempt)`,
            [ids, at, attempts],
          );
          await client.query('commit');
          commits += 2;
          completed += rows.length;
        }
      }
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      await client.end();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => loop(i)));
  return { completed, claimMs, commits };
}

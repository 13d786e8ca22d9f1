import { CallScheduler } from '@call-scheduler/core';
import type { CallProvider } from '@call-scheduler/core';
import { seededRandom } from '@call-scheduler/core/testing';
import type pg from 'pg';
import { afterEach, expect } from 'vitest';
import { historiesOf, type AttemptRow, type CallHistory, type EventRow } from '../../../../test-support/crash-checks.js';
import { PostgresStore } from '../../src/index.js';
import { eventually } from './calls.js';
import { createProviderSchema } from '../fixtures/durable-provider.js';
import type { DialRow } from '../fixtures/durable-provider.js';
import { killAll, prepareSchedulerProcess, stopSchedulerProcess, waitUntilAllEnded } from './scheduler-processes.js';
import { TEST_URL, useTestDatabase } from './database.js';
import type { PreparedSchedulerProcess, SchedulerProcess } from './scheduler-processes.js';

/** Calls in a crash run. */
export const CRASH_CALLS = 3_000;
/** Scheduler processes killed with SIGKILL in a crash run (each replaced by a new one). */
export const CRASH_KILLS = 8;
/** Scheduler processes running at once. */
export const CRASH_HOSTS = 3;
/** The lease of every scheduler of the run. */
export const CRASH_LEASE_MS = 2_000;
/** The slow re-read of every scheduler of the run. */
export const CRASH_REREAD_MS = 250;
/** Calls of the last, measured kill. */
export const QUIET_CALLS = 60;
/** Calls are due over this many ms. */
export const SPREAD_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const idleProvider: CallProvider = {
  name: 'never-used',
  placeCall: () => Promise.reject(new Error('the scheduling process never dials')),
  getCall: () => Promise.reject(new Error('the scheduling process never dials')),
};

/** What a run left behind: the store's calls and events, and the provider's record. */
export interface CrashOutcome {
  readonly calls: readonly { id: string; status: string; error_code: string | null; provider_call_id: string | null; attempt_count: number; scheduler_id: string | null }[];
  /** Events by type. */
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Calls the provider started, by scheduler call id. */
  readonly dialsByCall: ReadonlyMap<string, readonly DialRow[]>;
  /** `placeCall` requests, by idempotency key (more than the dials when the provider de-duplicated). */
  readonly requestsByKey: ReadonlyMap<string, number>;
  /** Who did what, by call: each attempt's scheduler, and the data of its claim, recovery and end events. */
  readonly historyByCall: ReadonlyMap<string, CallHistory>;
  /** Every scheduler process of the run, by id. */
  readonly hosts: readonly string[];
  /** For each call a killed scheduler had claimed: ms from the kill to its first `recovered` event. */
  readonly takeoverMs: readonly number[];
  /** The same for the last kill, on a quiet system. */
  readonly quietTakeoverMs: readonly number[];
  readonly kills: number;
}

/**
 * For a crash test file: a database (checked before, schemas dropped after) and the run, with
 * every scheduler process killed after each test. `run(prefix, idempotent, seed)` runs
 * {@link crashRun} in a schema of its own.
 */
export function useCrashRun(): (prefix: string, idempotent: boolean, seed: number) => Promise<CrashOutcome> {
  const db = useTestDatabase();
  afterEach(async () => {
    await killAll();
  });
  return (prefix, idempotent, seed) => crashRun(TEST_URL, db.pool(), db.schema(prefix), idempotent, seed);
}

/**
 * Three scheduler processes on one database (a schema of their own): CRASH_CALLS calls are
 * scheduled by this process, which never starts a scheduler (a web tier), due over the next
 * seconds; then CRASH_KILLS times a random running process is killed with SIGKILL after a random
 * moment and a fresh one takes its place (loaded ahead of time), until every call has ended.
 */
export async function crashRun(url: string, pool: pg.Pool, schema: string, idempotent: boolean, seed: number): Promise<CrashOutcome> {
  const random = seededRandom(seed);
  const providerSchema = `${schema}_provider`;
  await createProviderSchema(url, providerSchema);
  const setupStore = new PostgresStore({ connectionString: url, schema, poolSize: 4 });
  await setupStore.init();
  let next = 0;
  const prepare = (): Promise<PreparedSchedulerProcess> =>
    prepareSchedulerProcess({ url, schema, providerSchema, id: `host-${next++}`, idempotent, leaseMs: CRASH_LEASE_MS, rereadMs: CRASH_REREAD_MS }, 45_000);
  const hosts: SchedulerProcess[] = [];
  const spares: Promise<PreparedSchedulerProcess>[] = [];
  try {
    const first = await Promise.all(Array.from({ length: CRASH_HOSTS }, prepare));
    spares.push(prepare(), prepare());
    for (const prepared of first) hosts.push(await prepared.go());
    // A process that only schedules, as a web tier would: due over ~10 s from now, each to its own number.
    const scheduler = new CallScheduler({ store: setupStore, provider: idleProvider, id: 'web' });
    const firstAt = Date.now() + 1_000;
    await scheduler.scheduleMany(
      Array.from({ length: CRASH_CALLS }, (_, i) => ({ to: `+1415${(5_550_000 + i).toString()}`, at: firstAt + Math.floor((i * SPREAD_MS) / CRASH_CALLS) })),
    );
    await sleep(1_200);

    const killedAt = new Map<string, number>();
    // All kills but the last land while calls are being claimed, dialed and followed.
    for (let round = 0; round < CRASH_KILLS - 1; round++) {
      const spare = await (spares.shift() as Promise<PreparedSchedulerProcess>);
      if (round + spares.length + 2 < CRASH_KILLS) spares.push(prepare());
      await sleep(200 + Math.floor(random() * 600));
      const index = Math.floor(random() * hosts.length);
      const victim = hosts[index] as SchedulerProcess;
      victim.child.kill('SIGKILL');
      killedAt.set(victim.id, Date.now());
      const { signal } = await victim.exited;
      expect(signal).toBe('SIGKILL');
      hosts[index] = await spare.go();
    }
    const open = await waitUntilAllEnded(pool, schema, 60_000);
    expect(open, `calls still open; stderr:\n${hosts.map((host) => host.stderr()).join('\n').slice(-4000)}`).toBe(0);

    // The last kill, measured on a quiet system: calls due together, the host that holds the
    // most of them killed while they ring; the other two must take them over within the lease
    // plus one re-read.
    const quietAt = Date.now() + 1_000;
    const quiet = await scheduler.scheduleMany(Array.from({ length: QUIET_CALLS }, (_, i) => ({ to: `+1415${(5_560_000 + i).toString()}`, at: quietAt })));
    const quietIds = quiet.map((call) => call.id);
    const owner = await eventually(async () => {
      const rows = (
        await pool.query(`select lease_owner, count(*)::int as n from "${schema}".calls where id = any($1) and status in ('dispatching', 'initiated', 'ringing', 'connected')
          group by lease_owner order by n desc limit 1`, [quietIds])
      ).rows as { lease_owner: string; n: number }[];
      return rows[0]?.lease_owner ?? undefined;
    }, 20_000, 'the quiet calls to ring');
    const victimIndex = hosts.findIndex((host) => host.id === owner);
    const victim = hosts[victimIndex] as SchedulerProcess;
    victim.child.kill('SIGKILL');
    killedAt.set(victim.id, Date.now());
    expect((await victim.exited).signal).toBe('SIGKILL');
    hosts.splice(victimIndex, 1);
    const stillOpen = await waitUntilAllEnded(pool, schema, 30_000);
    const stderr = hosts.map((host) => host.stderr()).join('\n');
    const exits = await Promise.all(hosts.map((host) => stopSchedulerProcess(host)));
    expect(stillOpen, `calls still open; stderr:\n${stderr.slice(-4000)}`).toBe(0);
    for (const exit of exits) expect(exit.code).toBe(0);
    const quietTakeover = (
      await pool.query(`select min(e.at)::bigint as at from "${schema}".events e join "${schema}".attempts a on a.call_id = e.call_id and a.number = 1
        where e.type = 'recovered' and a.scheduler_id = $1 and e.call_id = any($2) group by e.call_id`, [victim.id, quietIds])
    ).rows.map((row: { at: string }) => Number(row.at) - (killedAt.get(victim.id) as number));
    return { ...(await readOutcome(pool, schema, providerSchema, killedAt)), kills: killedAt.size, quietTakeoverMs: quietTakeover, hosts: Array.from({ length: next }, (_, i) => `host-${i}`) };
  } finally {
    for (const spare of spares) void spare.then((s) => s.go(1).catch(() => undefined)).catch(() => undefined);
    await setupStore.close();
    await pool.query(`drop schema if exists "${providerSchema}" cascade`);
  }
}

async function readOutcome(pool: pg.Pool, schema: string, providerSchema: string, killedAt: ReadonlyMap<string, number>): Promise<Omit<CrashOutcome, 'kills' | 'quietTakeoverMs' | 'hosts'>> {
  const s = `"${schema}"`;
  const calls = (
    await pool.query(`select c.id, c.status, c.error_code, c.provider_call_id, c.attempt_count, a.scheduler_id
      from ${s}.calls c left join ${s}.attempts a on a.call_id = c.id and a.number = 1 order by c.id`)
  ).rows as CrashOutcome['calls'][number][];
  const eventCounts = Object.fromEntries(
    (await pool.query(`select type, count(*)::int as n from ${s}.events group by type`)).rows.map((r: { type: string; n: number }) => [r.type, r.n]),
  );
  const dialsByCall = new Map<string, DialRow[]>();
  for (const dial of (await pool.query(`select * from "${providerSchema}".dials`)).rows as DialRow[]) {
    dialsByCall.set(dial.call_id, [...(dialsByCall.get(dial.call_id) ?? []), dial]);
  }
  const requestsByKey = new Map<string, number>(
    (await pool.query(`select idempotency_key as k, count(*)::int as n from "${providerSchema}".requests group by idempotency_key`)).rows.map(
      (r: { k: string; n: number }) => [r.k, r.n],
    ),
  );
  const recovered = (
    await pool.query(`select a.scheduler_id, min(e.at)::bigint as at from ${s}.events e join ${s}.attempts a on a.call_id = e.call_id and a.number = 1
      where e.type = 'recovered' group by e.call_id, a.scheduler_id`)
  ).rows as { scheduler_id: string; at: string }[];
  const takeoverMs = recovered.flatMap((r) => {
    const killed = killedAt.get(r.scheduler_id);
    return killed === undefined ? [] : [Number(r.at) - killed];
  });
  const attempts = (await pool.query(`select call_id, number, scheduler_id from ${s}.attempts`)).rows as AttemptRow[];
  const events = (await pool.query(`select call_id, type, attempt, data from ${s}.events where type in ('dispatching', 'recovered', 'failed') order by xid, id`)).rows as EventRow[];
  const historyByCall = historiesOf(attempts, events);
  return { calls, eventCounts, dialsByCall, requestsByKey, takeoverMs, historyByCall };
}

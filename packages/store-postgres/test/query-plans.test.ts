import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import * as statements from '../src/sql/statements.js';
import { mergedUpdates } from '../src/sql/merged-updates.js';
import { keepGenericPlans } from '../src/database/prepared-statements.js';
import { scheduledCall } from './support/calls.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

/*
 * The plans of the hot statements on 100,000 calls (30% scheduled, 10% live with a lease, the rest
 * ended), 100,000 attempts and 200,000 events, after ANALYZE: none may read a table from start to
 * end. EXPLAIN does not run the writes.
 */
const CALLS = 100_000;
const db = useTestDatabase();
let schema: string;
let s: string;
let kysely: Kysely<unknown>;

beforeAll(async () => {
  schema = db.schema('cs_plans');
  const store = new PostgresStore({ pool: db.pool(), schema });
  await store.init();
  await store.close();
  s = `"${schema}"`;
  const pool = db.pool();
  await pool.query(`insert into ${s}.calls (id, to_number, status, at, due_at, version, created_at, updated_at,
      lease_owner, lease_expires_at, ended_at, provider_call_id, attempt_count, fencing_token)
    select lpad(i::text, 12, '0'), '+1415' || (5550000 + i % 40000)::text,
      case when i % 10 < 3 then 'scheduled' when i % 10 = 3 then 'connected' when i % 10 < 9 then 'completed' else 'failed' end,
      1000000 + i, case when i % 10 < 3 then 1000000 + i end, 1, 1000, 1000,
      case when i % 10 = 3 then 'host' end, case when i % 10 = 3 then 2000000 + i end,
      case when i % 10 > 3 then 1500000 + i end, case when i % 10 > 2 then 'pc-' || i end,
      case when i % 10 > 2 then 1 else 0 end, case when i % 10 > 2 then 1 else 0 end
    from generate_series(1, ${CALLS}) as i`);
  await pool.query(`insert into ${s}.attempts (call_id, number, status, started_at, scheduler_id)
    select id, 1, status, 1000000, 'host' from ${s}.calls where attempt_count = 1`);
  await pool.query(`insert into ${s}.events (call_id, type, at, status) select id, 'scheduled', 1000, 'scheduled' from ${s}.calls`);
  await pool.query(`insert into ${s}.events (call_id, type, at, status) select id, 'status', 1000, status from ${s}.calls`);
  await pool.query(`analyze ${s}.calls; analyze ${s}.attempts; analyze ${s}.events; analyze ${s}.number_claims`);
  kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: { connect: () => db.pool().connect(), end: async () => undefined } }) });
}, 120_000);

afterAll(async () => {
  await kysely.destroy();
});

interface PlanNode {
  'Node Type': string;
  /** With ANALYZE: how many times the node ran. */
  'Actual Loops'?: number;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of the plan an `EXPLAIN (FORMAT JSON)` answered. */
function nodesOf(result: { rows: Record<string, unknown>[] }): PlanNode[] {
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode): void => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk((result.rows[0]?.['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  return nodes;
}

/** Every node of the plan of `statement`. */
async function planOf(statement: RawBuilder<unknown>, analyze = false): Promise<PlanNode[]> {
  const compiled = statement.compile(kysely);
  let result: { rows: Record<string, unknown>[] };
  if (analyze) {
    // EXPLAIN ANALYZE runs the statement: in a transaction rolled back, so the data stays as it was.
    const client = await db.pool().connect();
    try {
      await client.query('begin');
      result = await client.query(`explain (analyze, format json) ${compiled.sql}`, [...compiled.parameters]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  } else {
    result = await db.pool().query(`explain (format json) ${compiled.sql}`, [...compiled.parameters]);
  }
  return nodesOf(result);
}

/**
 * Every node of the GENERIC plan of `statement`, the plan a connection reuses for a prepared
 * statement once PostgreSQL prefers it to planning each run (forced here).
 */
async function genericPlanOf(statement: RawBuilder<unknown>): Promise<PlanNode[]> {
  const compiled = statement.compile(kysely);
  const client = await db.pool().connect();
  try {
    await client.query('set plan_cache_mode = force_generic_plan');
    await client.query(`prepare generic_plan_probe as ${compiled.sql}`);
    // EXECUTE takes no bound parameters: the values go in as literals (numbers, text, text arrays).
    const literal = (value: unknown): string =>
      typeof value === 'number'
        ? String(value)
        : Array.isArray(value)
          ? client.escapeLiteral(`{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`)
          : client.escapeLiteral(String(value));
    const args = compiled.parameters.length === 0 ? '' : `(${compiled.parameters.map(literal).join(', ')})`;
    const result = await client.query(`explain (format json) execute generic_plan_probe${args}`);
    return nodesOf(result);
  } finally {
    await client.query('deallocate generic_plan_probe').catch(() => undefined);
    await client.query('reset plan_cache_mode');
    client.release();
  }
}

/** The store's big tables (the event log's horizon reads `pg_stat_activity`, whose catalog join is a few rows). */
const STORE_TABLES = ['calls', 'attempts', 'events'];
const seqScans = (nodes: readonly PlanNode[]): string[] =>
  nodes.filter((n) => n['Node Type'] === 'Seq Scan' && STORE_TABLES.includes(n['Relation Name'] ?? '')).map((n) => n['Relation Name'] ?? '?');
const indexes = (nodes: readonly PlanNode[]): string[] => nodes.flatMap((n) => (n['Index Name'] !== undefined ? [n['Index Name']] : []));

describe(`query plans at ${CALLS.toLocaleString('en-US')} calls`, () => {
  const claim = { now: 1_000_500, limit: 50, owner: 'h', leaseExpiresAt: 3_000_000 };
  const fencedEnd = (): RawBuilder<unknown> =>
    statements.updateCall(
      s,
      { id: '000000000013', expect: { token: 1 }, set: { status: 'completed', endedAt: 5, leaseExpiresAt: null }, attempt: { number: 1, set: { status: 'completed' } }, now: 5 },
      JSON.stringify([{ ord: 0, call_id: '000000000013', type: 'completed', at: 5, attempt: 1, status: 'completed', provider_status: null, data: null }]),
    );
  const cases: [string, () => RawBuilder<unknown>, string[]][] = [
    ['claimDueCalls', () => statements.claimDueCalls(s, claim), ['calls_due_idx']],
    ['claimDueCalls with onePerNumber', () => statements.claimDueCalls(s, { ...claim, onePerNumber: true }), ['calls_due_idx', 'calls_open_to_idx']],
    ['claimDueCallsWithWakeUp', () => statements.claimDueCallsWithWakeUp(s, claim), ['calls_due_idx', 'calls_lease_idx']],
    ['claimExpiredLeases', () => statements.claimExpiredLeases(s, { ...claim, now: 2_000_100 }), ['calls_lease_idx']],
    ['nextWakeUpTimes', () => statements.nextWakeUpTimes(s), ['calls_due_idx', 'calls_lease_idx']],
    ['listCalls, newest first', () => statements.listCalls(s, { after: null, desc: true, limit: 50 }), ['calls_pkey']],
    ['listCalls after a cursor', () => statements.listCalls(s, { after: '000000050000', desc: false, limit: 50 }), ['calls_pkey']],
    ['listCalls by status', () => statements.listCalls(s, { statuses: ['connected'], after: null, desc: true, limit: 50 }), []],
    ['listCalls by number', () => statements.listCalls(s, { to: '+14155550007', after: null, desc: false, limit: 50 }), ['calls_to_id_idx']],
    ['listEvents from the start', () => statements.listEvents(s, null, 100, undefined), ['events_log_idx']],
    ['listEvents after a cursor', () => statements.listEvents(s, { xid: '1000', id: '150000' }, 100, undefined), ['events_log_idx']],
    ['listEvents of one call', () => statements.listEvents(s, null, 100, '000000000007'), ['events_call_idx']],
    ['eventLogHead', () => statements.eventLogHead(s), []],
    ['getCall', () => statements.selectCall(s, '000000000007'), ['calls_pkey']],
    ['getCallDetails', () => statements.selectCallDetails(s, '000000000007'), ['calls_pkey', 'attempts_pkey', 'events_call_idx']],
    ['findCallByProviderCallId', () => statements.selectCallByProviderCallId(s, 'pc-17'), ['calls_provider_call_id_idx']],
    ['countAttempts', () => statements.countAttempts(s, '+14155550007', 0), ['calls_to_id_idx']],
    [
      'updateCall (fenced, with an attempt and an event)',
      fencedEnd,
      ['calls_pkey', 'attempts_pkey'],
    ],
    ['purgeCalls', () => statements.purgeCalls(s, 1_600_000, 100, null), ['calls_ended_idx', 'events_call_idx']],
    [
      'the merged updateCalls of a group commit',
      () =>
        mergedUpdates(
          s,
          ['000000000013', '000000000023', '000000000033'].map((id) => ({
            update: { id, expect: { token: 1 }, set: { status: 'completed' as const, endedAt: 5, leaseExpiresAt: null }, attempt: { number: 1, set: { status: 'completed' as const } }, now: 5 },
            events: [{ type: 'completed' as const, at: 5, attempt: 1, status: 'completed' as const, providerStatus: null, data: null }],
          })),
        ),
      ['calls_pkey', 'attempts_pkey'],
    ],
  ];
  it('the merged updateCalls of 32 calls: each aggregate of the answer runs once, not once per call', async () => {
    // Joined as subqueries, the attempts' and events' aggregates ran again for every call (32 times a statement).
    const ids = (await db.pool().query<{ id: string }>(`select c.id from ${s}.calls as c join ${s}.attempts as a on a.call_id = c.id where c.status = 'connected' order by c.id limit 32`)).rows.map((row) => row.id);
    expect(ids).toHaveLength(32);
    const writes = ids.map((id) => ({
      update: { id, expect: { token: 1 }, set: { status: 'completed' as const, endedAt: 5, leaseExpiresAt: null }, attempt: { number: 1, set: { status: 'completed' as const } }, now: 5 },
      events: [
        { type: 'status' as const, at: 5, attempt: 1, status: 'completed' as const, providerStatus: 'completed', data: null },
        { type: 'completed' as const, at: 5, attempt: 1, status: 'completed' as const, providerStatus: null, data: null },
      ],
    }));
    const nodes = await planOf(mergedUpdates(s, writes), true);
    const aggregates = nodes.filter((n) => n['Node Type'] === 'Aggregate');
    expect(aggregates).toHaveLength(2);
    expect(aggregates.map((n) => n['Actual Loops'])).toEqual([1, 1]);
  });

  // The statements the store sends by name (preparedStatements): their generic plans too.
  const prepared: [string, () => RawBuilder<unknown>, string[]][] = [
    ['claimDueCalls', () => statements.claimDueCalls(s, claim), ['calls_due_idx']],
    ['claimDueCalls with onePerNumber', () => statements.claimDueCalls(s, { ...claim, onePerNumber: true }), ['calls_due_idx', 'calls_open_to_idx']],
    ['claimDueCallsWithWakeUp', () => statements.claimDueCallsWithWakeUp(s, claim), ['calls_due_idx', 'calls_lease_idx']],
    ['claimDueCallsWithWakeUp with onePerNumber', () => statements.claimDueCallsWithWakeUp(s, { ...claim, onePerNumber: true }), ['calls_due_idx', 'calls_lease_idx', 'calls_open_to_idx']],
    ['claimExpiredLeases', () => statements.claimExpiredLeases(s, { ...claim, now: 2_000_100 }), ['calls_lease_idx']],
    ['nextWakeUpTimes', () => statements.nextWakeUpTimes(s), ['calls_due_idx', 'calls_lease_idx']],
    ['updateCall (fenced, with an attempt and an event)', fencedEnd, ['calls_pkey', 'attempts_pkey']],
    [
      'updateCall (a retry: scheduled again, with the earliest due time before it)',
      () => statements.updateCall(s, { id: '000000000014', expect: { statuses: ['busy'] }, set: { status: 'scheduled', dueAt: 1_200_000, leaseExpiresAt: null }, now: 5 }, null),
      ['calls_pkey', 'calls_due_idx'],
    ],
  ];
  it('the prepared claim keeps its generic plan on a connection of the pool the store makes (force_generic_plan)', async () => {
    const compiled = statements.claimDueCallsWithWakeUp(s, { ...claim, limit: 5 }).compile(kysely);
    const pool = new pg.Pool({ connectionString: TEST_URL, max: 1 });
    keepGenericPlans(pool);
    const plans = async (mode: 'auto' | 'kept'): Promise<{ generic: number; custom: number }> => {
      const client = await pool.connect();
      const name = `probe_claim_${mode}`;
      try {
        if (mode === 'auto') await client.query('set plan_cache_mode = auto');
        // The claims run for real: in a transaction rolled back (the prepared statement outlives it).
        await client.query('begin');
        for (let i = 0; i < 10; i++) await client.query({ name, text: compiled.sql, values: [...compiled.parameters] });
        const row = (await client.query<{ generic_plans: string; custom_plans: string }>('select generic_plans, custom_plans from pg_prepared_statements where name = $1', [name])).rows[0];
        return { generic: Number(row?.generic_plans), custom: Number(row?.custom_plans) };
      } finally {
        await client.query('rollback');
        client.release();
      }
    };
    try {
      // First, on the pool's one fresh connection: only keepGenericPlans has set anything.
      expect(await plans('kept')).toEqual({ generic: 10, custom: 0 });
      // PostgreSQL's own choice at 100,000 calls: planned for its parameters, every run.
      expect(await plans('auto')).toEqual({ generic: 0, custom: 10 });
    } finally {
      await pool.end();
    }
  });

  for (const [name, statement, expected] of prepared) {
    it(`${name}, prepared: its generic plan has no sequential scan either`, async () => {
      const nodes = await genericPlanOf(statement());
      expect(seqScans(nodes), JSON.stringify(nodes.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']]))).toEqual([]);
      for (const index of expected) expect(indexes(nodes)).toContain(index);
    });
  }

  for (const [name, statement, expected] of cases) {
    it(`${name}: no sequential scan`, async () => {
      const nodes = await planOf(statement());
      expect(seqScans(nodes), JSON.stringify(nodes.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']]))).toEqual([]);
      for (const index of expected) expect(indexes(nodes)).toContain(index);
    });
  }
});

/*
 * Right after a burst of inserts: 3,000 calls due at once, inserted through the store into a new
 * table whose statistics autovacuum has not taken yet. The store analyzes the table itself after
 * such a burst: with statistics that still expect a handful of due calls, the planner checked the
 * per-number rule on every due call through calls_open_to_idx before sorting (8.7 ms a claim of
 * 30 calls with 2,500 due, against 2.3 ms once analyzed, in the pg-hosts burst benchmark).
 */
describe('statistics right after a burst of 3,000 inserts', () => {
  let burst: string;

  beforeAll(async () => {
    const schema = db.schema('cs_burst');
    burst = `"${schema}"`;
    const store = new PostgresStore({ pool: db.pool(), schema });
    for (let batch = 0; batch < 3; batch++) {
      await store.insertCalls(Array.from({ length: 1_000 }, () => scheduledCall(1_000)));
    }
    // close() waits for the ANALYZE the inserts started.
    await store.close();
  }, 60_000);

  it('the store analyzed the calls table itself', async () => {
    const stats = await db.pool().query<{ analyze_count: string }>(
      `select analyze_count from pg_stat_user_tables where schemaname = $1 and relname = 'calls'`,
      [burst.slice(1, -1)],
    );
    expect(Number(stats.rows[0]?.analyze_count ?? 0)).toBeGreaterThan(0);
  });

});

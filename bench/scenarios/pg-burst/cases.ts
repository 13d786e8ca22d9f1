import pg from 'pg';
import { intParam } from '../../lib/cli.js';
import { createBaselineSchema, createScratchDatabase, insertDueCalls, runPgBurst, type PgBaselineMode } from '../../lib/pg-baseline.js';
import { measureProcessCpu } from '../../lib/server-cpu.js';
import { distribution } from '../../lib/stats.js';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';

/** 5,000 calls (quick: 500), 3 connections, 50 calls a claim (params `count`, `connections`, `batch`). */
function settings(context: CaseContext): { count: number; connections: number; batch: number } {
  return {
    count: intParam(context.params, 'count', context.quick ? 500 : 5_000),
    connections: intParam(context.params, 'connections', 3),
    batch: intParam(context.params, 'batch', 50),
  };
}

/** One raw `pg` loop on a scratch database (created, filled with calls already due, dropped). */
async function raw(context: CaseContext, mode: PgBaselineMode): Promise<CaseResult> {
  const { count, connections, batch } = settings(context);
  const db = await createScratchDatabase();
  try {
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    let server = '';
    try {
      await createBaselineSchema(setup);
      await insertDueCalls(setup, count, Date.now() - 1_000);
      await setup.query('vacuum analyze');
      server = ((await setup.query<{ v: string }>('show server_version')).rows[0]?.v ?? 'unknown').split(' ')[0] ?? 'unknown';
    } finally {
      await setup.end();
    }
    let dials = 0;
    let lastDial = 0;
    const cpu0 = process.cpuUsage();
    const serverCpu = measureProcessCpu('postgres');
    const t0 = performance.now();
    const run = await runPgBurst({
      url: db.url,
      connections,
      batch,
      mode,
      onDial: () => {
        dials += 1;
        lastDial = performance.now();
      },
    });
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const serverCpuUsed = serverCpu();
    if (run.completed !== count || dials !== count) throw new Error(`${mode}: completed ${run.completed}, dialed ${dials} of ${count}`);
    return {
      mode,
      count,
      connections,
      batch,
      elapsedMs,
      callsPerSecond: count / (elapsedMs / 1000),
      lastDialMs: lastDial - t0,
      commits: run.commits,
      claimMs: distribution(run.claimMs),
      cpuMs: (cpu.user + cpu.system) / 1000,
      // Every postgres process's CPU over the loop (the server's share of the two cores).
      ...serverCpuUsed,
      postgres: server,
    };
  } finally {
    await db.drop();
  }
}

export const cases: Record<string, CaseFn> = {
  'raw-autocommit': (context) => raw(context, 'autocommit'),
  'raw-batched': (context) => raw(context, 'batched'),
};

import type { CallStoreChange } from '@call-scheduler/core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteRunner, type MergeSupport, type WriteJob } from '../src/database/group-commit.js';
import { useTestDatabase } from './support/database.js';

/*
 * The write runner's merged path against the test server: a group whose jobs are all mergeable
 * writes to different keys runs as its one merged statement, without BEGIN and COMMIT; a statement
 * the server refuses falls back to the transaction path; a lost connection fails every job.
 */
const db = useTestDatabase();
let kysely: Kysely<unknown>;

beforeAll(() => {
  kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: { connect: () => db.pool().connect(), end: async () => undefined } }) });
});
afterAll(async () => {
  await kysely.destroy();
});

/** A merge support that records the connection it got and answers one row per payload (or throws `fail`). */
function recordingMerge(fail?: () => unknown): MergeSupport & { readonly calls: { transaction: boolean; payloads: unknown[] }[] } {
  const calls: { transaction: boolean; payloads: unknown[] }[] = [];
  return {
    calls,
    async run(conn, payloads) {
      calls.push({ transaction: conn.isTransaction, payloads: [...payloads] });
      if (fail !== undefined && payloads.length > 1) throw fail();
      // A real round trip on the connection it was given.
      await sql`select 1`.execute(conn);
      return payloads.map((payload) => ({ row: payload }));
    },
  };
}

/** Queues `n` mergeable jobs on keys k0..k(n-1) in one turn; `finishFails` names a key whose finish throws. */
function queue(runner: WriteRunner, keys: readonly string[], finishFails?: string): { results: Promise<unknown>[]; alone: string[] } {
  const alone: string[] = [];
  const results = keys.map((key) => {
    const job: WriteJob<unknown> = async (conn, note) => {
      alone.push(key);
      await sql`select 1`.execute(conn);
      note({ events: true });
      return { alone: key };
    };
    return runner.run(job, true, {
      key,
      payload: key,
      finish: async (row, _conn, note) => {
        if (key === finishFails) throw new Error(`bad input in ${key}`);
        note({ events: true });
        return row;
      },
    });
  });
  return { results, alone };
}

describe('WriteRunner merged writes', () => {
  it('runs a group of mergeable writes to different keys as one statement, outside a transaction', async () => {
    const merge = recordingMerge();
    const committed: CallStoreChange[][] = [];
    const runner = new WriteRunner(kysely, true, (changes) => committed.push([...changes]), merge);
    const { results, alone } = queue(runner, ['a', 'b', 'c']);
    expect(await Promise.all(results)).toEqual([{ row: 'a' }, { row: 'b' }, { row: 'c' }]);
    expect(merge.calls).toEqual([{ transaction: false, payloads: ['a', 'b', 'c'] }]);
    expect(alone).toEqual([]);
    expect(committed).toEqual([[{ events: true }, { events: true }, { events: true }]]);
  });

  it('gives a job whose finish throws its own error; the others of the statement stand', async () => {
    const merge = recordingMerge();
    const committed: CallStoreChange[][] = [];
    const runner = new WriteRunner(kysely, true, (changes) => committed.push([...changes]), merge);
    const { results } = queue(runner, ['a', 'b'], 'a');
    const settled = await Promise.allSettled(results);
    expect(settled[0]).toMatchObject({ status: 'rejected', reason: new Error('bad input in a') });
    expect(settled[1]).toEqual({ status: 'fulfilled', value: { row: 'b' } });
    expect(committed).toEqual([[{ events: true }]]);
  });

  it('falls back to the transaction path when the server refuses the merged statement (a SQLSTATE: nothing was applied)', async () => {
    const refused = Object.assign(new Error('invalid input syntax'), { code: '22P02' });
    const merge = recordingMerge(() => refused);
    const runner = new WriteRunner(kysely, true, () => undefined, merge);
    const { results } = queue(runner, ['a', 'b']);
    const settled = await Promise.allSettled(results);
    // Merged again inside the transaction, refused again: each job then runs alone in its savepoint.
    expect(merge.calls.map((c) => c.transaction)).toEqual([false, true]);
    expect(settled).toEqual([
      { status: 'fulfilled', value: { alone: 'a' } },
      { status: 'fulfilled', value: { alone: 'b' } },
    ]);
  });

  it('fails every job with the error when the connection was lost (no SQLSTATE: whether it was applied is unknown)', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const merge = recordingMerge(() => lost);
    const runner = new WriteRunner(kysely, true, () => undefined, merge);
    const { results, alone } = queue(runner, ['a', 'b']);
    const settled = await Promise.allSettled(results);
    expect(settled).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    expect(merge.calls).toHaveLength(1);
    expect(alone).toEqual([]);
  });

  it('keeps the transaction for a group with two writes to one key', async () => {
    const merge = recordingMerge();
    const runner = new WriteRunner(kysely, true, () => undefined, merge);
    const { results, alone } = queue(runner, ['a', 'a', 'b']);
    await Promise.all(results);
    // Waves of different keys inside one transaction: a and b merged, the second a alone.
    expect(merge.calls).toEqual([{ transaction: true, payloads: ['a', 'b'] }]);
    expect(alone).toEqual(['a']);
  });
});

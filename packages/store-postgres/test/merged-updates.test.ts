import { Kysely, PostgresDialect } from 'kysely';
import type { PostgresPool } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mergedUpdates, mergedUpdatesQuery, type MergedWrite } from '../src/sql/merged-updates.js';

/*
 * The merged statement of a group commit is compiled by kysely once per schema (and per "a write
 * schedules a call again"), then only its parameters are made: what it sends must be exactly what
 * compiling the statement afresh gives, for any writes.
 */
const never: PostgresPool = {
  connect: () => Promise.reject(new Error('compiling needs no connection')),
  end: async () => undefined,
};
const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: never }) });

function ending(id: string, token: number): MergedWrite {
  return {
    update: { id, expect: { token }, set: { status: 'completed', endedAt: 5, leaseExpiresAt: null }, attempt: { number: 1, set: { status: 'completed' } }, now: 5 },
    events: [{ type: 'completed', at: 5, attempt: 1, status: 'completed', providerStatus: null, data: null }],
  };
}

function rescheduling(id: string): MergedWrite {
  return {
    update: { id, expect: { statuses: ['busy'] }, set: { status: 'scheduled', dueAt: 60_000, leaseExpiresAt: null }, now: 7 },
    events: [{ type: 'retrying', at: 7, attempt: 1, status: 'scheduled', providerStatus: null, data: { dueAt: 60_000 } }],
  };
}

describe('the merged statement, compiled once', () => {
  const cases: [string, string, MergedWrite[]][] = [
    ['ends', '"cs_a"', [ending('a', 1), ending('b', 2)]],
    ['ends, another batch', '"cs_a"', [ending('c', 3)]],
    ['a reschedule among them', '"cs_a"', [ending('d', 4), rescheduling('e')]],
    ['another schema', '"cs_b"', [ending('f', 5), rescheduling('g')]],
  ];
  for (const [name, schema, writes] of cases) {
    it(`${name}: the same SQL and parameters as compiling it afresh`, () => {
      const fresh = mergedUpdates(schema, writes).compile(db);
      const kept = mergedUpdatesQuery(db, schema, writes);
      expect(kept.sql).toBe(fresh.sql);
      expect(kept.parameters).toEqual(fresh.parameters);
    });
  }

  it('a schema and whether a write schedules a call again give different texts; the text is kept', () => {
    const first = mergedUpdatesQuery(db, '"cs_c"', [ending('a', 1)]).sql;
    expect(mergedUpdatesQuery(db, '"cs_c"', [ending('b', 2), ending('c', 3)]).sql).toBe(first);
    expect(mergedUpdatesQuery(db, '"cs_c"', [rescheduling('d')]).sql).not.toBe(first);
    expect(mergedUpdatesQuery(db, '"cs_d"', [ending('e', 1)]).sql).not.toBe(first);
    expect(first).toContain('"cs_c".calls');
  });
});

import Database from 'better-sqlite3';
import { isCallSchedulerError } from '@call-scheduler/core';
import type { CallInsert, CallStatus } from '@call-scheduler/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { fullScans, plansOf, queryPlan, recordingDatabase } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { usePlanStore } from './support/plan-store.js';
import { tempDir } from './support/temp-files.js';

const TERMINAL: readonly CallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'];

/** A call stored already ended at `endedAt`, with `events` history events. */
function endedCall(endedAt: number, status: CallStatus = 'completed', events = 3): CallInsert {
  const item = scheduledCall(endedAt - 100, { status, dueAt: null, endedAt, createdAt: endedAt - 100 });
  const history = Array.from({ length: events }, (_, i) => ({ ...item.events[0]!, type: i === 0 ? 'scheduled' : 'status', status } as const));
  return { call: item.call, events: history };
}

/** Gives every call of `raw` that has none one attempt row (raw SQL: fast for large tables). */
function addAttempts(raw: Database.Database): void {
  raw.exec(`insert into attempts (call_id, number, status, started_at, ended_at)
    select id, 1, status, coalesce(ended_at, at), ended_at from calls where attempt_count = 0`);
  raw.exec(`update calls set attempt_count = 1 where attempt_count = 0`);
}

const count = (raw: Database.Database, sql: string, ...params: unknown[]): number => (raw.prepare(sql).get(...params) as { n: number }).n;

describe('SqliteStore.purgeCalls: query plans', () => {
  // 20,000 calls: most ended (oldest first by id, so that id order cannot stand in for ended_at
  // order, every tenth in another status), and scheduled and live calls that must stay.
  const rig = usePlanStore(async ({ store, recorder }) => {
    const ended = Array.from({ length: 18_000 }, (_, i) => endedCall(1_000_000 - i, TERMINAL[i % 10 === 0 ? 3 : 0]));
    const scheduled = Array.from({ length: 2_000 }, (_, i) => scheduledCall(5_000_000 + i));
    await store.insertCalls([...ended, ...scheduled]);
    addAttempts(recorder.raw);
  }, { prefix: 'store-sqlite-retention-plans-', timeoutMs: 60_000 });

  for (const statistics of ['without statistics', 'after ANALYZE'] as const) {
    describe(statistics, () => {
      if (statistics === 'after ANALYZE') beforeAll(() => void rig.recorder.raw.exec('analyze'));

      for (const [name, statuses] of [
        ['every terminal status', undefined],
        ['some statuses', ['failed', 'canceled']],
      ] as const) {
        it(`a purge (${name}) walks calls_ended_at_idx in order, stops at its limit, and scans no table`, async () => {
          const before = count(rig.recorder.raw, 'select count(*) as n from calls');
          let deleted = 0;
          const plans = await plansOf(rig.recorder, async () => {
            deleted = await rig.store.purgeCalls({ endedBefore: 2_000_000, limit: 100, ...(statuses === undefined ? {} : { statuses }) });
          });
          expect(deleted).toBe(100);
          expect(count(rig.recorder.raw, 'select count(*) as n from calls')).toBe(before - 100);
          for (const { sql, plan } of plans) expect(fullScans(plan), `${sql}\n${plan.join('\n')}`).toEqual([]);
          const purge = plans.find((p) => /^\s*delete from "calls"/i.test(p.sql));
          expect(purge, plans.map((p) => p.sql).join('\n')).toBeDefined();
          const plan = purge!.plan.join('\n');
          expect(plan).toMatch(/SEARCH c USING (COVERING )?INDEX calls_ended_at_idx \(ended_at>\? AND ended_at<\?\)|SEARCH c USING (COVERING )?INDEX calls_ended_at_idx \(ended_at<\?\)/);
          expect(plan).not.toMatch(/TEMP B-TREE/);
          // The attempts and events go by their keys.
          const all = plans.flatMap((p) => p.plan).join('\n');
          expect(all).toContain('events_call_id_idx');
          expect(all).toMatch(/attempts USING PRIMARY KEY/);
        });
      }
    });
  }

  it('the partial index holds the terminal calls only: a call has ended_at exactly when its status is terminal', () => {
    const indexed = count(rig.recorder.raw, 'select count(*) as n from calls indexed by calls_ended_at_idx where ended_at is not null');
    const terminal = count(rig.recorder.raw, "select count(*) as n from calls where status not in ('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')");
    expect(indexed).toBe(terminal);
    expect(count(rig.recorder.raw, "select count(*) as n from calls where (ended_at is not null) <> (status in ('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'))")).toBe(0);
    const sqlText = (rig.recorder.raw.prepare("select sql from sqlite_master where name = 'calls_ended_at_idx'").get() as { sql: string }).sql;
    expect(sqlText).toMatch(/where "?ended_at"? is not null/i);
  });
});

describe('SqliteStore.purgeCalls: rows, transactions, migration', () => {
  const dir = tempDir('store-sqlite-retention-');
  afterAll(() => dir.remove());
  let n = 0;
  const file = (): string => dir.file(`retention-${++n}.db`);

  it('leaves no attempt or event row of a purged call behind, and keeps every other row', async () => {
    const filename = file();
    const old = Array.from({ length: 1_200 }, (_, i) => endedCall(10_000 + i, 'busy', 5));
    const recent = Array.from({ length: 300 }, (_, i) => endedCall(50_000 + i, 'completed', 2));
    {
      await using store = new SqliteStore({ filename });
      await store.insertCalls([...old, ...recent, scheduledCall(90_000)]);
    }
    const raw = new Database(filename);
    addAttempts(raw);
    raw.close();
    {
      await using store = new SqliteStore({ filename });
      // More than one chunk of ids (500 per IN list) in one purge.
      expect(await store.purgeCalls({ endedBefore: 50_000, limit: 1_000 })).toBe(1_000);
      expect(await store.purgeCalls({ endedBefore: 50_000, limit: 1_000 })).toBe(200);
      expect(await store.purgeCalls({ endedBefore: 50_000, limit: 1_000 })).toBe(0);
    }
    const after = new Database(filename, { readonly: true });
    try {
      expect(count(after, 'select count(*) as n from calls')).toBe(301);
      expect(count(after, 'select count(*) as n from attempts where call_id not in (select id from calls)')).toBe(0);
      expect(count(after, 'select count(*) as n from events where call_id not in (select id from calls)')).toBe(0);
      expect(count(after, 'select count(*) as n from attempts')).toBe(301);
      expect(count(after, 'select count(*) as n from events')).toBe(300 * 2 + 1);
      expect(count(after, 'select count(*) as n from calls where ended_at < 50000')).toBe(0);
    } finally {
      after.close();
    }
  });

  it('deletes a call, its attempts and its events in one transaction: a failure part way deletes nothing', async () => {
    const filename = file();
    const items = Array.from({ length: 10 }, (_, i) => endedCall(1_000 + i));
    {
      await using store = new SqliteStore({ filename });
      await store.insertCalls(items);
    }
    const raw = new Database(filename);
    addAttempts(raw);
    // The events go last: make that step fail.
    raw.exec(`create trigger refuse_event_delete before delete on events begin select raise(abort, 'events are kept'); end`);
    raw.close();
    {
      await using store = new SqliteStore({ filename });
      let caught: unknown;
      await store.purgeCalls({ endedBefore: 10_000, limit: 5 }).catch((error: unknown) => (caught = error));
      expect(isCallSchedulerError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe('STORE_ERROR');
      expect((caught as Error).message).toContain('events are kept');
      // Everything is still there.
      for (const item of items) expect((await store.getCallDetails(item.call.id))?.attempts).toHaveLength(1);
    }
    const check = new Database(filename);
    try {
      expect(count(check, 'select count(*) as n from calls')).toBe(10);
      expect(count(check, 'select count(*) as n from attempts')).toBe(10);
      expect(count(check, 'select count(*) as n from events')).toBe(30);
      check.exec('drop trigger refuse_event_delete');
    } finally {
      check.close();
    }
    await using store = new SqliteStore({ filename });
    expect(await store.purgeCalls({ endedBefore: 10_000, limit: 5 })).toBe(5);
  });

  it('never reuses the id of a purged event, also after the file is reopened', async () => {
    const filename = file();
    const first = endedCall(1_000);
    const newest = endedCall(2_000);
    let lastId: number;
    {
      await using store = new SqliteStore({ filename });
      await store.insertCalls([first, newest]);
      const events = (await store.listEvents({ after: null, limit: 100 })).items;
      lastId = events[events.length - 1]!.id;
      expect(events[events.length - 1]!.callId).toBe(newest.call.id);
      // Purge everything, so that max(id) of the table would start again from 0.
      expect(await store.purgeCalls({ endedBefore: 10_000, limit: 10 })).toBe(2);
      expect((await store.listEvents({ after: null, limit: 100 })).items).toEqual([]);
    }
    await using store = new SqliteStore({ filename });
    const [result] = await store.insertCalls([scheduledCall(5_000)]);
    expect(result!.events[0]!.id).toBe(lastId + 1);
  });

  it('adds the index to a file made by the first version (migration 0002), keeping its calls', async () => {
    const filename = file();
    const items = [endedCall(1_000), endedCall(2_000, 'canceled'), scheduledCall(9_000)];
    {
      await using store = new SqliteStore({ filename });
      await store.insertCalls(items);
    }
    // Make the file look as the first version left it.
    const raw = new Database(filename);
    // (first without migration 0005: its indexes back to the first version's)
    raw.exec('drop index calls_unended_to_idx; drop index calls_ended_at_idx');
    raw.exec("create index calls_open_to_idx on calls (to_number) where status in ('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')");
    raw.prepare('delete from call_scheduler_migration where name = ?').run('0005_ended_at_partial_indexes');
    raw.prepare('delete from call_scheduler_migration where name = ?').run('0002_ended_calls_index');
    // ...and without the later migrations either.
    raw.exec('alter table attempts drop column scheduler_id');
    raw.prepare('delete from call_scheduler_migration where name = ?').run('0003_attempt_scheduler_id');
    raw.exec('drop index calls_series_occurrence_uq; alter table calls drop column series_id; alter table calls drop column occurrence_at; drop table call_series');
    raw.prepare('delete from call_scheduler_migration where name = ?').run('0004_call_series');
    expect(raw.prepare("select name from sqlite_master where name = 'calls_ended_idx'").all()).toEqual([]);
    raw.close();

    {
      await using store = new SqliteStore({ filename });
      expect(await store.purgeCalls({ endedBefore: 1_500, limit: 10 })).toBe(1);
      expect(await store.getCall(items[1]!.call.id)).toBeDefined();
      expect(await store.getCall(items[2]!.call.id)).toBeDefined();
    }
    const after = new Database(filename, { readonly: true });
    try {
      // 0002 built calls_ended_idx, which 0005 then rebuilt on ended_at.
      expect(after.prepare("select name from sqlite_master where name in ('calls_ended_idx', 'calls_ended_at_idx')").all()).toEqual([{ name: 'calls_ended_at_idx' }]);
      expect((after.prepare('select name from call_scheduler_migration order by name').all() as { name: string }[]).map((r) => r.name)).toEqual([
        '0001_initial_schema',
        '0002_ended_calls_index',
        '0003_attempt_scheduler_id',
        '0004_call_series',
        '0005_ended_at_partial_indexes',
      ]);
    } finally {
      after.close();
    }
  });
});

describe('a purge reads a bounded batch', () => {
  it('purges 10 of 50,000 ended calls through the index, oldest first', async () => {
    const dir = tempDir('store-sqlite-retention-big-');
    const recorder = recordingDatabase(dir.file('big.db'));
    const store = new SqliteStore({ database: recorder.database });
    try {
      await store.init();
      // ended_at descends with the id: the oldest calls are the last inserted.
      const batch = Array.from({ length: 50_000 }, (_, i) => endedCall(10_000_000 - i, 'completed', 1));
      await store.insertCalls(batch);
      recorder.queries.length = 0;
      expect(await store.purgeCalls({ endedBefore: 20_000_000, limit: 10 })).toBe(10);
      const purge = recorder.queries.find((q) => /^\s*delete from "calls"/i.test(q.sql));
      expect(purge).toBeDefined();
      const plan = queryPlan(recorder.raw, purge!).join('\n');
      expect(plan).toContain('calls_ended_at_idx');
      expect(plan).not.toMatch(/TEMP B-TREE/);
      expect(fullScans(plan.split('\n'))).toEqual([]);
      const gone = batch.slice(-10).map((b) => b.call.id);
      for (const id of gone) expect(await store.getCall(id)).toBeUndefined();
      expect(await store.getCall(batch[batch.length - 11]!.call.id)).toBeDefined();
      expect(count(recorder.raw, 'select count(*) as n from calls')).toBe(49_990);
    } finally {
      await store.close();
      recorder.raw.close();
      dir.remove();
    }
  }, 60_000);
});

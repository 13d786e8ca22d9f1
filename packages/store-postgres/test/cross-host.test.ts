import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { eventually, scheduledCall } from './support/calls.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

// Two handles on two pools: two hosts as far as PostgreSQL can tell.
const db = useTestDatabase();
const opened: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
async function twoHosts(): Promise<[PostgresStore, PostgresStore]> {
  const first = new PostgresStore({ pool: db.pool(), schema: db.schema('cs_hosts') });
  await first.init();
  const second = new PostgresStore({ pool: db.peerPool(), schema: first.schema });
  opened.push(first, second);
  return [first, second];
}

describe('onePerNumber across hosts (READ COMMITTED)', () => {
  it('a claim that passes the NOT EXISTS check on a stale snapshot still cannot take a second call to the number', async () => {
    const [hostA, hostB] = await twoHosts();
    const number = '+14155550142';
    const [first] = await hostA.insertCalls([scheduledCall(100, { to: number })]);
    const [second] = await hostA.insertCalls([scheduledCall(10_000, { to: number })]);
    const firstId = first!.call.id;
    // Host A's claim of the first call sleeps half a second before it commits.
    await db.pool().query(`create function "${hostA.schema}".slow_claim() returns trigger language plpgsql as $$
      begin if new.status = 'dispatching' and new.id = '${firstId}' then perform pg_sleep(0.5); end if; return new; end $$`);
    await db.pool().query(`create trigger slow_claim after update on "${hostA.schema}".calls for each row execute function "${hostA.schema}".slow_claim()`);

    const claimA = hostA.claimDueCalls({ now: 200, limit: 10, owner: 'host-a', leaseExpiresAt: 60_000, onePerNumber: true });
    await eventually(
      async () => ((await db.pool().query(`select 1 from pg_stat_activity where wait_event = 'PgSleep' and query like '%claimed as%'`)).rowCount ? true : undefined),
      5_000,
      "host A's claim to be in flight",
    );
    // Meanwhile the second call is moved earlier than the first (an API reschedule on host B) and
    // commits. Host B's snapshot now shows: the first call scheduled (A's claim is not committed)
    // and due later than the second, so no NOT EXISTS rule stops B from taking the second.
    const moved = await hostB.updateCall({ id: second!.call.id, expect: { statuses: ['scheduled'] }, set: { status: 'scheduled', dueAt: 50 }, now: 150 });
    expect(moved?.call.dueAt).toBe(50);
    const claimB = hostB.claimDueCalls({ now: 200, limit: 10, owner: 'host-b', leaseExpiresAt: 60_000, onePerNumber: true });

    const [byA, byB] = await Promise.all([claimA, claimB]);
    expect(byA.map((r) => r.call.id)).toEqual([firstId]);
    expect(byB).toEqual([]);
    expect((await hostB.getCall(second!.call.id))?.status).toBe('scheduled');

    // Once the first call ends, its number is free again for the other host.
    await hostA.updateCall({ id: firstId, expect: { token: byA[0]!.call.fencingToken }, set: { status: 'completed', endedAt: 300, leaseExpiresAt: null }, now: 300 });
    const later = await hostB.claimDueCalls({ now: 400, limit: 10, owner: 'host-b', leaseExpiresAt: 60_000, onePerNumber: true });
    expect(later.map((r) => r.call.id)).toEqual([second!.call.id]);
  });

  it('many concurrent claimers on a few numbers never have two calls of one number in flight', async () => {
    const [hostA, hostB] = await twoHosts();
    const numbers = ['+14155550201', '+14155550202', '+14155550203'];
    await hostA.insertCalls(Array.from({ length: 60 }, (_, i) => scheduledCall(i, { to: numbers[i % numbers.length] as string })));
    const owners = ['a1', 'a2', 'b1', 'b2'];
    const claims = await Promise.all(
      owners.map((owner, i) => (i < 2 ? hostA : hostB).claimDueCalls({ now: 1_000, limit: 50, owner, leaseExpiresAt: 60_000, onePerNumber: true })),
    );
    const claimed = claims.flat();
    expect(claimed).toHaveLength(numbers.length);
    expect(new Set(claimed.map((r) => r.call.to)).size).toBe(numbers.length);
  });
});

describe('event cursor across connections', () => {
  it('a follower never skips an event whose transaction took a smaller id and committed later', async () => {
    const [writer, follower] = await twoHosts();
    const [call] = await writer.insertCalls([scheduledCall(1)]);
    const start = await follower.listEvents({ after: null, limit: 100 });
    expect(start.items.map((e) => e.type)).toEqual(['scheduled']);

    // Another connection takes an event id and keeps its transaction open.
    const slow = await db.peerPool().connect();
    try {
      await slow.query('begin');
      const early = await slow.query(
        `insert into "${writer.schema}".events (call_id, type, at, status) values ($1, 'status', 2, 'ringing') returning id`,
        [call!.call.id],
      );
      const earlyId = Number(early.rows[0].id);
      // This write takes a larger id and commits first.
      const late = await writer.updateCall({
        id: call!.call.id,
        expect: { version: 1 },
        set: { metadata: { n: 1 } },
        events: [{ type: 'status', at: 3, attempt: null, status: 'scheduled', providerStatus: null, data: null }],
        now: 3,
      });
      const lateId = late!.events[0]!.id;
      expect(lateId).toBeGreaterThan(earlyId);

      // A reader by id would now return the later event and resume after it, skipping the earlier
      // one for ever. The log holds both back while the older transaction is open.
      const meanwhile = await follower.listEvents({ after: start.nextCursor, limit: 100 });
      expect(meanwhile.items).toEqual([]);
      expect(meanwhile.nextCursor).toBe(start.nextCursor);
      await slow.query('commit');
    } finally {
      slow.release();
    }
    const after = await follower.listEvents({ after: start.nextCursor, limit: 100 });
    expect(after.items.map((e) => e.at)).toEqual([2, 3]);
    expect((await follower.listEvents({ after: after.nextCursor, limit: 100 })).items).toEqual([]);
  });

  it('a transaction left open in another database of the server does not hold the log back', async () => {
    const [writer, follower] = await twoHosts();
    const name = `cs_other_${Date.now().toString(36)}`;
    await db.pool().query(`create database "${name}"`);
    const url = new URL(TEST_URL);
    url.pathname = `/${name}`;
    const elsewhere = new pg.Client({ connectionString: url.toString() });
    await elsewhere.connect();
    try {
      await elsewhere.query('begin');
      await elsewhere.query('select pg_current_xact_id()'); // takes a transaction id and keeps it
      await writer.insertCalls([scheduledCall(1)]);
      const page = await follower.listEvents({ after: null, limit: 10 });
      expect(page.items.map((e) => e.type)).toEqual(['scheduled']);
      await elsewhere.query('rollback');
    } finally {
      await elsewhere.end();
      await db.pool().query(`drop database if exists "${name}" with (force)`);
    }
  });

  it('orders the log by transaction id as a number, not as text (9 before 10)', async () => {
    const [writer, follower] = await twoHosts();
    await writer.init();
    // Transaction ids written by hand: both long ended, with different digit counts.
    await db.pool().query(`insert into "${writer.schema}".events (xid, call_id, type, at, status) values ('10'::xid8, 'c', 'status', 10, 'ringing'), ('9'::xid8, 'c', 'status', 9, 'ringing')`);
    const page = await follower.listEvents({ after: null, limit: 10 });
    expect(page.items.map((e) => e.at)).toEqual([9, 10]);
    const rest = await follower.listEvents({ after: page.items[0]!.cursor, limit: 10 });
    expect(rest.items.map((e) => e.at)).toEqual([10]);
  });

  it('pages of one event at a time, read while writers commit, see every event exactly once', async () => {
    const [writer, follower] = await twoHosts();
    const seen: number[] = [];
    let cursor: string | null = null;
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await Promise.all([writer.insertCalls([scheduledCall(i)]), follower.insertCalls([scheduledCall(i)])]);
    })();
    let done = false;
    void writes.finally(() => {
      done = true;
    });
    for (;;) {
      const page = await follower.listEvents({ after: cursor, limit: 1 });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      if (page.items.length === 0 && done) {
        // The log shows an event once no older transaction of the server is still open; another
        // test file's long transaction can hold that back for a while: read until all are seen (bounded).
        const deadline = Date.now() + 10_000;
        while (seen.length < 40 && Date.now() < deadline) {
          const rest = await follower.listEvents({ after: cursor, limit: 1000 });
          seen.push(...rest.items.map((e) => e.id));
          cursor = rest.nextCursor;
          if (rest.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        break;
      }
    }
    await writes;
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });
});

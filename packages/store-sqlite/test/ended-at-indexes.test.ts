import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';

// Migration 0005: the partial indexes of open calls by number and of ended calls select on
// `ended_at`, which the store sets exactly with a terminal status, so that a live call's status
// changes never rewrite them.

const OPEN = "('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')";
const NUMBER = '+14155550100';
const OTHER = '+14155550101';

const indexNames = (raw: Database.Database): string[] =>
  (raw.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'calls' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name);

describe('SqliteStore: ended_at marks the ended calls (migration 0005)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('store-sqlite-ended-at-');
  });
  afterEach(() => dir.remove());

  it('a file of the previous version is migrated: open calls lose a stray ended_at, indexes rebuilt, one call per number still holds', async () => {
    const filename = dir.file('calls.db');
    const open = scheduledCall(1_000, { to: NUMBER });
    const ended = scheduledCall(1_000, { to: OTHER });
    const next = scheduledCall(2_000, { to: NUMBER });
    const nextOther = scheduledCall(2_000, { to: OTHER });
    {
      await using store = new SqliteStore({ filename });
      await store.insertCalls([open, ended, next, nextOther]);
    }
    // Make the file look as version 0004 left it, with two rows the scheduler never writes: an
    // open call with an ended_at, a terminal call without one.
    const raw = new Database(filename);
    raw.exec('drop index calls_unended_to_idx; drop index calls_ended_at_idx');
    raw.exec(`create index calls_open_to_idx on calls (to_number) where status in ${OPEN}`);
    raw.exec("create index calls_ended_idx on calls (ended_at, id) where status in ('completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired')");
    raw.prepare('delete from call_scheduler_migration where name = ?').run('0005_ended_at_partial_indexes');
    raw.prepare("update calls set status = 'dispatching', due_at = null, ended_at = 5, lease_owner = 'x', lease_expires_at = 99999999999999, fencing_token = 1 where id = ?").run(open.call.id);
    raw.prepare("update calls set status = 'completed', due_at = null, ended_at = null where id = ?").run(ended.call.id);
    raw.close();

    {
      await using store = new SqliteStore({ filename });
      // The open call (being dialed) holds its number; the ended one, without an end time, does not.
      const claimed = await store.claimDueCalls({ now: 3_000, limit: 10, owner: 'a', leaseExpiresAt: 60_000, onePerNumber: true });
      expect(claimed.map((r) => r.call.id)).toEqual([nextOther.call.id]);
      expect((await store.getCall(open.call.id))?.endedAt).toBeNull();
      // A terminal call without an end time is kept as it was (and never purged: it has none).
      expect((await store.getCall(ended.call.id))?.endedAt).toBeNull();
      expect(await store.purgeCalls({ endedBefore: 10_000_000, limit: 10 })).toBe(0);
    }
    const after = new Database(filename, { readonly: true });
    try {
      const names = indexNames(after);
      expect(names).toContain('calls_unended_to_idx');
      expect(names).toContain('calls_ended_at_idx');
      expect(names).not.toContain('calls_open_to_idx');
      expect(names).not.toContain('calls_ended_idx');
    } finally {
      after.close();
    }
  });

  it('an open call is never stored with an ended_at, whatever the write says', async () => {
    await using store = new SqliteStore({ filename: dir.file('rule.db') });
    const a = scheduledCall(1_000, { to: NUMBER, endedAt: 900 });
    const b = scheduledCall(1_000, { to: OTHER });
    await store.insertCalls([a, b]);
    expect((await store.getCall(a.call.id))?.endedAt).toBeNull();
    // An open status with an endedAt, and an endedAt alone on an open call.
    await store.updateCall({ id: a.call.id, expect: { statuses: ['scheduled'] }, set: { status: 'scheduled', dueAt: 4_000, endedAt: 1_200 }, now: 1_200 });
    await store.updateCall({ id: b.call.id, expect: { statuses: ['scheduled'] }, set: { endedAt: 1_300 }, now: 1_300 });
    expect((await store.getCall(a.call.id))?.endedAt).toBeNull();
    expect((await store.getCall(b.call.id))?.endedAt).toBeNull();
    // Both still count as open calls of their numbers: the claim below checks them.
    const c = scheduledCall(500, { to: NUMBER });
    const d = scheduledCall(500, { to: OTHER });
    await store.insertCalls([c, d]);
    await store.updateCall({ id: a.call.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null, endedAt: 1_400 }, now: 1_400 });
    // a ended, so c may go; d is due before b (still open on its number), so d goes and b waits.
    const claims = await store.claimDueCalls({ now: 5_000, limit: 10, owner: 'x', leaseExpiresAt: 60_000, onePerNumber: true });
    expect(claims.map((r) => r.call.id).sort()).toEqual([c.call.id, d.call.id].sort());
    // An endedAt alone on an ended call is written.
    await store.updateCall({ id: a.call.id, expect: { statuses: ['canceled'] }, set: { endedAt: 1_450 }, now: 1_450 });
    expect((await store.getCall(a.call.id))?.endedAt).toBe(1_450);
  });

  it("a claim and a live call's status changes leave both partial indexes alone", async () => {
    const filename = dir.file('untouched.db');
    await using store = new SqliteStore({ filename });
    const a = scheduledCall(1_000, { to: NUMBER });
    await store.insertCalls([a]);
    const raw = new Database(filename, { readonly: true });
    try {
      // The statements SQLite runs for an UPDATE name every index it writes (OpenWrite on the index's root page).
      const roots = new Map((raw.prepare("select name, rootpage from sqlite_master where type = 'index'").all() as { name: string; rootpage: number }[]).map((r) => [r.rootpage, r.name]));
      const written = (sql: string): string[] => {
        const program = raw.prepare(`explain ${sql}`).all() as { opcode: string; p2: number }[];
        return program.filter((op) => op.opcode === 'OpenWrite').map((op) => roots.get(op.p2)).filter((n): n is string => n !== undefined);
      };
      const claim = written("update calls set status = 'dispatching', due_at = null, lease_owner = 'a', lease_expires_at = 1, version = version + 1 where id = 'x'");
      expect(claim).not.toContain('calls_unended_to_idx');
      expect(claim).not.toContain('calls_ended_at_idx');
      expect(claim).toContain('calls_status_id_idx');
      const end = written("update calls set status = 'completed', ended_at = 5, lease_owner = null, lease_expires_at = null where id = 'x'");
      expect(end).toContain('calls_unended_to_idx');
      expect(end).toContain('calls_ended_at_idx');
    } finally {
      raw.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isCallSchedulerError } from '@call-scheduler/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import type { SqliteStoreOptions } from '../src/index.js';
import { recordingDatabase } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';
import { schedulerErrorOf } from '../../../test-support/rejections.js';

describe('SqliteStore life cycle', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  it('keeps calls across close and reopen of the file', async () => {
    const file = dir.file('calls.db');
    const item = scheduledCall(5_000, { metadata: { a: 1 } });
    {
      await using store = new SqliteStore({ filename: file });
      await store.insertCalls([item]);
    }
    await using reopened = new SqliteStore({ filename: file });
    expect(await reopened.getCall(item.call.id)).toMatchObject({ id: item.call.id, metadata: { a: 1 }, dueAt: 5_000 });
    expect(await reopened.nextWakeUpAt()).toBe(5_000);
  });

  it('opens lazily: a method before init() initializes the store', async () => {
    await using store = new SqliteStore({ filename: dir.file('lazy.db') });
    expect(await store.nextWakeUpAt()).toBeNull();
  });

  it('runs init once when it is called twice at once, and the migrations once', async () => {
    const recorder = recordingDatabase(dir.file('once.db'));
    const store = new SqliteStore({ database: recorder.database });
    await Promise.all([store.init(), store.init()]);
    await store.init();
    const creates = recorder.queries.filter((q) => /^create table "calls"/i.test(q.sql));
    const walSwitches = recorder.queries.filter((q) => /journal_mode/i.test(q.sql));
    expect(creates).toHaveLength(1);
    expect(walSwitches).toHaveLength(1);
    await store.close();
    recorder.raw.close();
  });

  it('does not run the migrator again on a file that is up to date', async () => {
    const file = dir.file('migrated.db');
    await new SqliteStore({ filename: file }).close().then(async () => {
      const first = new SqliteStore({ filename: file });
      await first.init();
      await first.close();
    });
    const recorder = recordingDatabase(file);
    const store = new SqliteStore({ database: recorder.database });
    await store.init();
    expect(recorder.queries.filter((q) => /^\s*(create|insert|alter)/i.test(q.sql))).toEqual([]);
    await store.close();
    recorder.raw.close();
  });

  it('rejects a file of garbage bytes at init with STORE_INIT_FAILED naming the file, and retries after a fix', async () => {
    const file = dir.file('garbage.db');
    writeFileSync(file, randomBytes(8192));
    const store = new SqliteStore({ filename: file });
    const error = await schedulerErrorOf(() => store.init());
    expect(error.code).toBe('STORE_INIT_FAILED');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a database/);
    // Every method reports the same, instead of failing later in some other way.
    expect((await schedulerErrorOf(() => store.getCall('x'))).code).toBe('STORE_INIT_FAILED');
    // The failure is not cached: once the file is replaced, init succeeds.
    rmSync(file);
    await store.init();
    await store.insertCalls([scheduledCall(1)]);
    expect((await store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items).toHaveLength(1);
    await store.close();
  });

  it('rejects a file whose header is valid but whose schema pages are garbage', async () => {
    const file = dir.file('truncated.db');
    {
      await using store = new SqliteStore({ filename: file });
      await store.insertCalls(Array.from({ length: 200 }, (_, i) => scheduledCall(i, { metadata: { pad: 'x'.repeat(200) } })));
    }
    // Keep the 100-byte header, overwrite the rest of page 1 (the schema) with garbage.
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(file);
    randomBytes(3000).copy(bytes, 100);
    writeFileSync(file, bytes);
    const store = new SqliteStore({ filename: file });
    const error = await schedulerErrorOf(() => store.init());
    expect(error.code).toBe('STORE_INIT_FAILED');
    expect(error.message).toContain(file);
    await store.close();
  });

  it.each([
    ['a directory that does not exist', (d: string) => `${d}/no/such/dir/calls.db`, /directory does not exist|unable to open/i],
    ['a path that is a directory', (d: string) => (mkdirSync(`${d}/a-directory`), `${d}/a-directory`), /unable to open|not a database|directory/i],
  ])('rejects %s at init with STORE_INIT_FAILED naming the path and the cause', async (_name, makePath, cause) => {
    const file = makePath(dir.path);
    const store = new SqliteStore({ filename: file });
    const error = await schedulerErrorOf(() => store.init());
    expect(error.code).toBe('STORE_INIT_FAILED');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(cause);
    await store.close();
  });

  it('refuses a database written by a newer version (unknown migration) without touching it', async () => {
    const file = dir.file('newer.db');
    const item = scheduledCall(1);
    {
      await using store = new SqliteStore({ filename: file });
      await store.insertCalls([item]);
    }
    const raw = new Database(file);
    raw.prepare('insert into call_scheduler_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', '2030-01-01T00:00:00.000Z');
    const schemaBefore = raw.prepare('select sql from sqlite_master order by name').all();
    raw.close();

    const store = new SqliteStore({ filename: file });
    const error = await schedulerErrorOf(() => store.init());
    expect(error.code).toBe('STORE_SCHEMA_TOO_NEW');
    expect(error.message).toContain('9999_from_the_future');
    expect(error.message).toContain(file);
    expect((await schedulerErrorOf(() => store.getCall(item.call.id))).code).toBe('STORE_SCHEMA_TOO_NEW');
    await store.close();

    const after = new Database(file);
    expect(after.prepare('select sql from sqlite_master order by name').all()).toEqual(schemaBefore);
    expect(after.prepare('select count(*) as n from calls').get()).toEqual({ n: 1 });
    after.close();
  });

  it("shares a database with the application's own kysely migrations", async () => {
    const recorder = recordingDatabase(dir.file('shared-app.db'));
    recorder.raw.exec(`
      create table kysely_migration (name varchar(255) primary key not null, timestamp varchar(255) not null);
      insert into kysely_migration values ('2024_app_users', '2024-01-01T00:00:00Z');
      create table users (id integer primary key);`);
    const store = new SqliteStore({ database: recorder.database });
    await store.init();
    await store.insertCalls([scheduledCall(1)]);
    await store.close();
    // The caller's connection stays open and usable.
    expect(recorder.raw.open).toBe(true);
    expect(recorder.raw.prepare('select count(*) as n from calls').get()).toEqual({ n: 1 });
    expect(recorder.raw.prepare('select name from kysely_migration').all()).toEqual([{ name: '2024_app_users' }]);
    recorder.raw.close();
  });

  it('sets WAL, busy_timeout and synchronous (NORMAL by default, FULL on request)', async () => {
    for (const [options, synchronous] of [
      [{}, 1],
      [{ synchronous: 'FULL', busyTimeoutMs: 1234 }, 2],
    ] as const) {
      const raw = new Database(dir.file(`pragmas-${synchronous}.db`));
      const store = new SqliteStore({ database: raw, ...options });
      await store.init();
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('synchronous', { simple: true })).toBe(synchronous);
      expect(raw.pragma('busy_timeout', { simple: true })).toBe('busyTimeoutMs' in options ? 1234 : 5000);
      await store.close();
      raw.close();
    }
  });

  it('says what it is: durable and shared on a file, neither in memory', async () => {
    expect(new SqliteStore({ filename: dir.file('f.db') }).features).toEqual({ durable: true, shared: true });
    const memory = new SqliteStore({ filename: ':memory:' });
    expect(memory.features).toEqual({ durable: false, shared: false });
    await memory.insertCalls([scheduledCall(1)]);
    expect(await memory.nextWakeUpAt()).toBe(1);
    await memory.close();
    const raw = new Database(':memory:');
    expect(new SqliteStore({ database: raw }).features).toEqual({ durable: false, shared: false });
    raw.close();
  });

  it('refuses a second store on a file this process already has open, and allows it after close', async () => {
    const file = dir.file('one-per-process.db');
    const first = new SqliteStore({ filename: file });
    await first.init();
    const second = new SqliteStore({ filename: file });
    const error = await schedulerErrorOf(() => second.init());
    expect(error.code).toBe('STORE_INIT_FAILED');
    expect(error.message).toMatch(/another SqliteStore of this process/);
    await first.close();
    await second.init();
    await second.close();
  });

  it('opens a peer handle on a file this process has open; both write concurrently, taking turns, and the file outlives either', async () => {
    const file = dir.file('peer.db');
    const first = new SqliteStore({ filename: file });
    const peer = new SqliteStore({ filename: file, peer: true });
    await first.init();
    await peer.init();
    // Interleaved write transactions of both handles (group commits included): none blocks the
    // other's event loop, none fails with SQLITE_BUSY.
    const items = Array.from({ length: 200 }, (_, i) => scheduledCall(1_000 + i, { to: `+1415559${String(1000 + i)}` }));
    const inserted = await Promise.all(items.map((item, i) => (i % 2 === 0 ? first : peer).insertCalls([item])));
    expect(inserted.flat().every((r) => r.created)).toBe(true);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? first : peer).claimDueCalls({ now: 5_000, limit: 30, owner: `c-${i}`, leaseExpiresAt: 60_000 })),
    );
    const claimed = claims.flat().map((r) => r.call.id);
    expect(new Set(claimed).size).toBe(200);
    await first.close();
    expect((await peer.getCall(items[0]!.call.id))?.status).toBe('dispatching');
    // While the peer is open, the file is still taken for a store without the option.
    const third = new SqliteStore({ filename: file });
    expect((await schedulerErrorOf(() => third.init())).code).toBe('STORE_INIT_FAILED');
    await peer.close();
    await third.init();
    expect((await third.listCalls({ limit: 1000, cursor: null, order: 'asc' })).items).toHaveLength(200);
    await third.close();
  });

  it('after close every method rejects with STORE_CLOSED, init included; close is idempotent', async () => {
    const store = new SqliteStore({ filename: dir.file('closed.db') });
    await store.init();
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect((await schedulerErrorOf(() => store.init())).code).toBe('STORE_CLOSED');
    expect((await schedulerErrorOf(() => store.getCall('x'))).code).toBe('STORE_CLOSED');
    // Closing a store that was never opened is fine too.
    await new SqliteStore({ filename: dir.file('never.db') }).close();
  });

  it('close waits for the operations under way', async () => {
    const store = new SqliteStore({ filename: dir.file('busy.db') });
    await store.init();
    const insert = store.insertCalls(Array.from({ length: 3_000 }, (_, i) => scheduledCall(i)));
    const list = store.listCalls({ limit: 5, cursor: null, order: 'asc' });
    await store.close();
    await expect(insert).resolves.toHaveLength(3_000);
    await expect(list).resolves.toBeDefined();
    const reopened = new SqliteStore({ filename: dir.file('busy.db') });
    expect((await reopened.listCalls({ limit: 1000, cursor: null, order: 'asc' })).items).toHaveLength(1000);
    await reopened.close();
  });

  it('close during init closes what init opened', async () => {
    const store = new SqliteStore({ filename: dir.file('close-during-init.db') });
    const init = store.init();
    await store.close();
    await init.catch(() => undefined);
    expect((await schedulerErrorOf(() => store.getCall('x'))).code).toBe('STORE_CLOSED');
    // The file is free again for another store of this process.
    const again = new SqliteStore({ filename: dir.file('close-during-init.db') });
    await again.init();
    await again.close();
  });

  it.each([
    [undefined, ''],
    [{}, 'filename'],
    [{ filename: 'a.db', database: new Database(':memory:') }, 'database'],
    [{ filename: '' }, 'filename'],
    [{ database: {} }, 'database'],
    [{ filename: 'a.db', synchronous: 'OFF' }, 'synchronous'],
    [{ filename: 'a.db', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
    [{ filename: 'a.db', statementCacheSize: 1.5 }, 'statementCacheSize'],
  ])('rejects the options %o with INVALID_INPUT naming %s', (options, field) => {
    let caught: unknown;
    try {
      new SqliteStore(options as unknown as SqliteStoreOptions);
    } catch (error) {
      caught = error;
    }
    expect(isCallSchedulerError(caught) && caught.code).toBe('INVALID_INPUT');
    expect(isCallSchedulerError(caught) && caught.issues.map((i) => i.path)).toEqual([field]);
  });
});

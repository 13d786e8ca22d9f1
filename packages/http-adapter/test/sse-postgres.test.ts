import { randomBytes } from 'node:crypto';
import { CallScheduler, systemClock, type CallStore } from '@call-scheduler/core';
import { FakeCallProvider } from '@call-scheduler/core/testing';
import { PostgresStore } from '@call-scheduler/store-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEventMessageSchema } from '../src/index.js';
import { call, within } from './support/harness.js';
import { ids, serveHost, stopHost, storedCursors, type Host } from './support/hosts.js';
import { SseClient } from './support/sse-client.js';

// GET /events across hosts on a real PostgreSQL: each host has its own PostgresStore (its own pool
// and LISTEN connection) on one schema. The store's log shows an event once no older transaction
// of the server is still open (its cursor reads below the snapshot's xmin), so on a busy server an
// event can become visible a little after its notification: the real clock and a short re-read
// catch those, as in production.
const TEST_URL = process.env['PG_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `h4_sse_${randomBytes(6).toString('hex')}`;

const clock = systemClock;
const hosts: Host[] = [];
const stores: PostgresStore[] = [];

async function startHost(id: string): Promise<Host & { readonly store: PostgresStore }> {
  const store = new PostgresStore({ connectionString: TEST_URL, schema: SCHEMA });
  stores.push(store);
  // This host only schedules (it never starts): the writes of the test are its API calls.
  const scheduler = new CallScheduler({ id, store, provider: new FakeCallProvider({ clock }), clock });
  const host = await serveHost(scheduler, { sseRereadMs: 250 });
  hosts.push(host);
  return { ...host, store };
}

beforeAll(async () => {
  const client = new pg.Client({ connectionString: TEST_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `This test needs PostgreSQL at ${TEST_URL} (or PG_TEST_URL). Start the local one with\n` +
        `  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n(${String(error)})`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
});

afterAll(async () => {
  for (const host of hosts.splice(0)) await stopHost(host);
  for (const store of stores.splice(0)) await store.close();
  const client = new pg.Client({ connectionString: TEST_URL });
  await client.connect();
  await client.query(`drop schema if exists "${SCHEMA}" cascade`);
  await client.end();
});

/** The stored cursors after `after`, once there are `count` of them (bounded: 10 s). */
async function visibleCursors(store: CallStore, after: string | null, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const cursors = await storedCursors(store, after);
    if (cursors.length >= count || Date.now() > deadline) return cursors;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /events across hosts on PostgreSQL', () => {
  it("a client on host A sees host B's writes through LISTEN/NOTIFY, and resumes on host B with Last-Event-ID", async () => {
    const a = await startHost('host-a');
    const b = await startHost('host-b');
    const first = await SseClient.connect(`${a.api}/events`);

    const byB = await Promise.all(['+14155550101', '+14155550102', '+14155550103'].map((to) => b.scheduler.schedule({ to, at: '2027-03-09T10:00:00Z' })));
    const byA = await call(`${a.api}/calls`, { method: 'POST', json: { to: '+14155550104', at: '2027-03-09T11:00:00Z' } });
    expect(byA.status).toBe(201);
    await b.scheduler.cancel(byB[0]?.id ?? '');
    await b.scheduler.reschedule(byB[1]?.id ?? '', { at: '2027-03-10T10:00:00Z' });
    const phase1 = await visibleCursors(a.store, null, 6);
    expect(phase1).toHaveLength(6);
    await first.waitForCount(phase1.length, 10_000);
    expect(ids(first.messages)).toEqual(phase1);
    expect(first.messages.map((m) => m.event)).toEqual(expect.arrayContaining(['call:scheduled', 'call:canceled', 'call:rescheduled']));
    for (const message of first.messages) expect(callEventMessageSchema.parse(JSON.parse(message.data)).event.cursor).toBe(message.id);
    const lastSeen = first.messages.at(-1)?.id ?? '';
    await first.close();
    await within(a.idle(), 3_000, 'host A to drop the client');

    // While nobody listens, host B writes more.
    await b.scheduler.schedule({ to: '+14155550105', at: '2027-03-09T12:00:00Z' });
    await b.scheduler.cancel(byB[2]?.id ?? '');
    const missed = await visibleCursors(b.store, lastSeen, 2);
    expect(missed).toHaveLength(2);

    const second = await SseClient.connect(`${b.api}/events`, { 'Last-Event-ID': lastSeen });
    await second.waitForCount(missed.length, 10_000);
    expect(ids(second.messages)).toEqual(missed);
    expect(second.messages.every((m) => JSON.parse(m.data).replayed === true)).toBe(true);
    const live = await call(`${a.api}/calls`, { method: 'POST', json: { to: '+14155550106', at: '2027-03-09T13:00:00Z' } });
    await second.waitForCount(missed.length + 1, 10_000);
    expect(JSON.parse(second.messages.at(-1)?.data ?? '{}')).toMatchObject({ call: { id: live.body.id }, event: { type: 'scheduled' } });
    const all = [...ids(first.messages), ...ids(second.messages)];
    expect(all).toEqual(await visibleCursors(a.store, null, all.length));
    expect(new Set(all).size).toBe(all.length);
    await second.close();
    expect([...a.reported, ...b.reported]).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CallScheduler, type CallStore } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { callEventMessageSchema } from '../src/index.js';
import { call, within } from './support/harness.js';
import { ids, serveHost, stopHost, storedCursors, type Host } from './support/hosts.js';
import { SseClient, type SseMessage } from './support/sse-client.js';
import { WatchBus } from './support/watched-store.js';

async function startHost(id: string, store: CallStore, bus: WatchBus, clock: FakeClock, dials: boolean): Promise<Host> {
  const scheduler = new CallScheduler({ id, store: bus.handle(store), provider: new FakeCallProvider({ clock }), clock });
  if (dials) await scheduler.start();
  return serveHost(scheduler, { sseRereadMs: 1_000 });
}

/** Every event of a call arrives in the call's own order (its events' ids increase). */
function expectOrderedPerCall(messages: readonly SseMessage[]): void {
  const lastByCall = new Map<string, number>();
  for (const message of messages) {
    const data = callEventMessageSchema.parse(JSON.parse(message.data));
    expect(data.event.cursor).toBe(message.id);
    const last = lastByCall.get(data.event.callId) ?? -1;
    expect(data.event.id).toBeGreaterThan(last);
    lastByCall.set(data.event.callId, data.event.id);
  }
}

/** One store seen by two hosts: one MemoryStore, or two SqliteStore handles on one file. */
interface SharedStore {
  readonly forA: CallStore;
  readonly forB: CallStore;
  close(): Promise<void>;
}

const SHARED_STORES: Record<'MemoryStore' | 'SQLite file', () => SharedStore> = {
  MemoryStore: () => {
    const store = new MemoryStore();
    return { forA: store, forB: store, close: async () => store.close() };
  },
  'SQLite file': () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'h4-sse-hosts-'));
    const filename = path.join(dir, 'calls.db');
    const forA = new SqliteStore({ filename, peer: true });
    const forB = new SqliteStore({ filename, peer: true }); // a second connection, as another host's would be
    return {
      forA,
      forB,
      close: async () => {
        await forA.close();
        await forB.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

describe('GET /events across hosts (a store that can watch)', () => {
  const hosts: Host[] = [];
  const clients: SseClient[] = [];
  const stores: SharedStore[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(hosts.splice(0).map(stopHost));
    for (const shared of stores.splice(0)) await shared.close();
  });

  it.each(Object.keys(SHARED_STORES) as (keyof typeof SHARED_STORES)[])("on a %s: shows a client on host A what host B dials, in order per call, and resumes on host B with Last-Event-ID: no gap, no duplicate", async (kind) => {
    const clock = new FakeClock('2026-03-02T09:00:00Z');
    const shared = SHARED_STORES[kind]();
    stores.push(shared);
    const store = shared.forA;
    const bus = new WatchBus();
    // Host A only serves HTTP (it never starts, so it never dials); host B dials.
    const a = await startHost('host-a', shared.forA, bus, clock, false);
    const b = await startHost('host-b', shared.forB, bus, clock, true);
    hosts.push(a, b);
    const first = await SseClient.connect(`${a.api}/events`);
    clients.push(first);
    expect(first.status).toBe(200);
    const viaA = await call(`${a.api}/calls`, { method: 'POST', json: { to: '+14155550123' } });
    expect(viaA.status, JSON.stringify(a.reported.map(String))).toBe(201);
    const viaB = await b.scheduler.schedule({ to: '+442079460000' });
    await clock.advance(11_000);
    expect((await a.scheduler.get(viaA.body.id))?.status).toBe('completed');
    expect((await a.scheduler.get(viaB.id))?.status).toBe('completed');
    const phase1 = await storedCursors(store);
    await first.waitForCount(phase1.length);
    expect(ids(first.messages)).toEqual(phase1);
    // Host A never dialed: the dialing, status and completion events came from B through the log.
    const names = first.messages.map((m) => m.event);
    expect(names.filter((n) => n === 'call:dispatching')).toHaveLength(2);
    expect(names.filter((n) => n === 'call:completed')).toHaveLength(2);
    expect(first.messages.every((m) => JSON.parse(m.data).replayed === undefined)).toBe(true);
    expectOrderedPerCall(first.messages);
    const lastSeen = first.messages.at(-1)?.id ?? '';
    const timersOpen = clock.pendingTimers;
    // Two watches: host A's event-log follower for its client, and host B's scheduler (woken by other hosts' calls).
    expect(bus.watching).toBe(2);
    await first.close();
    await within(a.idle(), 3_000, 'host A to drop the client');
    // The last client gone, host A closed its watch, its re-read timer and the stream's heartbeat; B's scheduler still watches.
    expect(bus.watching).toBe(1);
    expect(clock.pendingTimers).toBe(timersOpen - 2);

    // While nobody listens, host B dials another call.
    await b.scheduler.schedule({ to: '+14155550199' });
    await clock.advance(11_000);
    const missed = await storedCursors(store, lastSeen);
    expect(missed.length).toBeGreaterThan(3);

    const second = await SseClient.connect(`${b.api}/events`, { 'Last-Event-ID': lastSeen });
    clients.push(second);
    await second.waitForCount(missed.length);
    expect(ids(second.messages)).toEqual(missed);
    expect(second.messages.every((m) => JSON.parse(m.data).replayed === true)).toBe(true);
    // Then live: a call scheduled through host A reaches the client on host B.
    const live = await call(`${a.api}/calls`, { method: 'POST', json: { to: '+14155550123', at: '2026-03-09T10:00:00Z' } });
    await second.waitForCount(missed.length + 1);
    const liveMessage = second.messages.at(-1);
    expect(liveMessage?.event).toBe('call:scheduled');
    expect(JSON.parse(liveMessage?.data ?? '{}')).toMatchObject({ call: { id: live.body.id } });
    expect(JSON.parse(liveMessage?.data ?? '{}').replayed).toBeUndefined();
    // What host B itself does reaches its own client as its emitter gave it, extras included.
    const own = await b.scheduler.schedule({ to: '+14155550177' });
    await clock.advance(11_000);
    const isOwn = (m: SseMessage): boolean => JSON.parse(m.data).call?.id === own.id;
    await second.waitFor(() => second.messages.some((m) => isOwn(m) && m.event === 'call:completed'), 'the completion of host B\'s own call');
    const ownStatus = second.messages.find((m) => isOwn(m) && m.event === 'call:status');
    expect(JSON.parse(ownStatus?.data ?? '{}')).toMatchObject({ attempt: 1, providerStatus: expect.any(String), previousStatus: expect.any(String) });
    const all = [...ids(first.messages), ...ids(second.messages)];
    expect(all).toEqual(await storedCursors(store));
    expect(new Set(all).size).toBe(all.length);
    expectOrderedPerCall(second.messages);
    expect([...a.reported, ...b.reported]).toEqual([]);
  });

  it("falls back to this process's live events when the store's watch fails, and reports it", async () => {
    const clock = new FakeClock('2026-03-02T09:00:00Z');
    const store = new MemoryStore();
    const failing = new Proxy(store, {
      get: (target, property) => {
        if (property === 'watch') return async () => Promise.reject(new Error('LISTEN failed'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args) : value;
      },
    });
    const scheduler = new CallScheduler({ id: 'host-f', store: failing, provider: new FakeCallProvider({ clock }), clock });
    const host = await serveHost(scheduler);
    hosts.push(host);
    const client = await SseClient.connect(`${host.api}/events`);
    clients.push(client);
    expect(client.status).toBe(200);
    const scheduled = await scheduler.schedule({ to: '+14155550123', at: '2026-03-09T10:00:00Z' });
    await client.waitForCount(1);
    expect(JSON.parse(client.messages[0]?.data ?? '{}')).toMatchObject({ call: { id: scheduled.id } });
    expect(host.reported.map(String)).toEqual(['Error: LISTEN failed']);
  });

  it('reads on the slow re-read when a notification is lost, and refuses a cursor the store did not make', async () => {
    const clock = new FakeClock('2026-03-02T09:00:00Z');
    const store = new MemoryStore();
    const bus = new WatchBus();
    const a = await startHost('host-a', store, bus, clock, false);
    hosts.push(a);
    const client = await SseClient.connect(`${a.api}/events`);
    clients.push(client);
    // A write that no handle announces (another host whose notification was lost).
    const silent = new CallScheduler({ id: 'silent', store, provider: new FakeCallProvider({ clock }), clock });
    const quiet = await silent.schedule({ to: '+14155550123', at: '2026-03-09T10:00:00Z' });
    await clock.advance(999);
    expect(client.messages).toHaveLength(0);
    await clock.advance(1);
    await client.waitForCount(1);
    expect(JSON.parse(client.messages[0]?.data ?? '{}')).toMatchObject({ call: { id: quiet.id }, event: { type: 'scheduled' } });

    // ?callId= keeps one call's events, replayed and then live.
    const filtered = await SseClient.connect(`${a.api}/events?callId=${quiet.id}&lastEventId=0`);
    clients.push(filtered);
    await filtered.waitForCount(1);
    const other = await a.scheduler.schedule({ to: '+14155550199', at: '2026-03-09T11:00:00Z' });
    await a.scheduler.cancel(quiet.id);
    await client.waitForCount(3);
    await filtered.waitForCount(2);
    expect(filtered.messages.map((m) => [m.event, JSON.parse(m.data).call.id])).toEqual([
      ['call:scheduled', quiet.id],
      ['call:canceled', quiet.id],
    ]);
    expect(client.messages.map((m) => JSON.parse(m.data).call.id)).toEqual([quiet.id, other.id, quiet.id]);
    const head = await fetch(`${a.api}/events`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);

    const bad = await call(`${a.api}/events`, { headers: { 'Last-Event-ID': 'not-a-cursor' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'headers.last-event-id' })]);
    const badQuery = await call(`${a.api}/events?lastEventId=-1`);
    expect(badQuery.body.errors).toEqual([expect.objectContaining({ path: 'query.lastEventId' })]);
  });
});

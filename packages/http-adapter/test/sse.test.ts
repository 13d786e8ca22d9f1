import { afterEach, describe, expect, it } from 'vitest';
import { callEventMessageSchema } from '../src/index.js';
import { expectProblem } from './support/expect-problem.js';
import { call, FLAVORS, startHarness, within, type Harness } from './support/harness.js';
import { SseClient, type SseMessage } from './support/sse-client.js';

const TO = '+14155550123';

const ids = (messages: readonly SseMessage[]): number[] => messages.map((m) => Number(m.id));

function listenerTotal(h: Harness): number {
  return h.scheduler.eventNames().reduce((sum, name) => sum + h.scheduler.listenerCount(name), 0);
}

async function allStoredEventIds(h: Harness, after: string | null = null): Promise<number[]> {
  const out: number[] = [];
  let cursor = after;
  for (;;) {
    const page = await h.scheduler.listEvents({ after: cursor, limit: 1000 });
    out.push(...page.map((e) => e.id));
    if (page.length < 1000) return out;
    cursor = page[page.length - 1]?.cursor ?? cursor;
  }
}

describe.each(FLAVORS)('GET /events through %s', (flavor) => {
  let h: Harness | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await h?.close();
    h = undefined;
  });
  const connect = async (url: string, headers: Record<string, string> = {}): Promise<SseClient> => {
    const client = await SseClient.connect(url, headers);
    clients.push(client);
    return client;
  };

  it('streams every event of a call in order, with id, event name and { call, event, ...extras }', async () => {
    h = await startHarness({ flavor });
    const stream = await connect(`${h.api}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const created = await call(`${h.api}/calls`, { method: 'POST', json: { to: TO } });
    await h.clock.advance(11_000);
    await stream.waitFor(() => stream.messages.some((m) => m.event === 'call:completed'), 'call:completed');
    const names = stream.messages.map((m) => m.event);
    expect(names[0]).toBe('call:scheduled');
    expect(names[1]).toBe('call:dispatching');
    expect(names.at(-1)).toBe('call:completed');
    expect(names).toContain('call:status');
    const received = ids(stream.messages);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual(await allStoredEventIds(h));
    for (const message of stream.messages) {
      const data = callEventMessageSchema.parse(JSON.parse(message.data));
      expect(data.event.id).toBe(Number(message.id));
      expect(data.call?.id).toBe(created.body.id);
      expect(`call:${data.event.type}`).toBe(message.event);
    }
    const status = stream.messages.find((m) => m.event === 'call:status');
    expect(JSON.parse(status?.data ?? '{}')).toMatchObject({ attempt: 1, providerStatus: expect.any(String), previousStatus: expect.any(String) });
  });

  it('resumes after a reconnect with Last-Event-ID (and ?lastEventId=): replay, then live, no gap, no duplicate', async () => {
    h = await startHarness({ flavor });
    const first = await connect(`${h.api}/events`);
    await call(`${h.api}/calls`, { method: 'POST', json: { to: TO } });
    await h.clock.advance(2_500);
    await first.waitFor(() => first.messages.some((m) => m.event === 'call:status'), 'a status');
    const seen = [...first.messages];
    await first.close();
    await within(h.idle(), 3000, 'the server to drop the first client');
    expect(listenerTotal(h)).toBe(0);

    // While nobody listens: the call completes and another one is scheduled.
    await h.clock.advance(10_000);
    await call(`${h.api}/calls`, { method: 'POST', json: { to: '+442079460000', at: '2026-03-09T10:00:00Z' } });
    const lastId = seen.at(-1)?.id ?? '';
    const second = await connect(`${h.api}/events`, { 'Last-Event-ID': lastId });
    const missed = await allStoredEventIds(h, lastId);
    await second.waitForCount(missed.length);
    expect(ids(second.messages)).toEqual(missed);
    expect(second.messages.every((m) => JSON.parse(m.data).replayed === true)).toBe(true);
    // Then live.
    const live = await call(`${h.api}/calls`, { method: 'POST', json: { to: TO, at: '2026-03-10T10:00:00Z' } });
    await second.waitForCount(missed.length + 1);
    const liveMessage = second.messages.at(-1);
    expect(liveMessage?.event).toBe('call:scheduled');
    expect(JSON.parse(liveMessage?.data ?? '{}').call.id).toBe(live.body.id);
    const all = [...ids(seen), ...ids(second.messages)];
    expect(all).toEqual(await allStoredEventIds(h));

    const byQuery = await connect(`${h.api}/events?lastEventId=${lastId}`);
    await byQuery.waitForCount(missed.length + 1);
    expect(ids(byQuery.messages)).toEqual(ids(second.messages));
  });

  it('switches from replay to live without gaps or duplicates while events keep coming', async () => {
    // Each history page read is followed by two new calls: their events land both in the next
    // page and among the live events held back during the replay; after the last page they
    // exist only as held-back live events.
    let pagesRead = 0;
    h = await startHarness({
      flavor,
      start: false,
      schedulerOverrides: (scheduler) => ({
        listEvents: async (query) => {
          const page = await scheduler.listEvents(query);
          pagesRead++;
          await scheduler.schedule({ to: TO, at: '2026-04-02T10:00:00Z' });
          await scheduler.schedule({ to: TO, at: '2026-04-02T11:00:00Z' });
          return page;
        },
      }),
    });
    for (let i = 0; i < 12; i++) {
      await h.scheduler.scheduleMany(Array.from({ length: 100 }, () => ({ to: TO, at: '2026-04-01T10:00:00Z' })));
    }
    const stream = await connect(`${h.api}/events`, { 'Last-Event-ID': '0' });
    await stream.waitFor(() => pagesRead >= 3, 'three history pages');
    const afterSwitch = await h.scheduler.schedule({ to: TO, at: '2026-04-03T10:00:00Z' });
    await stream.waitFor(() => stream.messages.some((m) => JSON.parse(m.data).call?.id === afterSwitch.id), 'the live event', 10_000);
    const stored = await allStoredEventIds(h);
    expect(stored.length).toBe(1200 + 2 * pagesRead + 1);
    await stream.waitForCount(stored.length);
    const received = ids(stream.messages);
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual(stored);
    expect(stream.messages.filter((m) => JSON.parse(m.data).replayed !== true).length).toBeGreaterThanOrEqual(3);
  });

  it('sends heartbeats on the scheduler clock and cleans up listeners and timers on disconnect', async () => {
    h = await startHarness({ flavor, start: false, router: { sseHeartbeatMs: 1000 } });
    const listenersBefore = listenerTotal(h);
    const timersBefore = h.clock.pendingTimers;
    const streams = await Promise.all([connect(`${h.api}/events`), connect(`${h.api}/events?callId=nope`)]);
    // Each stream arms its heartbeat before its headers leave, so both are armed by now.
    expect(h.clock.pendingTimers).toBe(timersBefore + 2);
    expect(listenerTotal(h)).toBeGreaterThan(listenersBefore);
    await h.clock.advance(3000);
    for (const stream of streams) await stream.waitFor(() => stream.comments.filter((c) => c === 'heartbeat').length === 3, '3 heartbeats');
    // The callId filter keeps other calls' events out.
    await h.scheduler.schedule({ to: TO });
    await streams[0]?.waitForCount(1);
    expect(streams[1]?.messages).toHaveLength(0);
    await Promise.all(streams.map((s) => s.close()));
    await within(h.idle(), 3000, 'cleanup');
    expect(listenerTotal(h)).toBe(listenersBefore);
    expect(h.clock.pendingTimers).toBe(timersBefore);
  });

  it('releases its listeners when the client leaves while the history is still being read', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const reading = new Promise<void>((resolve) => (entered = resolve));
    let listening = 0;
    let allOff!: () => void;
    const noneLeft = new Promise<void>((resolve) => (allOff = resolve));
    h = await startHarness({
      flavor,
      start: false,
      schedulerOverrides: (scheduler) => ({
        listEvents: async (query) => {
          entered();
          await released;
          return scheduler.listEvents(query);
        },
        on: (event, listener) => {
          listening++;
          return scheduler.on(event, listener);
        },
        off: (event, listener) => {
          listening--;
          if (listening === 0) allOff();
          return scheduler.off(event, listener);
        },
      }),
    });
    const controller = new AbortController();
    const pending = fetch(`${h.api}/events`, { headers: { 'Last-Event-ID': '0' }, signal: controller.signal }).catch(() => undefined);
    await within(reading, 3000, 'the history read');
    expect(listening).toBeGreaterThan(0);
    controller.abort();
    await pending;
    await within(h.idle(), 3000, 'the server to see the client go');
    release();
    await within(noneLeft, 3000, 'the listeners to be released');
    expect(listenerTotal(h)).toBe(0);
  });

  it('refuses a bad Last-Event-ID or query with a problem before streaming', async () => {
    h = await startHarness({ flavor });
    expectProblem(await call(`${h.api}/events`, { headers: { 'Last-Event-ID': 'abc' } }), 400, 'INVALID_INPUT');
    expectProblem(await call(`${h.api}/events?lastEventId=-1`), 400, 'INVALID_INPUT');
    expectProblem(await call(`${h.api}/events?since=1`), 400, 'INVALID_INPUT');
    expect(listenerTotal(h)).toBe(0);
  });
});

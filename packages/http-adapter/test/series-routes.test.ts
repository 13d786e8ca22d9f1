import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seriesPageSchema, seriesPreviewSchema, seriesSchema, seriesWithOccurrencesSchema } from '../src/index.js';
import { expectProblem } from './support/expect-problem.js';
import { call, startHarness, type Harness } from './support/harness.js';
import { serveHost, stopHost } from './support/hosts.js';
import { SseClient } from './support/sse-client.js';
import { WatchBus } from './support/watched-store.js';

const TO = '+14155550123';
const WEEKDAYS = { to: TO, cron: '0 9 * * MON-FRI', timeZone: 'America/New_York' };

describe('series routes', () => {
  let h: Harness;
  beforeEach(async () => {
    // The clock starts on Monday 2026-03-02 09:00Z (04:00 in New York); DST begins there on 2026-03-08.
    h = await startHarness({ flavor: 'node' });
  });
  afterEach(async () => {
    await h.close();
  });

  const post = async (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    call(`${h.api}${path}`, { method: 'POST', headers, ...(json === undefined ? {} : { json }) });
  const get = async (path: string) => call(`${h.api}${path}`);

  it('POST /series answers 201 with the series and a Location; a repeated Idempotency-Key answers 200 with the first', async () => {
    const created = await post('/series', { ...WEEKDAYS, to: '+1 (415) 555-0123', metadata: { plan: 'check-in' } }, { 'Idempotency-Key': 'weekday-1' });
    expect(created.status, created.text).toBe(201);
    const series = seriesSchema.parse(created.body);
    expect(series).toMatchObject({ to: TO, cron: '0 9 * * MON-FRI', timeZone: 'America/New_York', status: 'active', idempotencyKey: 'weekday-1', metadata: { plan: 'check-in' } });
    expect(created.headers.get('location')).toBe(`/api/series/${series.id}`);
    expect(series.nextOccurrenceAt ?? series.lastOccurrenceAt).not.toBeNull();

    const again = await post('/series', { ...WEEKDAYS, cron: '0 10 * * *' }, { 'Idempotency-Key': 'weekday-1' });
    expect(again.status, again.text).toBe(200);
    expect(again.body.id).toBe(series.id);
    expect(again.body.cron).toBe('0 9 * * MON-FRI');
    expect(again.headers.get('location')).toBeNull();

    const mismatch = await post('/series', { ...WEEKDAYS, idempotencyKey: 'other' }, { 'Idempotency-Key': 'weekday-1' });
    expect(expectProblem(mismatch, 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'idempotencyKey' });
  });

  it('POST /series refuses bad fields by name and stores nothing', async () => {
    const bad = await post('/series', { to: TO, cron: '0 9 * *', timeZone: 'Mars/Olympus', startAt: 'next week', every: 'day', skipDates: ['2026-02-30'] });
    const problem = expectProblem(bad, 400, 'INVALID_INPUT');
    const paths = (problem.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['cron', 'timeZone', 'startAt', 'every', 'skipDates.0']));
    const order = await post('/series', { ...WEEKDAYS, startAt: '2026-04-01T00:00:00Z', endAt: '2026-03-01T00:00:00Z' });
    expect(expectProblem(order, 400, 'INVALID_INPUT').errors).toEqual([expect.objectContaining({ path: 'endAt' })]);
    const never = await post('/series', { ...WEEKDAYS, cron: '0 9 30 2 *' });
    expect(expectProblem(never, 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'cron' });
    const missing = await post('/series');
    expect(missing.status).toBe(400);
    const list = await get('/series');
    expect(list.status).toBe(200);
    expect(seriesPageSchema.parse(list.body).items).toEqual([]);
  });

  it('POST /series/preview gives the next occurrences in the recipient zone across the DST change, and stores nothing', async () => {
    const res = await post('/series/preview?limit=5', { ...WEEKDAYS, startAt: { local: '2026-03-05T00:00', timeZone: 'America/New_York' } });
    expect(res.status, res.text).toBe(200);
    const preview = seriesPreviewSchema.parse(res.body);
    expect(preview.timeZone).toBe('America/New_York');
    expect(preview.occurrences).toEqual([
      { at: '2026-03-05T14:00:00.000Z', local: '2026-03-05T09:00' },
      { at: '2026-03-06T14:00:00.000Z', local: '2026-03-06T09:00' },
      // 2026-03-08: New York moves to EDT, 09:00 is 13:00Z from then on; no weekend day.
      { at: '2026-03-09T13:00:00.000Z', local: '2026-03-09T09:00' },
      { at: '2026-03-10T13:00:00.000Z', local: '2026-03-10T09:00' },
      { at: '2026-03-11T13:00:00.000Z', local: '2026-03-11T09:00' },
    ]);
    const fromNow = await post('/series/preview', WEEKDAYS);
    expect(fromNow.body.occurrences).toHaveLength(5);
    expect(fromNow.body.occurrences[0]).toEqual({ at: '2026-03-02T14:00:00.000Z', local: '2026-03-02T09:00' });
    const noNumber = await post('/series/preview?limit=1', { cron: '30 8 * * SAT', timeZone: 'Europe/Berlin' });
    expect(noNumber.body.occurrences).toEqual([{ at: '2026-03-07T07:30:00.000Z', local: '2026-03-07T08:30' }]);
    expect(expectProblem(await post('/series/preview?limit=0', WEEKDAYS), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'query.limit' });
    expect(expectProblem(await post('/series/preview?limit=51', WEEKDAYS), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'query.limit' });
    expect(expectProblem(await post('/series/preview', { ...WEEKDAYS, cron: 'often' }), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'cron' });
    expect((await get('/series')).body.items).toEqual([]);
  });

  it('GET /series/{id} lists the occurrence calls with their statuses; pause, resume and cancel answer 409 out of order', async () => {
    const plain = await post('/calls', { to: TO, at: '2026-03-02T12:00:00Z' });
    expect(plain.status).toBe(201);
    const created = await post('/series', WEEKDAYS);
    const id = created.body.id as string;
    // Past Monday's 09:00 New York: the first occurrence is dialed, the next one exists or is planned.
    await h.clock.advanceTo(Date.parse('2026-03-02T14:00:01Z'));
    const detail = await get(`/series/${id}`);
    expect(detail.status, detail.text).toBe(200);
    const withCalls = seriesWithOccurrencesSchema.parse(detail.body);
    expect(withCalls.occurrences.length).toBeGreaterThanOrEqual(1);
    const first = withCalls.occurrences.at(-1);
    expect(first?.at).toBe('2026-03-02T14:00:00.000Z');
    expect(first?.status).not.toBe('scheduled');
    expect(withCalls.occurrencesCursor).toBeNull();
    expect(withCalls.occurrences.map((c) => c.id)).not.toContain(plain.body.id);
    expect(withCalls.occurrences.every((c) => new Date(c.at).getUTCHours() === 14)).toBe(true);

    const paused = await post(`/series/${id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(seriesSchema.parse(paused.body).status).toBe('paused');
    expect(expectProblem(await post(`/series/${id}/pause`), 409, 'INVALID_STATE').currentStatus).toBe('paused');
    expect((await get('/series?status=paused')).body.items.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await get('/series?status=active')).body.items).toEqual([]);

    const resumed = await post(`/series/${id}/resume`);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body.status).toBe('active');
    expect(expectProblem(await post(`/series/${id}/resume`), 409, 'INVALID_STATE').currentStatus).toBe('active');

    const ended = await post(`/series/${id}/cancel`);
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', endReason: 'canceled' });
    expect(expectProblem(await post(`/series/${id}/cancel`), 409, 'INVALID_STATE').currentStatus).toBe('ended');
    const afterEnd = (await get(`/series/${id}`)).body;
    expect(afterEnd.occurrences.every((c: { status: string }) => c.status !== 'scheduled')).toBe(true);
  });

  it('PATCH /series/{id} changes the rule; bad changes and unknown ids answer 400 and 404', async () => {
    const id = (await post('/series', WEEKDAYS)).body.id as string;
    const changed = await call(`${h.api}/series/${id}`, { method: 'PATCH', json: { cron: '30 17 * * MON,WED', count: null } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ id, cron: '30 17 * * MON,WED', count: null });
    const empty = await call(`${h.api}/series/${id}`, { method: 'PATCH', json: {} });
    expect(expectProblem(empty, 400, 'INVALID_INPUT').errors[0].message).toBe('must change at least one field');
    const unknown = await call(`${h.api}/series/${id}`, { method: 'PATCH', json: { to: TO } });
    expect(expectProblem(unknown, 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'to', rule: 'unrecognized_keys' });
    expect((await get(`/series/${id}`)).body.cron).toBe('30 17 * * MON,WED');

    expectProblem(await get('/series/nope'), 404, 'SERIES_NOT_FOUND');
    expectProblem(await post('/series/nope/pause'), 404, 'SERIES_NOT_FOUND');
    expectProblem(await call(`${h.api}/series/nope`, { method: 'PATCH', json: { cron: '0 8 * * *' } }), 404, 'SERIES_NOT_FOUND');
    expect(expectProblem(await get('/series?status=done'), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'query.status' });
  });

  it('GET /series and the occurrences of GET /series/{id} page with their cursors', async () => {
    const made: string[] = [];
    for (const cron of ['0 9 * * *', '0 10 * * *', '0 11 * * *']) made.push((await post('/series', { ...WEEKDAYS, cron })).body.id as string);
    const first = await get('/series?limit=2');
    expect(first.status, first.text).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(`/series?limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`);
    const seen = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect([...seen].sort()).toEqual([...made].sort());
    expect(second.body.nextCursor).toBeNull();
    expect(expectProblem(await get('/series?limit=0'), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'query.limit' });
    expect(expectProblem(await get('/series?page=2'), 400, 'INVALID_INPUT').errors[0]).toMatchObject({ path: 'query.page', rule: 'unrecognized_keys' });

    // Daily at 09:00 from Monday: past Wednesday's, three occurrence calls exist.
    await h.clock.advanceTo(Date.parse('2026-03-04T14:00:01Z'));
    const latest = await get(`/series/${made[0]}?limit=2`);
    expect(latest.status, latest.text).toBe(200);
    expect(latest.body.occurrences.map((c: { at: string }) => c.at)).toEqual(['2026-03-04T14:00:00.000Z', '2026-03-03T14:00:00.000Z']);
    const older = await get(`/series/${made[0]}?limit=2&cursor=${encodeURIComponent(latest.body.occurrencesCursor as string)}`);
    expect(older.body.occurrences.map((c: { at: string }) => c.at)).toEqual(['2026-03-02T14:00:00.000Z']);
    expect(older.body.occurrencesCursor).toBeNull();
  });

  it('GET /events streams the series:* events live, without an SSE id of their own', async () => {
    const client = await SseClient.connect(`${h.api}/events`);
    try {
      expect(client.status).toBe(200);
      const id = (await post('/series', WEEKDAYS)).body.id as string;
      await post(`/series/${id}/pause`);
      await client.waitFor(() => client.messages.some((m) => m.event === 'series:paused'), 'series:paused');
      const names = client.messages.map((m) => m.event);
      expect(names).toContain('series:scheduled');
      const paused = client.messages.find((m) => m.event === 'series:paused');
      const data = JSON.parse(paused?.data ?? '{}') as { series: unknown; canceledCallIds: unknown };
      expect(seriesSchema.parse(data.series).status).toBe('paused');
      expect(Array.isArray(data.canceledCallIds)).toBe(true);
      // A series event has no id of its own: the client's Last-Event-ID stays on the call events of the log.
      for (const m of client.messages.filter((m) => m.event.startsWith('series:'))) expect(m.id).toBeUndefined();
      for (const m of client.messages.filter((m) => m.event.startsWith('call:'))) expect(m.id).toMatch(/^\S+$/);
    } finally {
      await client.close();
    }
  });

  it('a scheduler without series is served without the /series routes', async () => {
    await h.close();
    // The forwarding scheduler has only the methods of the calls' routes, none of the series'.
    h = await startHarness({ flavor: 'node', schedulerOverrides: () => ({}) });
    expectProblem(await post('/series', WEEKDAYS), 404, 'NOT_FOUND');
    const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/series'))).toBe(false);
  });
});

describe('series events when GET /events follows the store log', () => {
  it("sends this process's series:* events, without an id, on a stream that follows a watched store", async () => {
    const clock = new FakeClock('2026-03-02T09:00:00Z');
    const store = new MemoryStore();
    const bus = new WatchBus();
    const scheduler = new CallScheduler({ id: 'host-a', store: bus.handle(store), provider: new FakeCallProvider({ clock }), clock });
    const host = await serveHost(scheduler, { sseRereadMs: 1_000 });
    const client = await SseClient.connect(`${host.api}/events`);
    try {
      expect(client.status).toBe(200);
      // The stream follows the store's log: it holds the store's watch.
      expect(bus.watching).toBe(1);
      const created = await call(`${host.api}/series`, { method: 'POST', json: WEEKDAYS });
      expect(created.status, created.text).toBe(201);
      const id = created.body.id as string;
      await call(`${host.api}/series/${id}/pause`, { method: 'POST' });
      await client.waitFor(() => client.messages.some((m) => m.event === 'series:paused'), 'series:paused');
      const series = client.messages.filter((m) => m.event.startsWith('series:'));
      expect(series.map((m) => m.event)).toEqual(['series:scheduled', 'series:paused']);
      for (const m of series) {
        expect(m.id).toBeUndefined();
        expect(seriesSchema.parse((JSON.parse(m.data) as { series: unknown }).series).id).toBe(id);
      }
    } finally {
      await client.close();
      await stopHost(host);
      await store.close();
    }
  });
});


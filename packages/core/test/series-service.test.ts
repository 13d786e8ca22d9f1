import { describe, expect, it } from 'vitest';
import { newCallInsert } from '../src/scheduler/call-transitions.js';
import { OccurrenceSchedule } from '../src/series/occurrences.js';
import { CALL_SERIES_EVENT_NAMES, toCallSeries } from '../src/series/call-series.js';
import { SeriesService, type SeriesServiceOptions } from '../src/series/series-service.js';
import type { CallStore } from '../src/store/call-store.js';
import type { SeriesStore } from '../src/series/series-store.js';
import { referenceStore } from './series-reference-store.js';
import { schedulerErrorOf } from '../../../test-support/rejections.js';

const Z = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const HOUR = 3_600_000;
const NY = 'America/New_York';

function serviceOn(store: CallStore & SeriesStore, prefix: string, options: SeriesServiceOptions = {}): SeriesService {
  let n = 0;
  return new SeriesService({
    store,
    newId: () => `${prefix}-${String(n++).padStart(6, '0')}`,
    // As schedule() builds a call: window snapping, expired at once when it cannot be dialed in time.
    toCallInsert: (id, input, now) => newCallInsert(id, input, { timeZone: input.timeZone ?? null, window: input.window ?? null }, now),
    options,
  });
}

/** Runs the service's due steps at each planAt until `until`, as a scheduler's timer would. */
async function runUntil(service: SeriesService, store: CallStore & SeriesStore, from: number, until: number): Promise<number> {
  let now = from;
  for (;;) {
    const next = await store.nextSeriesPlanAt();
    if (next === null || next > until) return now;
    now = Math.max(now, next);
    await service.runDue(now);
  }
}

async function allCalls(store: CallStore) {
  return (await store.listCalls({ limit: 1000, cursor: null, order: 'asc' })).items;
}

const weekdaySeason = {
  to: '+12125550123',
  cron: '0 9 * * MON-FRI',
  timeZone: NY,
  startAt: { local: '2026-03-01T00:00', timeZone: NY },
  endAt: { local: '2026-11-30T23:59', timeZone: NY },
};

describe('SeriesService on a store', () => {
  it('creates each weekday call of a DST season once, as ordinary scheduled calls', async () => {
    const store = referenceStore();
    const service = serviceOn(store, 'a');
    const created = Z('2026-02-20T12:00:00Z');
    const { series, created: isNew, step } = await service.schedule(weekdaySeason, created);
    expect(isNew).toBe(true);
    expect(step).toBeNull(); // the first occurrence is days away: nothing created yet
    expect(iso(series.planAt)).toBe('2026-03-02T13:59:00.000Z');
    expect(await allCalls(store)).toEqual([]);

    await runUntil(service, store, created, Z('2026-12-31T00:00:00Z'));
    const calls = await allCalls(store);
    const expected = new OccurrenceSchedule({ cron: '0 9 * * MON-FRI', timeZone: NY, startAt: Z('2026-03-01T05:00:00Z'), endAt: Z('2026-12-01T04:59:00Z') }).upcoming(0, 1000).map((o) => o.at);
    expect(calls.map((c) => c.at)).toEqual(expected);
    expect(calls.length).toBe(196);
    expect(calls.every((c) => c.status === 'scheduled' && c.dueAt === c.at && c.timeZone === NY)).toBe(true);
    expect(await store.getSeries(series.id)).toMatchObject({ status: 'ended', endReason: 'endAt', occurrencesCreated: 196 });
  });

  it('returns the first series for a repeated idempotency key', async () => {
    const store = referenceStore();
    const service = serviceOn(store, 'b');
    const first = await service.schedule({ ...weekdaySeason, idempotencyKey: 'k' }, Z('2026-02-20T12:00:00Z'));
    const again = await service.schedule({ ...weekdaySeason, idempotencyKey: 'k', cron: '0 10 * * *' }, Z('2026-02-21T12:00:00Z'));
    expect(again).toEqual({ series: first.series, created: false, step: null });
  });

  it('refuses bad input before storing anything', async () => {
    const store = referenceStore();
    const service = serviceOn(store, 'c');
    const error = await schedulerErrorOf(service.schedule({ ...weekdaySeason, cron: '0 9 30 2 *', endAt: undefined }, Z('2026-02-20T12:00:00Z')));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.issues.map((i) => i.path)).toEqual(['cron']);
    expect((await store.listSeries({ limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
  });

  it('two services planning one store at the same instants create each occurrence once', async () => {
    const store = referenceStore();
    const a = serviceOn(store, 'a');
    const b = serviceOn(store, 'b');
    await a.schedule({ ...weekdaySeason, timeZone: 'Australia/Sydney', startAt: { local: '2026-03-01T00:00', timeZone: 'Australia/Sydney' }, endAt: { local: '2026-11-30T23:59', timeZone: 'Australia/Sydney' } }, Z('2026-02-20T12:00:00Z'));
    let now = Z('2026-02-20T12:00:00Z');
    for (;;) {
      const next = await store.nextSeriesPlanAt();
      if (next === null) break;
      now = Math.max(now, next);
      await Promise.all([a.runDue(now), b.runDue(now)]);
    }
    const calls = await allCalls(store);
    expect(calls.length).toBe(196);
    expect(new Set(calls.map((c) => c.at)).size).toBe(196);
    expect(calls.filter((c) => c.id.startsWith('a-')).length).toBeGreaterThan(0);
  });
});

describe('SeriesService after 3 days down', () => {
  // Daily 09:00 New York, each occurrence expiring 2 hours after its time. The 06-01 call was
  // created; the service is back on 06-05 at 15:00Z: 06-02 .. 06-05 were missed.
  const scenario = async (catchUp: 'skip' | 'latest' | 'all') => {
    const store = referenceStore();
    const service = serviceOn(store, catchUp);
    const { series } = await service.schedule({ to: '+12125550123', cron: '0 9 * * *', timeZone: NY, catchUp, expiresAfter: 2 * HOUR }, Z('2026-06-01T12:00:00Z'));
    await runUntil(service, store, Z('2026-06-01T12:00:00Z'), Z('2026-06-01T23:00:00Z'));
    const outcomes = await service.runDue(Z('2026-06-05T15:00:00Z'));
    return { store, series, outcomes };
  };

  it("'skip': no call for the missed days; the next one comes as usual", async () => {
    const { store, outcomes } = await scenario('skip');
    expect(outcomes[0]?.skipped).toEqual({ first: Z('2026-06-02T13:00:00Z'), last: Z('2026-06-05T13:00:00Z') });
    expect((await allCalls(store)).map((c) => iso(c.at))).toEqual(['2026-06-01T13:00:00.000Z']);
    expect(outcomes[0]?.series.nextOccurrenceAt).toBe(Z('2026-06-06T13:00:00Z'));
  });

  it("'latest': one call for the latest missed day, ended expired because its 2 hours have passed", async () => {
    const { store, outcomes } = await scenario('latest');
    expect(outcomes[0]?.occurrences.map((o) => [iso(o.call.occurrenceAt), o.missed, o.call.status])).toEqual([['2026-06-05T13:00:00.000Z', true, 'expired']]);
    expect(outcomes[0]?.occurrences[0]?.events.map((e) => e.type)).toEqual(['scheduled', 'expired']);
    expect((await allCalls(store)).map((c) => [iso(c.at), c.status])).toEqual([
      ['2026-06-01T13:00:00.000Z', 'scheduled'],
      ['2026-06-05T13:00:00.000Z', 'expired'],
    ]);
  });

  it("'all': one call for each missed day, each expired", async () => {
    const { store } = await scenario('all');
    expect((await allCalls(store)).map((c) => [iso(c.at), c.status])).toEqual([
      ['2026-06-01T13:00:00.000Z', 'scheduled'],
      ['2026-06-02T13:00:00.000Z', 'expired'],
      ['2026-06-03T13:00:00.000Z', 'expired'],
      ['2026-06-04T13:00:00.000Z', 'expired'],
      ['2026-06-05T13:00:00.000Z', 'expired'],
    ]);
  });

  it("'all' without an expiry: the missed calls are due at once", async () => {
    const store = referenceStore();
    const service = serviceOn(store, 'x');
    await service.schedule({ to: '+12125550123', cron: '0 9 * * *', timeZone: NY, catchUp: 'all' }, Z('2026-06-01T12:00:00Z'));
    await runUntil(service, store, Z('2026-06-01T12:00:00Z'), Z('2026-06-01T23:00:00Z'));
    await service.runDue(Z('2026-06-03T15:00:00Z'));
    const calls = await allCalls(store);
    expect(calls.map((c) => [iso(c.at), c.status, iso(c.dueAt)])).toEqual([
      ['2026-06-01T13:00:00.000Z', 'scheduled', '2026-06-01T13:00:00.000Z'],
      ['2026-06-02T13:00:00.000Z', 'scheduled', '2026-06-02T13:00:00.000Z'],
      ['2026-06-03T13:00:00.000Z', 'scheduled', '2026-06-03T13:00:00.000Z'],
    ]);
  });
});

describe('SeriesService changes', () => {
  const start = Z('2026-06-01T12:00:00Z');
  const running = async () => {
    const store = referenceStore();
    const service = serviceOn(store, 'p');
    const { series } = await service.schedule({ to: '+12125550123', cron: '0 9 * * *', timeZone: NY }, start);
    await service.runDue(Z('2026-06-01T12:59:00Z')); // creates the 06-01 13:00Z call
    return { store, service, id: series.id };
  };

  it('pause cancels the waiting call; resume goes on from now; wrong states and unknown ids are told apart', async () => {
    const { store, service, id } = await running();
    const paused = await service.pause(id, Z('2026-06-01T12:59:30Z'));
    expect(paused?.series).toMatchObject({ status: 'paused', planAt: null });
    const [call] = await allCalls(store);
    expect(paused?.canceledCallIds).toEqual([call?.id]);
    expect(call).toMatchObject({ status: 'canceled' });
    expect((await store.getCallDetails(call?.id as string))?.events.at(-1)?.data).toEqual({ reason: 'series-paused', seriesId: id });
    expect((await schedulerErrorOf(service.pause(id, Z('2026-06-01T13:00:00Z')))).code).toBe('INVALID_STATE');
    expect(await store.nextSeriesPlanAt()).toBeNull();

    const resumed = await service.resume(id, Z('2026-06-03T15:00:00Z'));
    expect(resumed?.series).toMatchObject({ status: 'active', nextOccurrenceAt: Z('2026-06-04T13:00:00Z'), planAt: Z('2026-06-04T12:59:00Z') });
    expect((await schedulerErrorOf(service.resume(id, Z('2026-06-03T15:00:00Z')))).currentStatus).toBe('active');
    expect(await service.pause('no-such-series', start)).toBeUndefined();
  });

  it('a change of pattern cancels a waiting call the new pattern does not have and moves the cursor', async () => {
    const { store, service, id } = await running();
    const changed = await service.change(id, { cron: '0 10 * * *' }, Z('2026-06-01T12:59:30Z'));
    expect(changed?.canceledCallIds).toHaveLength(1);
    expect(changed?.series).toMatchObject({ cron: '0 10 * * *', nextOccurrenceAt: Z('2026-06-01T14:00:00Z'), version: 3 });
    await service.runDue(Z('2026-06-01T13:59:00Z'));
    expect((await allCalls(store)).map((c) => [iso(c.at), c.status])).toEqual([
      ['2026-06-01T13:00:00.000Z', 'canceled'],
      ['2026-06-01T14:00:00.000Z', 'scheduled'],
    ]);
  });

  it('refuses a change that would leave no occurrence, or bad fields, naming the field', async () => {
    const { service, id } = await running();
    expect((await schedulerErrorOf(service.change(id, { cron: '0 9 30 2 *' }, start))).issues.map((i) => i.path)).toEqual(['cron']);
    expect((await schedulerErrorOf(service.change(id, { endAt: '2026-05-01T00:00:00Z' }, start))).issues.map((i) => i.path)).toEqual(['endAt']);
    expect((await schedulerErrorOf(service.change(id, { count: 0 }, start))).issues.map((i) => i.path)).toEqual(['count']);
    expect((await schedulerErrorOf(service.change(id, {}, start))).issues[0]?.message).toBe('must change at least one field');
  });

  it('cancels one occurrence: its call when it exists, otherwise it is never created', async () => {
    const { store, service, id } = await running();
    expect(await service.cancelOccurrence(id, Z('2026-06-01T13:00:00Z'), start)).toMatchObject({ kind: 'call' });
    const excluded = await service.cancelOccurrence(id, Z('2026-06-03T13:00:00Z'), start);
    expect(excluded).toMatchObject({ kind: 'excluded', series: { excludedOccurrences: [Z('2026-06-03T13:00:00Z')] } });
    await runUntil(service, store, start, Z('2026-06-05T00:00:00Z'));
    expect((await allCalls(store)).map((c) => iso(c.at)?.slice(0, 10))).toEqual(['2026-06-01', '2026-06-02', '2026-06-04']);
    expect((await schedulerErrorOf(service.cancelOccurrence(id, Z('2026-06-06T13:30:00Z'), start))).issues.map((i) => i.path)).toEqual(['occurrenceAt']);
  });

  it('end cancels the waiting call and ends the series for good', async () => {
    const { store, service, id } = await running();
    const ended = await service.end(id, Z('2026-06-01T12:59:30Z'));
    expect(ended?.series).toMatchObject({ status: 'ended', endReason: 'canceled', planAt: null });
    expect((await allCalls(store)).map((c) => c.status)).toEqual(['canceled']);
    expect((await schedulerErrorOf(service.end(id, start))).code).toBe('INVALID_STATE');
    expect((await schedulerErrorOf(service.change(id, { cron: '0 8 * * *' }, start))).code).toBe('INVALID_STATE');
  });
});

describe('toCallSeries', () => {
  it('gives the public shape: Dates for instants, no store bookkeeping', async () => {
    const store = referenceStore();
    const { series } = await serviceOn(store, 'm').schedule({ ...weekdaySeason, count: 3, expiresAfter: HOUR, skipDates: ['2026-03-03'] }, Z('2026-02-20T12:00:00Z'));
    const pub = toCallSeries(series);
    expect(pub).toMatchObject({
      id: series.id,
      to: '+12125550123',
      cron: '0 9 * * MON-FRI',
      timeZone: NY,
      startAt: new Date('2026-03-01T05:00:00Z'),
      endAt: new Date('2026-12-01T04:59:00Z'),
      count: 3,
      skipDates: ['2026-03-03'],
      expiresAfter: HOUR,
      status: 'active',
      nextOccurrenceAt: new Date('2026-03-02T14:00:00Z'),
      lastOccurrenceAt: null,
      createdAt: new Date('2026-02-20T12:00:00Z'),
    });
    expect(Object.keys(pub)).not.toContain('planAt');
    expect(Object.keys(pub)).not.toContain('version');
    expect(CALL_SERIES_EVENT_NAMES).toContain('series:occurrence');
  });
});

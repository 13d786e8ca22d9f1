import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import { CallScheduler, type CallSeriesRecord, type SeriesStore } from '../src/index.js';
import { FakeCallProvider, FakeClock } from '../src/testing/index.js';

const NUMBER = '+12125550123';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A scheduler on a fake clock, a fake provider and a MemoryStore, recording every series event. */
function setup(start: string, store = new MemoryStore(), options: Partial<ConstructorParameters<typeof CallScheduler>[0]> = {}) {
  const clock = new FakeClock(start);
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store, provider, clock, id: 'scheduler-a', ...options });
  const events: { name: string; at: number; payload: unknown }[] = [];
  for (const name of ['series:scheduled', 'series:occurrence', 'series:skipped', 'series:paused', 'series:resumed', 'series:changed', 'series:ended', 'call:scheduled', 'call:canceled', 'scheduler:error'] as const) {
    scheduler.on(name, (payload: unknown) => events.push({ name, at: clock.now(), payload }));
  }
  const dials = (): number[] => provider.requests.filter((r) => r.kind === 'placeCall').map((r) => r.at);
  return { clock, provider, store, scheduler, events, dials };
}

/** Every local date from `from` to `to` (inclusive, YYYY-MM-DD) that is Monday to Friday. */
function weekdays(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}

describe('scheduleSeries on a fake clock', () => {
  // 09:00 local on every weekday of the season, as UTC: the offset changes on the DST days only.
  const seasons = [
    { timeZone: 'America/New_York', dst: ['2026-03-08', '2026-11-01'], offsets: [-5, -4] },
    { timeZone: 'Europe/Berlin', dst: ['2026-03-29', '2026-10-25'], offsets: [1, 2] },
    // Southern hemisphere: summer time at both ends of the season, standard time in the middle.
    { timeZone: 'Australia/Sydney', dst: ['2026-04-05', '2026-10-04'], offsets: [11, 10] },
  ] as const;

  for (const { timeZone, dst, offsets } of seasons) {
    it(`dials every weekday at 09:00 ${timeZone} exactly once from 2026-03-01 to 2026-11-30`, async () => {
      const { clock, scheduler, store, dials, events } = setup('2026-02-27T00:00:00Z');
      const series = await scheduler.scheduleSeries({
        to: NUMBER,
        cron: '0 9 * * MON-FRI',
        timeZone,
        startAt: { local: '2026-03-01T00:00', timeZone },
        endAt: { local: '2026-11-30T23:59', timeZone },
      });
      await scheduler.start();
      await clock.advanceTo('2026-12-02T00:00:00Z');
      await scheduler.stop();

      const expected = weekdays('2026-03-01', '2026-11-30').map((date) => {
        const offset = date >= dst[0] && date < dst[1] ? offsets[1] : offsets[0];
        return Date.parse(`${date}T09:00:00Z`) - offset * HOUR;
      });
      expect(dials()).toEqual(expected);
      const listed = await (store as MemoryStore & SeriesStore).listSeriesOccurrences({ seriesId: series.id, limit: 1000, cursor: null, order: 'asc' });
      expect(listed.items.map((c) => c.occurrenceAt)).toEqual(expected);
      expect(new Set(listed.items.map((c) => c.status))).toEqual(new Set(['completed']));
      expect((await scheduler.getSeries(series.id))?.status).toBe('ended');
      expect(events.filter((e) => e.name === 'series:occurrence')).toHaveLength(expected.length);
      expect(events.filter((e) => e.name === 'scheduler:error')).toEqual([]);
    });
  }

  it('dials daily 02:30 America/New_York on both DST days by the documented rule (compatible)', async () => {
    const { clock, scheduler, dials } = setup('2026-03-06T12:00:00Z');
    await scheduler.scheduleSeries({ to: NUMBER, cron: '30 2 * * *', timeZone: 'America/New_York', endAt: '2026-03-10T12:00:00Z' });
    await scheduler.start();
    await clock.advanceTo('2026-03-11T00:00:00Z');
    // 03-07 02:30 EST; 03-08 02:30 does not exist: 03:30 EDT (07:30Z); 03-09 02:30 EDT.
    expect(dials().map((t) => new Date(t).toISOString())).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    await scheduler.stop();

    const fall = setup('2026-10-30T12:00:00Z');
    await fall.scheduler.scheduleSeries({ to: NUMBER, cron: '30 2 * * *', timeZone: 'America/New_York', endAt: '2026-11-02T12:00:00Z' });
    await fall.scheduler.start();
    await fall.clock.advanceTo('2026-11-03T00:00:00Z');
    // 02:30 on 11-01 happens once (after the repeated hour 01:00-02:00): 02:30 EST = 07:30Z.
    expect(fall.dials().map((t) => new Date(t).toISOString())).toEqual(['2026-10-31T06:30:00.000Z', '2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z']);
    await fall.scheduler.stop();
  });

  it('dials daily 01:30 America/New_York once on the fall-back day, in the first 01:30 (compatible)', async () => {
    const { clock, scheduler, dials } = setup('2026-10-31T12:00:00Z');
    await scheduler.scheduleSeries({ to: NUMBER, cron: '30 1 * * *', timeZone: 'America/New_York', count: 2 });
    await scheduler.start();
    await clock.advanceTo('2026-11-03T00:00:00Z');
    expect(dials().map((t) => new Date(t).toISOString())).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    await scheduler.stop();
  });

  for (const catchUp of ['skip', 'latest', 'all'] as const) {
    it(`a scheduler down for 3 days, then started, follows catchUp: '${catchUp}'`, async () => {
      const store = new MemoryStore();
      // A web tier schedules the series and never starts; no scheduler runs for 3 days.
      const web = setup('2026-05-04T08:00:00Z', store);
      const series = await web.scheduler.scheduleSeries({ to: NUMBER, cron: '0 9 * * *', timeZone: 'UTC', catchUp, expiresAfter: 6 * DAY });
      expect(series.nextOccurrenceAt?.toISOString()).toBe('2026-05-04T09:00:00.000Z');
      const worker = setup('2026-05-07T10:00:00Z', store, { id: 'scheduler-b' });
      await worker.scheduler.start();
      await worker.clock.advance(HOUR);
      const listed = await (store as MemoryStore & SeriesStore).listSeriesOccurrences({ seriesId: series.id, limit: 100, cursor: null, order: 'asc' });
      const missed = { skip: [], latest: ['2026-05-07T09:00:00.000Z'], all: ['2026-05-04T09:00:00.000Z', '2026-05-05T09:00:00.000Z', '2026-05-06T09:00:00.000Z', '2026-05-07T09:00:00.000Z'] }[catchUp];
      expect(listed.items.map((c) => new Date(c.occurrenceAt).toISOString())).toEqual([...missed, '2026-05-08T09:00:00.000Z'].slice(0, missed.length));
      // Each missed call that was created is dialed at once; the next one waits for its time.
      expect(worker.dials()).toHaveLength(missed.length);
      expect(worker.events.filter((e) => e.name === 'series:skipped')).toHaveLength(catchUp === 'all' ? 0 : 1);
      await worker.clock.advanceTo('2026-05-08T09:00:01Z');
      expect(worker.dials().at(-1)).toBe(Date.parse('2026-05-08T09:00:00Z'));
      const after = (await worker.scheduler.getSeries(series.id)) as unknown as CallSeriesRecord;
      expect(after.status).toBe('active');
      await worker.scheduler.stop();
    });
  }
});

describe('series commands', () => {
  it('pauses, resumes, changes, cancels one occurrence and ends a series', async () => {
    const { clock, scheduler, events, dials } = setup('2026-05-04T08:00:00Z');
    await scheduler.start();
    const series = await scheduler.scheduleSeries({ to: NUMBER, cron: '0 9 * * *', timeZone: 'UTC' });
    expect(scheduler.previewSeries({ to: NUMBER, cron: '0 9 * * *', timeZone: 'UTC' }, 3).map((d) => d.toISOString())).toEqual([
      '2026-05-04T09:00:00.000Z',
      '2026-05-05T09:00:00.000Z',
      '2026-05-06T09:00:00.000Z',
    ]);
    await clock.advanceTo('2026-05-04T08:59:30Z'); // the first occurrence's call exists (lead 60 s)
    const paused = await scheduler.pauseSeries(series.id);
    expect(paused.status).toBe('paused');
    expect(events.filter((e) => e.name === 'call:canceled')).toHaveLength(1);
    await expect(scheduler.pauseSeries(series.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await clock.advanceTo('2026-05-05T12:00:00Z');
    expect(dials()).toEqual([]);
    const resumed = await scheduler.resumeSeries(series.id);
    expect(resumed.nextOccurrenceAt?.toISOString()).toBe('2026-05-06T09:00:00.000Z');
    const excluded = await scheduler.cancelOccurrence(series.id, '2026-05-06T09:00:00Z');
    expect(excluded.excludedOccurrences.map((d) => d.toISOString())).toEqual(['2026-05-06T09:00:00.000Z']);
    const changed = await scheduler.changeSeries(series.id, { cron: '0 10 * * *' });
    expect(changed.cron).toBe('0 10 * * *');
    await clock.advanceTo('2026-05-07T12:00:00Z');
    expect(dials().map((t) => new Date(t).toISOString())).toEqual(['2026-05-06T10:00:00.000Z', '2026-05-07T10:00:00.000Z']);
    const ended = await scheduler.endSeries(series.id);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'canceled' });
    expect((await scheduler.listSeries({ status: 'ended' })).items.map((s) => s.id)).toEqual([series.id]);
    await expect(scheduler.pauseSeries('no-such-series')).rejects.toMatchObject({ code: 'SERIES_NOT_FOUND' });
    await expect(scheduler.scheduleSeries({ to: NUMBER, cron: '0 9 * *', timeZone: 'UTC' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(events.map((e) => e.name).filter((n) => n.startsWith('series:'))).toEqual(
      expect.arrayContaining(['series:scheduled', 'series:occurrence', 'series:paused', 'series:resumed', 'series:changed', 'series:ended']),
    );
    await scheduler.stop();
  });

  it('answers NOT_SUPPORTED on a store without series, and previews without one', async () => {
    // A MemoryStore with its series methods hidden: a store of calls only.
    const plain = new Proxy(new MemoryStore(), {
      get(target, name) {
        if (name === 'insertSeries' || name === 'materializeOccurrences') return undefined;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { scheduler } = setup('2026-05-04T08:00:00Z', plain);
    await expect(scheduler.scheduleSeries({ to: NUMBER, cron: '0 9 * * *', timeZone: 'UTC' })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(scheduler.previewSeries({ to: NUMBER, cron: '0 9 * * *', timeZone: 'UTC' }, 1)).toHaveLength(1);
  });

  it('refuses bad series options naming the field', () => {
    expect(() => setup('2026-05-04T08:00:00Z', new MemoryStore(), { series: { leadMs: -1 } })).toThrow(/series\.leadMs/);
  });
});

describe('the store guard on series methods', () => {
  it('checks their arguments, naming the field, before the store sees them', async () => {
    const store = new MemoryStore();
    await expect(store.listSeries({ limit: 0, cursor: null, order: 'asc' })).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'limit' })] });
    await expect(store.listDueSeries({ now: Number.NaN, limit: 10 })).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'now' })] });
    await expect(store.listSeriesOccurrences({ seriesId: '', limit: 10, cursor: null, order: 'asc' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [expect.objectContaining({ path: 'seriesId' })],
    });
    const step = {
      seriesId: 'series-1',
      expectVersion: 1,
      occurrences: [{ call: { seriesId: 'series-2', occurrenceAt: 0 }, events: [] }],
      patch: {},
      now: 0,
    } as unknown as Parameters<SeriesStore['materializeOccurrences']>[0];
    await expect(store.materializeOccurrences(step)).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'occurrences.0.call.seriesId' })] });
    await store.close();
    await expect(store.getSeries('series-1')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

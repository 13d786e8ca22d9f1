import { CallScheduler, OccurrenceSchedule, parseScheduleSeriesInput, type CallSeries, type Disambiguation, type ScheduleSeriesInput } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { expect, it } from 'vitest';

/** Weekday check-ins at 09:00 in New York until the end of November, skipping Thanksgiving. */
async function weekdayCheckIns(scheduler: CallScheduler): Promise<{ series: CallSeries; preview: Date[] }> {
  const input: ScheduleSeriesInput = {
    to: '+12125550123',
    cron: '0 9 * * MON-FRI',
    timeZone: 'America/New_York',
    endAt: { local: '2026-11-30T23:59', timeZone: 'America/New_York' },
    expiresAfter: 2 * 3_600_000, // a call not dialed within two hours ends expired
    skipDates: ['2026-11-26'],
    catchUp: 'latest',
  };
  const preview = scheduler.previewSeries(input, 3); // the next three occurrences (Dates), nothing stored
  const series = await scheduler.scheduleSeries(input);
  return { series, preview };
}

/** The commands of a series: each returns the series after the change. */
async function pauseResumeAndEnd(scheduler: CallScheduler, series: CallSeries): Promise<CallSeries> {
  await scheduler.pauseSeries(series.id); // no calls until resumed; a waiting occurrence is canceled
  await scheduler.resumeSeries(series.id); // goes on from now: nothing missed meanwhile is caught up
  await scheduler.cancelOccurrence(series.id, '2026-03-11T13:00:00Z'); // one call off, the series goes on
  return scheduler.endSeries(series.id); // no more calls; a waiting one is canceled
}

it('schedules weekday check-ins, dialed at 09:00 New York time on each side of the DST change', async () => {
  const clock = new FakeClock('2026-03-06T12:00:00Z');
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store: new MemoryStore(), provider, clock });
  await scheduler.start();
  const { series, preview } = await weekdayCheckIns(scheduler);
  expect(preview.map((d) => d.toISOString())).toEqual(['2026-03-06T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-10T13:00:00.000Z']);
  expect(series).toMatchObject({ status: 'active', nextOccurrenceAt: new Date('2026-03-06T14:00:00Z') });
  await clock.advanceTo('2026-03-11T00:00:00Z');
  expect(provider.placeRequests('+12125550123').map((r) => new Date(r.at).toISOString())).toEqual([
    '2026-03-06T14:00:00.000Z',
    '2026-03-09T13:00:00.000Z',
    '2026-03-10T13:00:00.000Z',
  ]);

  const ended = await pauseResumeAndEnd(scheduler, series);
  expect(ended).toMatchObject({ status: 'ended', endReason: 'canceled', excludedOccurrences: [new Date('2026-03-11T13:00:00Z')] });
  await scheduler.stop();
});

const weekdays = new OccurrenceSchedule({ cron: '0 9 * * MON-FRI', timeZone: 'America/New_York' });
const next = weekdays.upcoming(Date.parse('2026-03-05T00:00:00Z'), 4);
// next.map((o) => o.local): 2026-03-05T09:00, 2026-03-06T09:00, 2026-03-09T09:00, 2026-03-10T09:00
// next.map((o) => o.at):    14:00Z, 14:00Z (EST), then 13:00Z, 13:00Z (EDT from Sunday 8 March)

it('previews the next occurrences of a weekday series across a DST change', () => {
  expect(next.map((o) => o.local)).toEqual(['2026-03-05T09:00', '2026-03-06T09:00', '2026-03-09T09:00', '2026-03-10T09:00']);
  expect(next.map((o) => new Date(o.at).toISOString())).toEqual([
    '2026-03-05T14:00:00.000Z',
    '2026-03-06T14:00:00.000Z',
    '2026-03-09T13:00:00.000Z',
    '2026-03-10T13:00:00.000Z',
  ]);
});

/** The first occurrence of "daily 02:30 New York" on or after the spring-forward day, by a rule. */
function onGapDay(disambiguation: Disambiguation): string | undefined {
  const daily = new OccurrenceSchedule({ cron: '30 2 * * *', timeZone: 'America/New_York', disambiguation });
  const first = daily.upcoming(Date.parse('2026-03-08T00:00:00Z'), 1)[0];
  return first === undefined ? undefined : new Date(first.at).toISOString();
}
// onGapDay('compatible') = 2026-03-08T07:30:00.000Z: 03:30 EDT, forward by the gap
// onGapDay('earlier')    = 2026-03-08T06:30:00.000Z: 01:30 EST, back by the gap
// onGapDay('reject')     = 2026-03-09T06:30:00.000Z: no occurrence on 8 March

it('resolves a time in the spring-forward gap by the disambiguation rule', () => {
  expect(onGapDay('compatible')).toBe('2026-03-08T07:30:00.000Z');
  expect(onGapDay('later')).toBe('2026-03-08T07:30:00.000Z');
  expect(onGapDay('earlier')).toBe('2026-03-08T06:30:00.000Z');
  expect(onGapDay('reject')).toBe('2026-03-09T06:30:00.000Z');
});

const holidays = new Set(['2026-12-25', '2026-12-26']);
const daily = new OccurrenceSchedule(
  { cron: '0 10 * * *', timeZone: 'Europe/Berlin', skipDates: ['2026-12-24'] },
  { skip: (localDate) => holidays.has(localDate) },
);
// daily.upcoming(Date.parse('2026-12-23T12:00:00Z'), 1)[0].localDate is '2026-12-27'

it('leaves out holidays', () => {
  expect(daily.upcoming(Date.parse('2026-12-23T12:00:00Z'), 1).map((o) => o.localDate)).toEqual(['2026-12-27']);
});

it('refuses a series that would never call, naming the field', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  expect(() => parseScheduleSeriesInput({ to: '+12125550123', cron: '0 9 30 2 *', timeZone: 'America/New_York' }, now)).toThrow(
    'Invalid series: cron never matches after 2026-06-01T12:00:00.000Z in America/New_York',
  );
});

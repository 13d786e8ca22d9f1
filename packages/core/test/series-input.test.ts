import { describe, expect, it } from 'vitest';
import { isCallSchedulerError, type CallSchedulerError } from '../src/errors/call-scheduler-error.js';
import { parseScheduleSeriesInput } from '../src/series/series-input.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const base = { to: '+1 (212) 555-0123', cron: '0 9 * * MON-FRI', timeZone: 'America/New_York' };

/** The `INVALID_INPUT` error of parsing `input`, or a failure when it parses. */
function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseScheduleSeriesInput(input, NOW);
  } catch (error) {
    expect(isCallSchedulerError(error)).toBe(true);
    expect((error as CallSchedulerError).code).toBe('INVALID_INPUT');
    return (error as CallSchedulerError).issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('expected INVALID_INPUT');
}

describe('parseScheduleSeriesInput', () => {
  it('normalizes a valid series: E.164, defaults, sorted unique skip dates, times as epoch ms', () => {
    const parsed = parseScheduleSeriesInput(
      {
        ...base,
        startAt: { local: '2026-06-01T00:00', timeZone: 'America/New_York' },
        endAt: '2026-11-30T23:59:00-05:00',
        skipDates: ['2026-11-26', '2026-07-03', '2026-11-26'],
        expiresAfter: 7_200_000,
        window: { mon: [{ start: '08:00', end: '21:00' }] },
        metadata: { plan: 'check-in' },
        idempotencyKey: 'series-1',
      },
      NOW,
    );
    expect(parsed).toEqual({
      to: '+12125550123',
      cron: '0 9 * * MON-FRI',
      timeZone: 'America/New_York',
      disambiguation: 'compatible',
      startAt: Date.parse('2026-06-01T04:00:00Z'),
      endAt: Date.parse('2026-12-01T04:59:00Z'),
      count: undefined,
      window: { mon: [{ start: '08:00', end: '21:00' }] },
      expiresAfter: 7_200_000,
      retry: undefined,
      skipDates: ['2026-07-03', '2026-11-26'],
      catchUp: 'skip',
      metadata: { plan: 'check-in' },
      idempotencyKey: 'series-1',
    });
  });

  it('names each bad field, and stores nothing', () => {
    expect(issuesOf({ ...base, to: '12' }).map((i) => i.path)).toEqual(['to']);
    expect(issuesOf({ ...base, cron: '0 25 * * *' })).toEqual([{ path: 'cron', message: expect.stringMatching(/hour/i) as string }]);
    expect(issuesOf({ ...base, cron: '0 9 * *' })).toEqual([{ path: 'cron', message: expect.stringMatching(/must have 5 fields/) as string }]);
    expect(issuesOf({ ...base, timeZone: 'Mars/Base' }).map((i) => i.path)).toEqual(['timeZone']);
    expect(issuesOf({ ...base, count: 0 })).toEqual([{ path: 'count', message: 'must be at least 1' }]);
    expect(issuesOf({ ...base, count: 1.5 }).map((i) => i.path)).toEqual(['count']);
    expect(issuesOf({ ...base, skipDates: ['2026-07-03', '2026-02-30'] }).map((i) => i.path)).toEqual(['skipDates.1']);
    expect(issuesOf({ ...base, catchUp: 'some' }).map((i) => i.path)).toEqual(['catchUp']);
    expect(issuesOf({ ...base, disambiguation: 'first' }).map((i) => i.path)).toEqual(['disambiguation']);
    expect(issuesOf({ ...base, expiresAfter: -5 }).map((i) => i.path)).toEqual(['expiresAfter']);
    expect(issuesOf({ ...base, tz: 'UTC' }).map((i) => [i.path, i.message].join(' '))).toEqual([expect.stringMatching(/tz/) as string]);
    expect(issuesOf({ ...base, startAt: { local: '2026-02-30T09:00', timeZone: 'UTC' } }).map((i) => i.path)).toEqual(['startAt']);
  });

  it('refuses endAt before startAt', () => {
    expect(issuesOf({ ...base, startAt: '2026-07-01T00:00:00Z', endAt: '2026-06-30T00:00:00Z' })).toEqual([
      { path: 'endAt', message: 'must not be before startAt' },
    ]);
  });

  it('refuses a pattern that never fires, and bounds that leave no occurrence', () => {
    expect(issuesOf({ ...base, cron: '0 9 30 2 *' })).toEqual([{ path: 'cron', message: expect.stringMatching(/^never matches after 2026-06-01T12:00:00.000Z/) as string }]);
    // A Saturday-only series between a Monday and a Friday.
    expect(issuesOf({ ...base, cron: '0 9 * * SAT', startAt: '2026-06-08T00:00:00Z', endAt: '2026-06-12T23:00:00Z' })).toEqual([
      { path: 'endAt', message: expect.stringMatching(/^leaves no occurrence/) as string },
    ]);
    // An endAt already past.
    expect(issuesOf({ ...base, endAt: '2026-05-01T00:00:00Z' }).map((i) => i.path)).toEqual(['endAt']);
  });

  it('names the element of a batch through the prefix', () => {
    try {
      parseScheduleSeriesInput({ ...base, count: 0 }, NOW, [2]);
      expect.unreachable();
    } catch (error) {
      expect((error as CallSchedulerError).issues[0]?.path).toBe('2.count');
    }
  });
});

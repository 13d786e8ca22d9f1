import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcToZonedParts, zonedTimeToUtc, type Disambiguation } from '../src/policy/zoned-time.js';
import { compileCron, isLocalDate, MAX_CONSECUTIVE_SKIPS, OccurrenceSchedule } from '../src/series/occurrences.js';

const Z = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Every occurrence of `schedule` strictly after `afterMs`, walking with nextAfter (bounded). */
function all(schedule: OccurrenceSchedule, afterMs: number, max = 1000): number[] {
  const found: number[] = [];
  let cursor = afterMs;
  for (;;) {
    const next = schedule.nextAfter(cursor);
    if (next === null) return found;
    found.push(next);
    if (found.length > max) throw new Error('too many occurrences');
    cursor = next;
  }
}

describe('weekdays 09:00 across a whole DST season (2026-03-01 .. 2026-11-30)', () => {
  // [zone, [first local date of the second offset, first local date of the third], UTC hour:minute
  // of 09:00 local in each period, and whether the instant falls on the previous UTC day]
  const cases: [string, [string, string], [string, string, string], boolean][] = [
    ['America/New_York', ['2026-03-08', '2026-11-01'], ['14:00', '13:00', '14:00'], false],
    ['Europe/Berlin', ['2026-03-29', '2026-10-25'], ['08:00', '07:00', '08:00'], false],
    // Southern hemisphere: summer time (UTC+11) ends on 2026-04-05 and starts again on 2026-10-04.
    ['Australia/Sydney', ['2026-04-05', '2026-10-04'], ['22:00', '23:00', '22:00'], true],
  ];

  it.each(cases)('%s: exactly one instant per local weekday, at 09:00 local, none on a weekend', (zone, [change1, change2], utcTimes, previousUtcDay) => {
    const schedule = new OccurrenceSchedule({
      cron: '0 9 * * MON-FRI',
      timeZone: zone,
      startAt: zonedTimeToUtc('2026-03-01T00:00', zone),
      endAt: zonedTimeToUtc('2026-11-30T23:59', zone),
    });
    const got = all(schedule, 0);

    // The expected list, built from the calendar alone: each Monday..Friday local date, with the
    // UTC time of its period.
    const expected: number[] = [];
    for (let day = Date.UTC(2026, 2, 1); day <= Date.UTC(2026, 10, 30); day += DAY) {
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const date = new Date(day).toISOString().slice(0, 10);
      const period = date < change1 ? 0 : date < change2 ? 1 : 2;
      const utcDay = previousUtcDay ? day - DAY : day;
      expected.push(Z(`${new Date(utcDay).toISOString().slice(0, 10)}T${utcTimes[period]}:00Z`));
    }
    expect(got.map(iso)).toEqual(expected.map(iso));
    expect(got.length).toBe(196); // the weekdays from March 1 to November 30, 2026
    expect(new Set(got).size).toBe(got.length);
    for (const at of got) {
      const parts = utcToZonedParts(at, zone);
      expect(['mon', 'tue', 'wed', 'thu', 'fri']).toContain(parts.weekday);
      expect([parts.hour, parts.minute]).toEqual([9, 0]);
    }
  });

  it('New York: 14:00Z before March 8, 13:00Z until November 1, 14:00Z after, spelled out', () => {
    const schedule = new OccurrenceSchedule({ cron: '0 9 * * MON-FRI', timeZone: 'America/New_York' });
    expect(schedule.upcoming(Z('2026-03-05T00:00:00Z'), 4).map((o) => [o.local, iso(o.at)])).toEqual([
      ['2026-03-05T09:00', '2026-03-05T14:00:00.000Z'],
      ['2026-03-06T09:00', '2026-03-06T14:00:00.000Z'],
      ['2026-03-09T09:00', '2026-03-09T13:00:00.000Z'], // the weekend of the change has no occurrence
      ['2026-03-10T09:00', '2026-03-10T13:00:00.000Z'],
    ]);
    expect(schedule.upcoming(Z('2026-10-29T00:00:00Z'), 4).map((o) => iso(o.at))).toEqual([
      '2026-10-29T13:00:00.000Z',
      '2026-10-30T13:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
      '2026-11-03T14:00:00.000Z',
    ]);
  });
});

describe('daily at a time the DST change skips or repeats (America/New_York)', () => {
  const zone = 'America/New_York';
  const around = (cron: string, disambiguation: Disambiguation, fromIso: string): (string | null)[] =>
    new OccurrenceSchedule({ cron, timeZone: zone, disambiguation }).upcoming(Z(fromIso), 3).map((o) => iso(o.at));

  // 02:30 does not exist on 2026-03-08 (02:00 EST jumps to 03:00 EDT).
  it.each<[Disambiguation, string[]]>([
    ['compatible', ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']], // 03:30 EDT
    ['later', ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']], // 03:30 EDT
    ['earlier', ['2026-03-07T07:30:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-09T06:30:00.000Z']], // 01:30 EST
    ['reject', ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']], // none that day
  ])('"30 2 * * *" on the spring-forward day with %s', (rule, expected) => {
    expect(around('30 2 * * *', rule, '2026-03-07T00:00:00Z')).toEqual(expected);
  });

  it('"30 2 * * *" on the fall-back day: 02:30 happens once (after the repeated hour), one occurrence by every rule', () => {
    for (const rule of ['compatible', 'earlier', 'later', 'reject'] as const) {
      expect(around('30 2 * * *', rule, '2026-10-31T00:00:00Z'), rule).toEqual([
        '2026-10-31T06:30:00.000Z', // 02:30 EDT
        '2026-11-01T07:30:00.000Z', // 02:30 EST
        '2026-11-02T07:30:00.000Z',
      ]);
    }
  });

  // 01:30 exists twice on 2026-11-01 (02:00 EDT falls back to 01:00 EST).
  it.each<[Disambiguation, string[]]>([
    ['compatible', ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']], // the first 01:30 (EDT)
    ['earlier', ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']],
    ['later', ['2026-10-31T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']], // the second 01:30 (EST)
    ['reject', ['2026-10-31T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']],
  ])('"30 1 * * *" on the fall-back day with %s: once, never twice', (rule, expected) => {
    expect(around('30 1 * * *', rule, '2026-10-31T00:00:00Z')).toEqual(expected);
  });

  it("differs from croner's own zone handling, which moves 02:30 in the gap to 03:00", () => {
    // Why the pattern is matched on local time and resolved by our rule instead.
    const croner = new Cron('30 2 * * *', { timezone: zone });
    expect(croner.nextRun(new Date(Z('2026-03-07T12:00:00Z')))?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(around('30 2 * * *', 'compatible', '2026-03-07T12:00:00Z')[0]).toBe('2026-03-08T07:30:00.000Z');
  });

  it.each<Disambiguation>(['compatible', 'earlier', 'later', 'reject'])(
    'a pattern every 30 minutes through both changes gives strictly increasing, distinct instants (%s)',
    (rule) => {
      for (const from of ['2026-03-08T04:00:00Z', '2026-11-01T03:00:00Z']) {
        const got = new OccurrenceSchedule({ cron: '*/30 * * * *', timeZone: zone, disambiguation: rule }).upcoming(Z(from), 12).map((o) => o.at);
        for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1] as number);
      }
    },
  );

  it('every 30 minutes through the fall-back hour: the repeated local times occur once', () => {
    const got = new OccurrenceSchedule({ cron: '*/30 * * * *', timeZone: zone }).upcoming(Z('2026-11-01T04:00:00Z'), 6);
    expect(got.map((o) => [o.local, iso(o.at)])).toEqual([
      ['2026-11-01T00:30', '2026-11-01T04:30:00.000Z'],
      ['2026-11-01T01:00', '2026-11-01T05:00:00.000Z'],
      ['2026-11-01T01:30', '2026-11-01T05:30:00.000Z'],
      ['2026-11-01T02:00', '2026-11-01T07:00:00.000Z'], // no second 01:00 and 01:30 (EST)
      ['2026-11-01T02:30', '2026-11-01T07:30:00.000Z'],
      ['2026-11-01T03:00', '2026-11-01T08:00:00.000Z'],
    ]);
  });
});

describe('bounds, skipped dates and the holiday calendar', () => {
  const zone = 'Europe/Berlin';

  it('startAt and endAt are inclusive', () => {
    const startAt = Z('2026-06-01T07:00:00Z'); // Monday 09:00 CEST
    const endAt = Z('2026-06-05T07:00:00Z'); // Friday 09:00 CEST
    const schedule = new OccurrenceSchedule({ cron: '0 9 * * *', timeZone: zone, startAt, endAt });
    expect(all(schedule, 0).map(iso)).toEqual([1, 2, 3, 4, 5].map((d) => `2026-06-0${d}T07:00:00.000Z`));
    expect(schedule.nextAfter(endAt)).toBeNull();
    expect(schedule.previousBefore(startAt)).toBeNull();
    expect(schedule.previousBefore(endAt + 1)).toBe(endAt);
  });

  it('skipDates leave out local dates, read in the series zone', () => {
    // 00:30 Berlin on June 2 is June 1 in UTC: the skipped date is the local one.
    const schedule = new OccurrenceSchedule({ cron: '30 0 * * *', timeZone: zone, skipDates: ['2026-06-02'] });
    expect(schedule.upcoming(Z('2026-05-31T12:00:00Z'), 3).map((o) => [o.localDate, iso(o.at)])).toEqual([
      ['2026-06-01', '2026-05-31T22:30:00.000Z'],
      ['2026-06-03', '2026-06-02T22:30:00.000Z'],
      ['2026-06-04', '2026-06-03T22:30:00.000Z'],
    ]);
  });

  it('the skip callback is asked once per local date and passes over the whole day', () => {
    const asked: string[] = [];
    const holidays = new Set(['2026-12-24', '2026-12-25', '2026-12-26']);
    const schedule = new OccurrenceSchedule(
      { cron: '*/15 9-10 * * *', timeZone: zone },
      {
        skip: (date, timeZone) => {
          asked.push(`${date} ${timeZone}`);
          return holidays.has(date);
        },
      },
    );
    const next = schedule.nextOccurrenceAfter(Z('2026-12-23T12:00:00Z'));
    expect(next?.local).toBe('2026-12-27T09:00');
    expect(asked).toContain('2026-12-24 Europe/Berlin');
    // One question per skipped date, not one per 15-minute match.
    expect(asked.filter((a) => a.startsWith('2026-12-25')).length).toBe(1);
  });

  it('a calendar that skips every date fails with a clear error instead of looping', () => {
    const schedule = new OccurrenceSchedule({ cron: '0 9 * * *', timeZone: zone }, { skip: () => true });
    expect(() => schedule.nextAfter(Z('2026-01-01T00:00:00Z'))).toThrow(new RegExp(`more than ${MAX_CONSECUTIVE_SKIPS} dates in a row`));
  });

  it('a pattern that never matches has no occurrence', () => {
    const feb30 = new OccurrenceSchedule({ cron: '0 9 30 2 *', timeZone: zone });
    expect(feb30.nextAfter(Z('2026-01-01T00:00:00Z'))).toBeNull();
    expect(feb30.previousBefore(Z('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('previousBefore walks back through the same occurrences nextAfter walks forward (any zone, DST days included)', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    const crons = ['0 9 * * MON-FRI', '30 2 * * *', '30 1 * * *', '*/45 1-3 * * *', '0 0 1 * *'];
    const rules: Disambiguation[] = ['compatible', 'earlier', 'later', 'reject'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...crons),
        fc.constantFrom(...rules),
        fc.integer({ min: Z('2026-01-01T00:00:00Z'), max: Z('2027-01-01T00:00:00Z') }),
        (timeZone, cron, disambiguation, from) => {
          const schedule = new OccurrenceSchedule({ cron, timeZone, disambiguation });
          const forward = schedule.upcoming(from, 4).map((o) => o.at);
          for (let i = 1; i < forward.length; i++) {
            expect(forward[i]).toBeGreaterThan(forward[i - 1] as number);
            expect(schedule.previousBefore(forward[i] as number)).toBe(forward[i - 1]);
            expect(schedule.isOccurrence(forward[i] as number)).toBe(true);
            expect(schedule.isOccurrence((forward[i] as number) - 1)).toBe(false);
          }
        },
      ),
      { numRuns: 60, seed: 15 },
    );
  });
});

describe('against a brute-force oracle near DST changes', () => {
  // Each local minute within four days, kept when the predicate matches, resolved by the rule;
  // the answer is the smallest instant after `from`. Slow but obviously right.
  const patterns: [string, (hour: number, minute: number, weekday: number) => boolean][] = [
    ['*/20 1-3 * * *', (h, m) => h >= 1 && h <= 3 && m % 20 === 0],
    ['30 2 * * *', (h, m) => h === 2 && m === 30],
    ['0,30 0-4 * * SUN', (h, m, d) => d === 0 && h <= 4 && (m === 0 || m === 30)],
  ];
  const oracle = (predicate: (h: number, m: number, d: number) => boolean, timeZone: string, rule: Disambiguation, from: number): number | null => {
    const startLocal = Math.floor(from / DAY) * DAY - DAY;
    let best: number | null = null;
    for (let local = startLocal; local < startLocal + 4 * DAY; local += 60_000) {
      const date = new Date(local);
      if (!predicate(date.getUTCHours(), date.getUTCMinutes(), date.getUTCDay())) continue;
      let at: number;
      try {
        at = zonedTimeToUtc(date.toISOString().slice(0, 16), timeZone, rule);
      } catch {
        continue; // reject: no occurrence
      }
      if (at > from && (best === null || at < best)) best = at;
    }
    return best;
  };
  const changes = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T16:00:00Z'];
  const zones = ['America/New_York', 'America/New_York', 'Europe/Berlin', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Sydney'];

  it('nextAfter equals the oracle for instants within hours of each 2026 change (New York, Berlin, Sydney)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: changes.length - 1 }),
        fc.integer({ min: -6 * 60, max: 6 * 60 }),
        fc.integer({ min: 0, max: patterns.length - 1 }),
        fc.constantFrom<Disambiguation>('compatible', 'earlier', 'later', 'reject'),
        (change, minutes, pattern, rule) => {
          const timeZone = zones[change] as string;
          const from = Z(changes[change] as string) + minutes * 60_000;
          const [cron, predicate] = patterns[pattern] as (typeof patterns)[number];
          const got = new OccurrenceSchedule({ cron, timeZone, disambiguation: rule }).nextAfter(from);
          const expected = oracle(predicate, timeZone, rule, from);
          if (expected !== null) expect(iso(got)).toBe(iso(expected));
          else expect(got === null || got > from + 2 * DAY).toBe(true);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('validation', () => {
  it('refuses a bad pattern, zone, skip date or bounds, naming the field', () => {
    expect(() => compileCron('0 9 * *')).toThrow(/^cron must have 5 fields .*got 4/);
    expect(() => compileCron('0 0 9 * * *')).toThrow(/^cron must have 5 fields .*got 6/);
    expect(() => compileCron('')).toThrow(/^cron must be a five-field cron pattern/);
    expect(() => compileCron('0 25 * * *')).toThrow(/^cron /);
    expect(() => new OccurrenceSchedule({ cron: '0 9 * * *', timeZone: 'Mars/Base' })).toThrow(/^timeZone "Mars\/Base"/);
    expect(() => new OccurrenceSchedule({ cron: '0 9 * * *', timeZone: 'UTC', skipDates: ['2026-01-01', '2026-02-30'] })).toThrow(/^skipDates\.1 /);
    expect(() => new OccurrenceSchedule({ cron: '0 9 * * *', timeZone: 'UTC', startAt: 10, endAt: 5 })).toThrow(/^endAt must not be before startAt/);
  });

  it('knows real local dates', () => {
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2026-1-01')).toBe(false);
  });

  it('accepts names and nicknames', () => {
    expect(iso(new OccurrenceSchedule({ cron: '@daily', timeZone: 'Asia/Kolkata' }).nextAfter(Z('2026-06-01T00:00:00Z')))).toBe('2026-06-01T18:30:00.000Z');
    expect(iso(new OccurrenceSchedule({ cron: '0 9 * * SAT', timeZone: 'UTC' }).nextAfter(Z('2026-06-01T00:00:00Z')))).toBe('2026-06-06T09:00:00.000Z');
  });
});

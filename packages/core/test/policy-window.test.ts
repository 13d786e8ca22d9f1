import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEEKDAYS, type CallingWindow, type TimeRange, type Weekday } from '../src/policy/calling-window.js';
import { dailyWindow, tcpa } from '../src/policy/calling-window-presets.js';
import { isInsideWindow, nextWindowOpening, windowCloseAfter } from '../src/policy/window-search.js';

const Z = (iso: string): number => Date.parse(iso);
const MINUTE = 60_000;
const DAY = 86_400_000;
const nineToFive = dailyWindow([{ start: '09:00', end: '17:00' }]);
const weekdays: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

describe('nextWindowOpening across the 2026 DST changes', () => {
  // [zone, local date, UTC instant of 09:00 local that day]; the 20:00-local start the evening
  // before is computed from the previous day's 09:00 (+11 h).
  const cases: [string, string, string][] = [
    ['America/New_York', '2026-03-07', '2026-03-07T14:00:00Z'], // EST, the day before
    ['America/New_York', '2026-03-08', '2026-03-08T13:00:00Z'], // EDT from 03:00 that night
    ['America/New_York', '2026-03-09', '2026-03-09T13:00:00Z'],
    ['America/New_York', '2026-10-31', '2026-10-31T13:00:00Z'], // EDT, the day before
    ['America/New_York', '2026-11-01', '2026-11-01T14:00:00Z'], // EST from 02:00 that night
    ['America/New_York', '2026-11-02', '2026-11-02T14:00:00Z'],
    ['Europe/Berlin', '2026-03-28', '2026-03-28T08:00:00Z'], // CET
    ['Europe/Berlin', '2026-03-29', '2026-03-29T07:00:00Z'], // CEST from 03:00
    ['Europe/Berlin', '2026-03-30', '2026-03-30T07:00:00Z'],
    ['Europe/Berlin', '2026-10-24', '2026-10-24T07:00:00Z'], // CEST
    ['Europe/Berlin', '2026-10-25', '2026-10-25T08:00:00Z'], // CET from 03:00
    ['Europe/Berlin', '2026-10-26', '2026-10-26T08:00:00Z'],
  ];

  it.each(cases)('a daily 09:00 window in %s opens on %s at %s', (zone, _date, expected) => {
    const opening = Z(expected);
    // From the evening before (a night that may contain the change) ...
    const eveningBefore = opening - 13 * 3_600_000;
    expect(isInsideWindow(nineToFive, zone, eveningBefore)).toBe(false);
    expect(nextWindowOpening(nineToFive, zone, eveningBefore)).toBe(opening);
    // ... from one millisecond before, at the opening, and inside.
    expect(nextWindowOpening(nineToFive, zone, opening - 1)).toBe(opening);
    expect(nextWindowOpening(nineToFive, zone, opening)).toBe(opening);
    expect(nextWindowOpening(nineToFive, zone, opening + 3_600_000)).toBe(opening + 3_600_000);
    // It closes at 17:00 local, eight hours later (no change happens during the day).
    expect(windowCloseAfter(nineToFive, zone, opening)).toBe(opening + 8 * 3_600_000);
  });

  it('opens a range that starts inside the spring-forward gap at the first instant after the gap', () => {
    // New York 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00Z.
    const w = dailyWindow([{ start: '02:30', end: '04:00' }]);
    expect(nextWindowOpening(w, 'America/New_York', Z('2026-03-08T05:00:00Z'))).toBe(Z('2026-03-08T07:00:00Z'));
    // Berlin 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z.
    const b = dailyWindow([{ start: '02:00', end: '03:30' }]);
    expect(nextWindowOpening(b, 'Europe/Berlin', Z('2026-03-28T23:00:00Z'))).toBe(Z('2026-03-29T01:00:00Z'));
  });

  it('skips a range that lies wholly inside the gap to the next day', () => {
    const w = dailyWindow([{ start: '02:15', end: '02:45' }]);
    // 2026-03-09 02:15 EDT = 06:15Z
    expect(nextWindowOpening(w, 'America/New_York', Z('2026-03-08T05:00:00Z'))).toBe(Z('2026-03-09T06:15:00Z'));
    expect(isInsideWindow(w, 'America/New_York', Z('2026-03-08T07:00:00Z'))).toBe(false);
  });

  it('opens a range in the fall-back hour both times the hour occurs', () => {
    // New York 2026-11-01: 01:00-02:00 happens at 05:00Z (EDT) and again at 06:00Z (EST).
    const w = dailyWindow([{ start: '01:00', end: '01:45' }]);
    const zone = 'America/New_York';
    expect(nextWindowOpening(w, zone, Z('2026-11-01T04:00:00Z'))).toBe(Z('2026-11-01T05:00:00Z'));
    expect(windowCloseAfter(w, zone, Z('2026-11-01T05:10:00Z'))).toBe(Z('2026-11-01T05:45:00Z'));
    expect(nextWindowOpening(w, zone, Z('2026-11-01T05:45:00Z'))).toBe(Z('2026-11-01T06:00:00Z'));
    expect(windowCloseAfter(w, zone, Z('2026-11-01T06:00:00Z'))).toBe(Z('2026-11-01T06:45:00Z'));
    // The clock jumping back from 01:50 EDT to 01:00 EST re-enters a range that ends at 01:40.
    const v = dailyWindow([{ start: '00:30', end: '01:40' }]);
    expect(nextWindowOpening(v, zone, Z('2026-11-01T05:50:00Z'))).toBe(Z('2026-11-01T06:00:00Z'));
  });
});

describe('nextWindowOpening rules', () => {
  it('TCPA: 23:00 local is dialed at 08:00 the next day', () => {
    // 2026-06-09 23:00 CDT = 2026-06-10T04:00Z; 08:00 CDT = 13:00Z.
    expect(nextWindowOpening(tcpa(), 'America/Chicago', Z('2026-06-10T04:00:00Z'))).toBe(Z('2026-06-10T13:00:00Z'));
    // 2026-11-01 23:00 CST (after the change) = 2026-11-02T05:00Z; 08:00 CST = 14:00Z.
    expect(nextWindowOpening(tcpa(), 'America/Chicago', Z('2026-11-02T05:00:00Z'))).toBe(Z('2026-11-02T14:00:00Z'));
    // 20:59 is inside; 21:00 is not.
    expect(isInsideWindow(tcpa(), 'America/Chicago', Z('2026-06-10T01:59:59Z'))).toBe(true);
    expect(isInsideWindow(tcpa(), 'America/Chicago', Z('2026-06-10T02:00:00Z'))).toBe(false);
    expect(nextWindowOpening(tcpa(), 'America/Chicago', Z('2026-06-10T02:00:00Z'))).toBe(Z('2026-06-10T13:00:00Z'));
  });

  it('handles several ranges a day', () => {
    const w = dailyWindow([{ start: '14:00', end: '18:00' }, { start: '09:00', end: '12:00' }]);
    const zone = 'Europe/Berlin'; // CEST in June: UTC+2
    expect(nextWindowOpening(w, zone, Z('2026-06-10T05:00:00Z'))).toBe(Z('2026-06-10T07:00:00Z')); // 07:00 -> 09:00
    expect(nextWindowOpening(w, zone, Z('2026-06-10T10:30:00Z'))).toBe(Z('2026-06-10T12:00:00Z')); // 12:30 -> 14:00
    expect(nextWindowOpening(w, zone, Z('2026-06-10T16:00:00Z'))).toBe(Z('2026-06-11T07:00:00Z')); // 18:00 -> 09:00 next day
    expect(windowCloseAfter(w, zone, Z('2026-06-10T08:00:00Z'))).toBe(Z('2026-06-10T10:00:00Z'));
  });

  it('merges overlapping ranges and joins ranges that touch across midnight', () => {
    const w: CallingWindow = { mon: [{ start: '09:00', end: '11:00' }, { start: '10:00', end: '12:00' }] };
    expect(windowCloseAfter(w, 'UTC', Z('2026-06-08T09:30:00Z'))).toBe(Z('2026-06-08T12:00:00Z'));
    const night: CallingWindow = { mon: [{ start: '22:00', end: '24:00' }], tue: [{ start: '00:00', end: '06:00' }] };
    expect(windowCloseAfter(night, 'UTC', Z('2026-06-08T23:00:00Z'))).toBe(Z('2026-06-09T06:00:00Z'));
    expect(isInsideWindow(night, 'UTC', Z('2026-06-09T00:00:00Z'))).toBe(true);
    expect(windowCloseAfter(dailyWindow([{ start: '00:00', end: '24:00' }]), 'UTC', 0)).toBeNull();
    expect(windowCloseAfter(nineToFive, 'UTC', Z('2026-06-08T08:00:00Z'))).toBe(Z('2026-06-08T08:00:00Z'));
  });

  it('skips the weekend with a weekday-only window, across the March change', () => {
    const w = dailyWindow([{ start: '09:00', end: '17:00' }], weekdays);
    // Friday 2026-03-06 17:30 EST = 22:30Z -> Monday 2026-03-09 09:00 EDT = 13:00Z
    expect(nextWindowOpening(w, 'America/New_York', Z('2026-03-06T22:30:00Z'))).toBe(Z('2026-03-09T13:00:00Z'));
    // Saturday noon -> Monday
    expect(nextWindowOpening(w, 'America/New_York', Z('2026-03-07T17:00:00Z'))).toBe(Z('2026-03-09T13:00:00Z'));
    // A window on Sunday only, from a Monday: six days ahead.
    const sunday: CallingWindow = { sun: [{ start: '10:00', end: '11:00' }] };
    expect(nextWindowOpening(sunday, 'Europe/Berlin', Z('2026-03-23T12:00:00Z'))).toBe(Z('2026-03-29T08:00:00Z')); // 10:00 CEST
  });

  it('looks a week ahead, and past a week whose only range falls in the gap', () => {
    const mondays: CallingWindow = { mon: [{ start: '09:00', end: '10:00' }] };
    // Monday 2026-06-08 10:00 CEST -> Monday 2026-06-15 09:00 CEST (07:00Z), 6 days 23 hours later.
    expect(nextWindowOpening(mondays, 'Europe/Berlin', Z('2026-06-08T08:00:00Z'))).toBe(Z('2026-06-15T07:00:00Z'));
    // Sundays 02:15-02:45 in New York: 2026-03-08 has no 02:15, so the next opening is 2026-03-15.
    const sundayNights: CallingWindow = { sun: [{ start: '02:15', end: '02:45' }] };
    expect(nextWindowOpening(sundayNights, 'America/New_York', Z('2026-03-07T12:00:00Z'))).toBe(Z('2026-03-15T06:15:00Z'));
  });

  it('uses the local weekday, not the UTC one', () => {
    // Monday 2026-06-08 01:00 in Tokyo is Sunday 16:00Z.
    const mondays: CallingWindow = { mon: [{ start: '00:00', end: '02:00' }] };
    expect(isInsideWindow(mondays, 'Asia/Tokyo', Z('2026-06-07T16:00:00Z'))).toBe(true);
    expect(isInsideWindow(mondays, 'UTC', Z('2026-06-07T16:00:00Z'))).toBe(false);
  });

  it('works in a half-hour zone (Asia/Kolkata) and a 45-minute one (Asia/Kathmandu)', () => {
    // 09:00 IST = 03:30Z; TCPA from 22:00 IST (16:30Z) -> 08:00 IST next day (02:30Z).
    expect(nextWindowOpening(nineToFive, 'Asia/Kolkata', Z('2026-03-08T00:00:00Z'))).toBe(Z('2026-03-08T03:30:00Z'));
    expect(nextWindowOpening(tcpa(), 'Asia/Kolkata', Z('2026-03-08T16:30:00Z'))).toBe(Z('2026-03-09T02:30:00Z'));
    expect(windowCloseAfter(nineToFive, 'Asia/Kolkata', Z('2026-03-08T03:30:00Z'))).toBe(Z('2026-03-08T11:30:00Z'));
    expect(nextWindowOpening(nineToFive, 'Asia/Kathmandu', Z('2026-03-08T00:00:00Z'))).toBe(Z('2026-03-08T03:15:00Z'));
  });

  it('keeps the same UTC opening all year in a zone without DST (Asia/Tokyo)', () => {
    for (const date of ['2026-01-15', '2026-03-08', '2026-03-29', '2026-07-01', '2026-10-25', '2026-11-01']) {
      expect(nextWindowOpening(nineToFive, 'Asia/Tokyo', Z(`${date}T00:00:00Z`) - 12 * 3_600_000)).toBe(Z(`${date}T00:00:00Z`));
    }
  });

  it('returns null for a window without ranges, and reports bad input', () => {
    expect(nextWindowOpening({}, 'UTC', 0)).toBeNull();
    expect(nextWindowOpening({ mon: [] }, 'America/New_York', 0)).toBeNull();
    expect(() => nextWindowOpening({}, 'Not/AZone', 0)).toThrow(/timeZone/);
    expect(() => nextWindowOpening({ tue: [{ start: '9:00', end: '17:00' }] }, 'UTC', 0)).toThrow(/window\.tue\.0\.start/);
    expect(() => nextWindowOpening({ tue: [{ start: '17:00', end: '09:00' }] }, 'UTC', 0)).toThrow(/window\.tue\.0\.end must be after start/);
    expect(() => isInsideWindow({ wed: [{ start: '09:00', end: '24:30' }] }, 'UTC', 0)).toThrow(/window\.wed\.0\.end/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, checked against an independent reading of the wall clock (a separate formatter).

const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
function oracleInside(window: CallingWindow, zone: string, ms: number): boolean {
  let f = oracleFormatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    oracleFormatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).toLowerCase().slice(0, 3) as Weekday;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return (window[day] ?? []).some((r) => hhmm(minute) >= r.start && (r.end === '24:00' || hhmm(minute) < r.end));
}

const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Lord_Howe', 'Australia/Sydney', 'Pacific/Chatham', 'America/Sao_Paulo'];
/** Instants near every 2026 change of these zones, and anywhere in 2026. */
const ANCHORS = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z', '2026-04-05T02:00:00Z', '2026-09-26T14:00:00Z'].map(Z);

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const rangeArb: fc.Arbitrary<TimeRange> = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
  .map(([start, length]) => ({ start: hhmm(start), end: hhmm(Math.min(1440, start + length)) }))
  // Ranges near the DST hours are the interesting ones.
  .chain((r) => fc.oneof(fc.constant(r), fc.constantFrom<TimeRange>({ start: '02:00', end: '03:00' }, { start: '02:30', end: '02:45' }, { start: '01:00', end: '01:45' }, { start: '00:30', end: '01:40' }, { start: '02:15', end: '04:00' }, { start: '22:00', end: '24:00' }, { start: '00:00', end: '00:30' })));
const windowArb: fc.Arbitrary<CallingWindow> = fc
  .tuple(...WEEKDAYS.map(() => fc.option(fc.array(rangeArb, { minLength: 1, maxLength: 3 }), { nil: undefined })))
  .map((days) => Object.fromEntries(WEEKDAYS.flatMap((d, i) => (days[i] === undefined ? [] : [[d, days[i]]]))) as CallingWindow)
  .filter((w) => Object.keys(w).length > 0);
const fromArb = fc.oneof(
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3 * DAY, max: 3 * DAY })).map(([a, d]) => a + d),
  fc.integer({ min: Z('2026-01-01T00:00:00Z'), max: Z('2026-12-31T00:00:00Z') }),
);
/** Minutes scanned for "no earlier instant is inside": two days keeps the test fast. */
const SCAN_LIMIT = 2 * DAY;

describe('properties (minute resolution, against an independent formatter)', () => {
  it('nextWindowOpening(x) is inside, >= x, and nothing between x and it is inside', () => {
    fc.assert(
      fc.property(windowArb, fc.constantFrom(...ZONES), fromArb, (window, zone, from) => {
        const opening = nextWindowOpening(window, zone, from);
        expect(opening).not.toBeNull();
        const at = opening as number;
        expect(at).toBeGreaterThanOrEqual(from);
        expect(oracleInside(window, zone, at)).toBe(true);
        expect(isInsideWindow(window, zone, at)).toBe(true);
        if (at === from) return;
        expect(oracleInside(window, zone, from)).toBe(false);
        expect(oracleInside(window, zone, at - 1000)).toBe(false); // an entry, not the middle of an opening
        for (let m = Math.ceil(from / MINUTE) * MINUTE; m < Math.min(at, from + SCAN_LIMIT); m += MINUTE) {
          if (oracleInside(window, zone, m)) throw new Error(`${new Date(m).toISOString()} is inside, before ${new Date(at).toISOString()}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('windowCloseAfter(x) is outside, >= x, and everything between x and it is inside', () => {
    fc.assert(
      fc.property(windowArb, fc.constantFrom(...ZONES), fromArb, (window, zone, from) => {
        const close = windowCloseAfter(window, zone, from);
        if (close === null) {
          expect(WEEKDAYS.every((d) => (window[d] ?? []).some((r) => r.start === '00:00' && r.end === '24:00'))).toBe(true);
          return;
        }
        expect(close).toBeGreaterThanOrEqual(from);
        expect(oracleInside(window, zone, close)).toBe(false);
        for (let m = Math.ceil(from / MINUTE) * MINUTE; m < Math.min(close, from + SCAN_LIMIT); m += MINUTE) {
          if (!oracleInside(window, zone, m)) throw new Error(`${new Date(m).toISOString()} is outside, before ${new Date(close).toISOString()}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('isInsideWindow agrees with the independent reading', () => {
    fc.assert(
      fc.property(windowArb, fc.constantFrom(...ZONES), fromArb, (window, zone, ms) => {
        expect(isInsideWindow(window, zone, ms)).toBe(oracleInside(window, zone, ms));
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  possibleInstants,
  timeZoneOffsetMs,
  utcToZonedParts,
  zonedTimeToUtc,
  type Disambiguation,
} from '../src/policy/zoned-time.js';

const Z = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

describe('utcToZonedParts', () => {
  it('reads the wall clock on both sides of the 2026 New York changes', () => {
    expect(utcToZonedParts(Z('2026-03-08T06:59:59Z'), 'America/New_York')).toMatchObject({ day: 8, hour: 1, minute: 59, second: 59, weekday: 'sun', offsetMs: -5 * HOUR });
    expect(utcToZonedParts(Z('2026-03-08T07:00:00Z'), 'America/New_York')).toMatchObject({ day: 8, hour: 3, minute: 0, weekday: 'sun', offsetMs: -4 * HOUR });
    expect(utcToZonedParts(Z('2026-11-01T05:59:59Z'), 'America/New_York')).toMatchObject({ hour: 1, minute: 59, offsetMs: -4 * HOUR });
    expect(utcToZonedParts(Z('2026-11-01T06:00:00Z'), 'America/New_York')).toMatchObject({ hour: 1, minute: 0, offsetMs: -5 * HOUR });
  });

  it('reads the wall clock on both sides of the 2026 Berlin changes', () => {
    expect(utcToZonedParts(Z('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toMatchObject({ hour: 1, minute: 59, offsetMs: HOUR });
    expect(utcToZonedParts(Z('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0, offsetMs: 2 * HOUR });
    expect(utcToZonedParts(Z('2026-10-25T00:59:59Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 59, offsetMs: 2 * HOUR });
    expect(utcToZonedParts(Z('2026-10-25T01:00:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 0, offsetMs: HOUR });
  });

  it('gives every field, the weekday and the milliseconds', () => {
    expect(utcToZonedParts(Z('2026-12-31T23:30:15.250Z'), 'Asia/Kolkata')).toEqual({
      year: 2027, month: 1, day: 1, hour: 5, minute: 0, second: 15, millisecond: 250, weekday: 'fri', offsetMs: 5.5 * HOUR,
    });
    expect(utcToZonedParts(Z('2026-07-01T00:00:00Z'), 'Asia/Kathmandu')).toMatchObject({ hour: 5, minute: 45, weekday: 'wed' });
    expect(utcToZonedParts(Z('2026-07-01T00:00:00Z'), 'UTC')).toMatchObject({ hour: 0, offsetMs: 0 });
  });

  it('refuses an unknown zone and an instant that is not a number, naming them', () => {
    expect(() => utcToZonedParts(0, 'Mars/Olympus_Mons')).toThrow(/timeZone "Mars\/Olympus_Mons"/);
    expect(() => utcToZonedParts(Number.NaN, 'UTC')).toThrow(/ms must be a finite epoch ms/);
  });
});

describe('zonedTimeToUtc', () => {
  it('converts ordinary local times with the offset of that day', () => {
    expect(zonedTimeToUtc('2026-03-07T09:00', 'America/New_York')).toBe(Z('2026-03-07T14:00:00Z'));
    expect(zonedTimeToUtc('2026-03-09T09:00', 'America/New_York')).toBe(Z('2026-03-09T13:00:00Z'));
    expect(zonedTimeToUtc({ year: 2026, month: 3, day: 9, hour: 9, minute: 0 }, 'America/New_York')).toBe(Z('2026-03-09T13:00:00Z'));
    expect(zonedTimeToUtc('2026-06-01T09:00:30', 'Asia/Kolkata')).toBe(Z('2026-06-01T03:30:30Z'));
    expect(zonedTimeToUtc('2026-06-01T09:00', 'Asia/Tokyo')).toBe(Z('2026-06-01T00:00:00Z'));
  });

  // The gap: 02:00 -> 03:00 in New York on 2026-03-08, in Berlin on 2026-03-29.
  const gaps: [string, string, Record<Exclude<Disambiguation, 'reject'>, string>][] = [
    ['America/New_York', '2026-03-08T02:30', { compatible: '2026-03-08T07:30:00Z', later: '2026-03-08T07:30:00Z', earlier: '2026-03-08T06:30:00Z' }],
    ['Europe/Berlin', '2026-03-29T02:30', { compatible: '2026-03-29T01:30:00Z', later: '2026-03-29T01:30:00Z', earlier: '2026-03-29T00:30:00Z' }],
  ];
  it.each(gaps)('moves a time in the spring-forward gap in %s by the rule', (zone, local, expected) => {
    expect(possibleInstants(Date.parse(`${local}:00Z`), zone)).toEqual([]);
    for (const [rule, iso] of Object.entries(expected)) {
      expect(zonedTimeToUtc(local, zone, rule as Disambiguation), rule).toBe(Z(iso));
    }
    // compatible = 03:30 local, after the gap by the gap's length
    expect(utcToZonedParts(zonedTimeToUtc(local, zone), zone)).toMatchObject({ hour: 3, minute: 30 });
    expect(utcToZonedParts(zonedTimeToUtc(local, zone, 'earlier'), zone)).toMatchObject({ hour: 1, minute: 30 });
    expect(() => zonedTimeToUtc(local, zone, 'reject')).toThrow(/does not exist/);
  });

  // The overlap: 02:00 -> 01:00 in New York on 2026-11-01, 03:00 -> 02:00 in Berlin on 2026-10-25.
  const overlaps: [string, string, string, string][] = [
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z'],
    ['Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'],
  ];
  it.each(overlaps)('takes the earlier instant of a fall-back overlap in %s by default', (zone, local, first, second) => {
    expect(possibleInstants(Date.parse(`${local}:00Z`), zone)).toEqual([Z(first), Z(second)]);
    expect(zonedTimeToUtc(local, zone)).toBe(Z(first));
    expect(zonedTimeToUtc(local, zone, 'compatible')).toBe(Z(first));
    expect(zonedTimeToUtc(local, zone, 'earlier')).toBe(Z(first));
    expect(zonedTimeToUtc(local, zone, 'later')).toBe(Z(second));
    expect(() => zonedTimeToUtc(local, zone, 'reject')).toThrow(/exists twice/);
  });

  it('round-trips every 105 minutes of 2026 (every quarter hour of the day over a week) in several zones', () => {
    for (const zone of ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham']) {
      for (let ms = Z('2026-01-01T00:00:00Z'); ms < Z('2027-01-01T00:00:00Z'); ms += 105 * 60_000) {
        const p = utcToZonedParts(ms, zone);
        const local = { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
        const offset = timeZoneOffsetMs(ms, zone);
        // In an overlap, `earlier` and `later` between them find the instant we started from.
        const back = [zonedTimeToUtc(local, zone, 'earlier'), zonedTimeToUtc(local, zone, 'later')];
        if (!back.includes(ms)) throw new Error(`${zone} ${new Date(ms).toISOString()} (offset ${offset}) came back as ${back.map((b) => new Date(b).toISOString()).join(', ')}`);
      }
    }
  });

  it('handles the 30-minute DST change of Lord Howe Island', () => {
    // 2026-10-04 02:00 -> 02:30 local (+10:30 -> +11:00)
    expect(zonedTimeToUtc('2026-10-04T02:15', 'Australia/Lord_Howe')).toBe(Z('2026-10-03T15:45:00Z'));
    expect(utcToZonedParts(Z('2026-10-03T15:45:00Z'), 'Australia/Lord_Howe')).toMatchObject({ hour: 2, minute: 45 });
  });

  it('names the field of a bad local date-time', () => {
    expect(() => zonedTimeToUtc('2026-02-29T09:00', 'UTC')).toThrow(/^local\.day must be a whole number from 1 to 28/);
    expect(() => zonedTimeToUtc('2028-02-29T09:00', 'UTC')).not.toThrow();
    expect(() => zonedTimeToUtc('2026-13-01T09:00', 'UTC')).toThrow(/^local\.month/);
    expect(() => zonedTimeToUtc('2026-01-01T24:00', 'UTC')).toThrow(/^local\.hour/);
    expect(() => zonedTimeToUtc('2026-01-01T09:00Z', 'UTC')).toThrow(/^local must be a local date-time/);
    expect(() => zonedTimeToUtc({ year: 2026, month: 1, day: 1, hour: 9, minute: 1.5 }, 'UTC')).toThrow(/^local\.minute/);
    expect(() => zonedTimeToUtc('2026-01-01T09:00', 'Nowhere/Town')).toThrow(/timeZone "Nowhere\/Town"/);
    expect(() => zonedTimeToUtc('2026-01-01T09:00', 'UTC', 'closest' as Disambiguation)).toThrow(/disambiguation must be one of/);
  });

  it('works for years before 100 (where Date.UTC would add 1900)', () => {
    expect(zonedTimeToUtc('0050-06-01T00:00', 'UTC')).toBe(Date.parse('0050-06-01T00:00:00Z'));
  });
});

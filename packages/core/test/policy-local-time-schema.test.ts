import { describe, expect, it } from 'vitest';
import { localTimeInputSchema, scheduleAtSchema } from '../src/policy/local-time-schema.js';

const Z = (iso: string): number => Date.parse(iso);
const issuesOf = (value: unknown): { path: string; message: string }[] => {
  const result = localTimeInputSchema.safeParse(value);
  if (result.success) throw new Error(`expected a failure, got ${result.data}`);
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('localTimeInputSchema', () => {
  it('converts a local time in a zone to epoch ms', () => {
    expect(localTimeInputSchema.parse({ local: '2026-11-01T09:00', timeZone: 'America/Chicago' })).toBe(Z('2026-11-01T15:00:00Z'));
    expect(localTimeInputSchema.parse({ local: '2026-07-01T09:00:30', timeZone: 'America/Chicago' })).toBe(Z('2026-07-01T14:00:30Z'));
  });

  it('follows the documented rule in a gap and an overlap, and the chosen disambiguation', () => {
    expect(localTimeInputSchema.parse({ local: '2026-03-08T02:30', timeZone: 'America/New_York' })).toBe(Z('2026-03-08T07:30:00Z'));
    expect(localTimeInputSchema.parse({ local: '2026-11-01T01:30', timeZone: 'America/New_York' })).toBe(Z('2026-11-01T05:30:00Z'));
    expect(localTimeInputSchema.parse({ local: '2026-11-01T01:30', timeZone: 'America/New_York', disambiguation: 'later' })).toBe(Z('2026-11-01T06:30:00Z'));
    expect(localTimeInputSchema.parse({ local: '2026-03-29T02:30', timeZone: 'Europe/Berlin', disambiguation: 'earlier' })).toBe(Z('2026-03-29T00:30:00Z'));
  });

  it('reports a rejected gap or overlap on `local`', () => {
    expect(issuesOf({ local: '2026-03-29T02:30', timeZone: 'Europe/Berlin', disambiguation: 'reject' })).toEqual([
      { path: 'local', message: expect.stringMatching(/does not exist/) },
    ]);
    expect(issuesOf({ local: '2026-10-25T02:30', timeZone: 'Europe/Berlin', disambiguation: 'reject' })).toEqual([
      { path: 'local', message: expect.stringMatching(/exists twice/) },
    ]);
  });

  it('names the field at fault', () => {
    expect(issuesOf({ local: '2026-04-31T09:00', timeZone: 'UTC' })).toEqual([{ path: 'local', message: 'day must be a whole number from 1 to 30' }]);
    expect(issuesOf({ local: '2026-04-01T09:00+02:00', timeZone: 'UTC' })[0]?.path).toBe('local');
    expect(issuesOf({ local: '2026-04-01T09:00', timeZone: 'Europe/Atlantis' })[0]?.path).toBe('timeZone');
    expect(issuesOf({ local: '2026-04-01T09:00' })[0]?.path).toBe('timeZone');
    expect(issuesOf({ local: '2026-04-01T09:00', timeZone: 'UTC', disambiguation: 'nearest' })[0]?.path).toBe('disambiguation');
    expect(issuesOf({ local: '2026-04-01T09:00', timeZone: 'UTC', tz: 'UTC' })[0]?.message).toMatch(/tz/);
    expect(issuesOf({ local: 202604010900, timeZone: 'UTC' })[0]?.path).toBe('local');
  });
});

describe('scheduleAtSchema', () => {
  const at = (value: unknown) => scheduleAtSchema.safeParse(value);
  it('accepts every time form and a local time, all as epoch ms', () => {
    expect(at('2026-11-01T15:00:00Z').data).toBe(Z('2026-11-01T15:00:00Z'));
    expect(at(Z('2026-11-01T15:00:00Z')).data).toBe(Z('2026-11-01T15:00:00Z'));
    expect(at(new Date(Z('2026-11-01T15:00:00Z'))).data).toBe(Z('2026-11-01T15:00:00Z'));
    expect(at({ local: '2026-11-01T09:00', timeZone: 'America/Chicago' }).data).toBe(Z('2026-11-01T15:00:00Z'));
  });

  it('says what is wrong inside, in one issue', () => {
    const messages = (value: unknown): string[] => at(value).error?.issues.map((i) => i.message) ?? [];
    expect(messages({ local: '2026-02-30T09:00', timeZone: 'America/Chicago' })).toEqual(['local day must be a whole number from 1 to 28']);
    expect(messages({ local: '2026-02-03T09:00', timeZone: 'Moon/Base' })).toEqual(['timeZone must be an IANA time zone name, e.g. America/Chicago']);
    expect(messages('2026-11-01T09:00')).toEqual(['must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-21T10:00:00Z']);
    expect(messages(true)).toEqual(['must be an ISO 8601 date-time with Z or an offset, epoch ms, a Date, or { local, timeZone }']);
  });
});

import type { Weekday } from './calling-window.js';

/**
 * A local wall-clock date and time, with no zone: what a person reads off a clock in the
 * recipient's town. `month` is 1..12; `second` defaults to 0.
 */
export interface LocalDateTime {
  /** 1..9999. */
  readonly year: number;
  /** 1..12. */
  readonly month: number;
  /** 1..31 (checked against the month). */
  readonly day: number;
  /** 0..23. */
  readonly hour: number;
  /** 0..59. */
  readonly minute: number;
  /** 0..59. @default 0 */
  readonly second?: number;
}

/**
 * A local date and time as accepted by `zonedTimeToUtc`: the fields, or the text
 * `YYYY-MM-DDTHH:MM` / `YYYY-MM-DDTHH:MM:SS` (no offset, no `Z`).
 */
export type LocalDateTimeInput = LocalDateTime | string;

/** What `utcToZonedParts` returns: the local wall-clock reading of an instant in a zone. */
export interface ZonedParts {
  /** Local year. */
  readonly year: number;
  /** Local month, 1..12. */
  readonly month: number;
  /** Local day of the month, 1..31. */
  readonly day: number;
  /** Local hour, 0..23. */
  readonly hour: number;
  /** Local minute, 0..59. */
  readonly minute: number;
  /** Local second, 0..59. */
  readonly second: number;
  /** Milliseconds of the instant, 0..999 (no zone has a sub-second offset). */
  readonly millisecond: number;
  /** Local day of the week. */
  readonly weekday: Weekday;
  /** The zone's offset from UTC at that instant, in ms (east positive: `-18_000_000` for EST). */
  readonly offsetMs: number;
}

/**
 * How `zonedTimeToUtc` resolves a local time that does not exist (it falls in the gap of a
 * spring-forward change) or exists twice (it falls in the overlap of a fall-back change). The same
 * values and meanings as Temporal's `disambiguation` option.
 *
 * - `compatible` (the default): a time in a gap moves forward by the length of the gap (02:30 on a
 *   day that jumps from 02:00 to 03:00 becomes 03:30); a time in an overlap takes the earlier of
 *   its two instants (the one still on summer time). This is what `Date`, Temporal and most
 *   calendars do.
 * - `earlier`: a time in a gap moves back by the length of the gap (02:30 becomes 01:30, the
 *   instant just before the jump, read on the old offset); an overlap takes the earlier instant.
 * - `later`: a gap moves forward like `compatible`; an overlap takes the later instant (the one
 *   on standard time).
 * - `reject`: a time in a gap or an overlap throws a `RangeError`.
 */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

/** The values of {@link Disambiguation}. */
export const DISAMBIGUATIONS: readonly Disambiguation[] = ['compatible', 'earlier', 'later', 'reject'];

const DAY_MS = 86_400_000;

/** Earliest instant whose year, in every zone, is at least 1 (the formatter has no year 0). */
const MIN_INSTANT_MS = -62_135_596_800_000 + 2 * DAY_MS;
/** Latest instant a `Date` can hold. */
const MAX_INSTANT_MS = 8.64e15;

const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The `Intl.DateTimeFormat` used to read wall-clock time in `timeZone`, created once per zone
 * name and reused. Throws a `RangeError` naming the zone when the platform does not know it.
 */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (error) {
      throw new RangeError(`timeZone ${JSON.stringify(timeZone)} is not an IANA time zone this platform knows`, { cause: error });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** `M/D/YYYY, HH:MM:SS`, what en-US prints with the options above. */
const EN_US_PATTERN = /^(\d{1,2})\/(\d{1,2})\/(\d{1,4}), (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The wall-clock time of the whole second `secondMs` (a multiple of 1000) in `timeZone`, as
 * epoch ms of the same fields read as UTC ("local ms").
 */
function localMsOfSecond(secondMs: number, timeZone: string): number {
  const formatter = formatterFor(timeZone);
  const date = new Date(secondMs);
  // `format` is about three times faster than `formatToParts`; the parts are the fallback should
  // a future ICU print en-US differently.
  const match = EN_US_PATTERN.exec(formatter.format(date));
  if (match !== null) {
    return fieldsToLocalMs(Number(match[3]), Number(match[1]), Number(match[2]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(date)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return fieldsToLocalMs(fields.year ?? NaN, fields.month ?? NaN, fields.day ?? NaN, fields.hour ?? NaN, fields.minute ?? NaN, fields.second ?? NaN);
}

/** Epoch ms of the given fields read as UTC; correct for years 1..99 too (unlike `Date.UTC`). */
function fieldsToLocalMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function checkInstant(ms: number, field: string): void {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    throw new RangeError(`${field} must be a finite epoch ms between the years 1 and 275760, got ${ms}`);
  }
}

/**
 * The offset of `timeZone` from UTC at the instant `ms`, in milliseconds (east positive:
 * `America/New_York` gives `-18_000_000` in winter and `-14_400_000` in summer).
 */
export function timeZoneOffsetMs(ms: number, timeZone: string): number {
  checkInstant(ms, 'ms');
  const secondMs = Math.floor(ms / 1000) * 1000;
  return localMsOfSecond(secondMs, timeZone) - secondMs;
}

/**
 * The wall-clock reading of the instant `ms` in `timeZone`, as "local ms": epoch ms of those
 * fields read as if they were UTC. Useful for arithmetic on local dates.
 */
export function utcToLocalMs(ms: number, timeZone: string): number {
  return ms + timeZoneOffsetMs(ms, timeZone);
}

/**
 * The local date, time and weekday of the instant `ms` (epoch ms) in `timeZone`, from the
 * platform's `Intl` time-zone data.
 *
 * @example
 * ```ts
 * utcToZonedParts(Date.parse('2026-03-09T13:00:00Z'), 'America/New_York');
 * // { year: 2026, month: 3, day: 9, hour: 9, minute: 0, second: 0, millisecond: 0, weekday: 'mon', offsetMs: -14_400_000 }
 * ```
 */
export function utcToZonedParts(ms: number, timeZone: string): ZonedParts {
  const offsetMs = timeZoneOffsetMs(ms, timeZone);
  const local = new Date(ms + offsetMs);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
    weekday: weekdayOfLocalMs(ms + offsetMs),
    offsetMs,
  };
}

/** The weekday of a "local ms" value (see `utcToLocalMs`). */
export function weekdayOfLocalMs(localMs: number): Weekday {
  return WEEKDAY_BY_UTC_DAY[new Date(localMs).getUTCDay()] as Weekday;
}

/**
 * Every instant whose wall-clock reading in `timeZone` is `localMs` ("local ms", see
 * `utcToLocalMs`), earliest first: one for an ordinary time, two for a time in a fall-back
 * overlap, none for a time in a spring-forward gap. Like Temporal's `getPossibleInstantsFor`.
 */
export function possibleInstants(localMs: number, timeZone: string): number[] {
  checkInstant(localMs, 'localMs');
  // The offsets a day either side cover every offset that can apply to this wall time (as in the
  // Temporal reference implementation); keep those that read back as the same wall time.
  const before = timeZoneOffsetMs(localMs - DAY_MS, timeZone);
  const after = timeZoneOffsetMs(localMs + DAY_MS, timeZone);
  const found: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = localMs - offset;
    if (utcToLocalMs(instant, timeZone) === localMs && !found.includes(instant)) found.push(instant);
  }
  return found.sort((a, b) => a - b);
}

const LOCAL_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** One problem with a local date-time input: the field (`year` ... `second`, or empty) and what is wrong. */
export interface LocalDateTimeIssue {
  /** The field at fault, or `''` for the text as a whole. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
}

/** What `parseLocalDateTime` returns. */
export type LocalDateTimeParseResult =
  | {
      /** The input is a real local date-time. */
      readonly ok: true;
      /** Its fields read as UTC ("local ms", see `utcToLocalMs`). */
      readonly localMs: number;
    }
  | {
      /** The input is not valid. */
      readonly ok: false;
      /** What is wrong, per field. */
      readonly issues: LocalDateTimeIssue[];
    };

/**
 * Checks a local date-time (fields or `YYYY-MM-DDTHH:MM[:SS]` text) and returns its "local ms"
 * (the fields read as UTC), or the problems found.
 */
export function parseLocalDateTime(input: LocalDateTimeInput): LocalDateTimeParseResult {
  let fields: LocalDateTime;
  if (typeof input === 'string') {
    const match = LOCAL_TEXT.exec(input);
    if (match === null) {
      return { ok: false, issues: [{ field: '', message: 'must be a local date-time YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, with no offset or Z' }] };
    }
    fields = {
      year: Number(match[1]),
      month: Number(match[2]),
      day: Number(match[3]),
      hour: Number(match[4]),
      minute: Number(match[5]),
      second: match[6] === undefined ? 0 : Number(match[6]),
    };
  } else if (typeof input === 'object' && input !== null) {
    fields = input;
  } else {
    return { ok: false, issues: [{ field: '', message: 'must be a local date-time text or an object of fields' }] };
  }
  const issues: LocalDateTimeIssue[] = [];
  const check = (field: keyof LocalDateTime, value: unknown, min: number, max: number): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      issues.push({ field, message: `must be a whole number from ${min} to ${max}` });
    }
  };
  check('year', fields.year, 1, 9999);
  check('month', fields.month, 1, 12);
  check('hour', fields.hour, 0, 23);
  check('minute', fields.minute, 0, 59);
  check('second', fields.second ?? 0, 0, 59);
  if (issues.every((i) => i.field !== 'year' && i.field !== 'month')) {
    const daysInMonth = new Date(fieldsToLocalMs(fields.year, fields.month + 1, 0, 0, 0, 0)).getUTCDate();
    check('day', fields.day, 1, daysInMonth);
  } else {
    check('day', fields.day, 1, 31);
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    localMs: fieldsToLocalMs(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second ?? 0),
  };
}

/**
 * Resolves "local ms" (see `utcToLocalMs`) in `timeZone` to one instant by the
 * {@link Disambiguation} rule. Throws a `RangeError` for `reject` when the time is in a gap or an
 * overlap.
 */
export function localMsToUtc(localMs: number, timeZone: string, disambiguation: Disambiguation = 'compatible'): number {
  const instants = possibleInstants(localMs, timeZone);
  if (instants.length === 1) return instants[0] as number;
  if (disambiguation === 'reject') {
    const what = instants.length === 0 ? 'does not exist (it falls in a spring-forward gap)' : 'exists twice (it falls in a fall-back overlap)';
    throw new RangeError(`${new Date(localMs).toISOString().slice(0, 19)} ${what} in ${timeZone}`);
  }
  if (instants.length === 2) {
    return (disambiguation === 'later' ? instants[1] : instants[0]) as number;
  }
  // In a gap: the offset before the change is smaller (east-positive) than the one after it.
  // Read with the offset from before the gap, the wall time lands after the gap, moved forward
  // by the gap's length; read with the offset from after it, it lands before the gap.
  const before = timeZoneOffsetMs(localMs - DAY_MS, timeZone);
  const after = timeZoneOffsetMs(localMs + DAY_MS, timeZone);
  return disambiguation === 'earlier' ? localMs - Math.max(before, after) : localMs - Math.min(before, after);
}

/**
 * The instant (epoch ms) at which the wall clocks of `timeZone` show `local`.
 *
 * A local time that does not exist or exists twice is resolved by `disambiguation` (see
 * {@link Disambiguation}); the default, `compatible`, moves a time in a spring-forward gap
 * forward by the length of the gap and takes the earlier instant of a fall-back overlap.
 *
 * Throws a `RangeError` that names the field for an invalid date or time, an unknown zone, or
 * (with `reject`) a time in a gap or an overlap.
 *
 * @example
 * ```ts
 * zonedTimeToUtc('2026-03-08T02:30', 'America/New_York');           // 07:30Z = 03:30 EDT (gap)
 * zonedTimeToUtc('2026-11-01T01:30', 'America/New_York');           // 05:30Z = 01:30 EDT (overlap)
 * zonedTimeToUtc('2026-11-01T01:30', 'America/New_York', 'later');  // 06:30Z = 01:30 EST
 * ```
 */
export function zonedTimeToUtc(local: LocalDateTimeInput, timeZone: string, disambiguation: Disambiguation = 'compatible'): number {
  const parsed = parseLocalDateTime(local);
  if (!parsed.ok) {
    const issue = parsed.issues[0] as LocalDateTimeIssue;
    throw new RangeError(`local${issue.field === '' ? '' : `.${issue.field}`} ${issue.message}`);
  }
  if (!DISAMBIGUATIONS.includes(disambiguation)) {
    throw new RangeError(`disambiguation must be one of ${DISAMBIGUATIONS.join(', ')}`);
  }
  return localMsToUtc(parsed.localMs, timeZone, disambiguation);
}

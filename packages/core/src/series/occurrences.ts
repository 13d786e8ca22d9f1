import { Cron } from 'croner';
import { isValidTimeZone } from '../schema/policy-schemas.js';
import { localMsToUtc, possibleInstants, timeZoneOffsetMs, utcToLocalMs, type Disambiguation } from '../policy/zoned-time.js';

const DAY_MS = 86_400_000;

/**
 * How far (in local wall-clock time) a search must look either side of the instant `ms`: the
 * spread of the zone's offsets within a day of it. Zero away from a time-zone transition (local
 * time then maps to instants one to one and in order), the size of the change (one hour for most
 * DST) near one. A local match further away than this from the wall time of `ms` cannot resolve
 * to an instant on the other side of `ms`.
 */
function localMarginMs(ms: number, timeZone: string): number {
  const offsets = [timeZoneOffsetMs(ms - DAY_MS, timeZone), timeZoneOffsetMs(ms, timeZone), timeZoneOffsetMs(ms + DAY_MS, timeZone)];
  return Math.max(...offsets) - Math.min(...offsets);
}

/** The most consecutive local dates {@link OccurrenceSchedule} passes over for `skipDates` or `skip` (ten years of days). */
export const MAX_CONSECUTIVE_SKIPS = 3660;

/** The most cron matches one search looks at before it gives up (a guard against a pattern that only matches in DST gaps with `reject`). */
const MAX_MATCHES_PER_SEARCH = 100_000;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A holiday calendar: `true` leaves out every occurrence on the local date `localDate`
 * (`YYYY-MM-DD`, read in the series' zone). Called synchronously, often: keep it fast and pure.
 *
 * @example
 * ```ts
 * const holidays = new Set(['2026-12-25', '2027-01-01']);
 * const skip: SkipDatePredicate = (localDate) => holidays.has(localDate);
 * ```
 */
export type SkipDatePredicate = (localDate: string, timeZone: string) => boolean;

/** The recurrence of a series: which instants are its occurrences. All times are epoch ms. */
export interface OccurrenceRule {
  /**
   * A five-field cron pattern (`minute hour day-of-month month day-of-week`, as croner reads it,
   * names such as `MON-FRI` and nicknames such as `@daily` included), matched against the local
   * wall-clock time of {@link OccurrenceRule.timeZone}.
   */
  readonly cron: string;
  /** The IANA zone whose wall clocks the pattern is read on (the recipient's). */
  readonly timeZone: string;
  /**
   * How a matched local time that does not exist (spring-forward gap) or exists twice (fall-back
   * overlap) becomes an instant; see {@link Disambiguation}. With `reject` such a time is left out
   * (no occurrence that day). @default 'compatible'
   */
  readonly disambiguation?: Disambiguation | undefined;
  /** No occurrence before this instant (inclusive bound). @default no bound */
  readonly startAt?: number | null | undefined;
  /** No occurrence after this instant (inclusive bound). @default no bound */
  readonly endAt?: number | null | undefined;
  /** Local dates (`YYYY-MM-DD` in the series' zone) on which there is no occurrence. @default none */
  readonly skipDates?: readonly string[] | undefined;
}

/** Options of {@link OccurrenceSchedule}. */
export interface OccurrenceScheduleOptions {
  /** A holiday calendar, asked for each local date that has a match. @default none */
  readonly skip?: SkipDatePredicate | undefined;
}

/** One occurrence with its local reading. */
export interface Occurrence {
  /** The instant (epoch ms). */
  readonly at: number;
  /** The matched local wall-clock time `YYYY-MM-DDTHH:MM` in the series' zone (before disambiguation). */
  readonly local: string;
  /** The matched local date `YYYY-MM-DD`: the date `skipDates` and `skip` are asked about. */
  readonly localDate: string;
}

/** `YYYY-MM-DD` of a "local ms" value. */
function localDateOf(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/** Whether `text` is a real calendar date `YYYY-MM-DD`. */
export function isLocalDate(text: string): boolean {
  const match = LOCAL_DATE.exec(text);
  if (match === null) return false;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isFinite(ms) && localDateOf(ms) === text;
}

/**
 * Compiles a five-field cron pattern with croner, matched in UTC so that it reads "local ms"
 * (wall-clock fields read as UTC, see `utcToLocalMs`). Throws a `RangeError` that says what is
 * wrong with the pattern.
 */
export function compileCron(cron: string): Cron {
  if (typeof cron !== 'string' || cron.trim() === '') throw new RangeError('cron must be a five-field cron pattern such as "0 9 * * MON-FRI"');
  const fields = cron.trim().split(/\s+/);
  if (!cron.trim().startsWith('@') && fields.length !== 5) {
    throw new RangeError(`cron must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in ${JSON.stringify(cron.trim())}`);
  }
  try {
    // No callback: croner only computes, it never starts a timer.
    // A zero UTC offset rather than the zone 'Etc/UTC': the same fields, without Intl (ten times faster).
    return new Cron(cron.trim(), { utcOffset: 0, mode: '5-part', domAndDow: false });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw new RangeError(`cron ${message}`, { cause: error });
  }
}

/**
 * The occurrences of a recurring call: a cron pattern read on the wall clocks of an IANA zone,
 * with start and end bounds, skipped local dates and a holiday calendar.
 *
 * How an occurrence is found: croner matches the pattern against local wall-clock time (it never
 * sees the zone), and each matched local time becomes an instant by our own zone rules
 * (`localMsToUtc` with the series' {@link Disambiguation}), the same rule a call's local `at`
 * follows. croner's own zone handling is not used because it differs: it moves a fixed time in a
 * spring-forward gap to the first minute after the gap (02:30 becomes 03:00), where our
 * `compatible` rule moves it by the length of the gap (03:30), like Temporal and `Date`.
 *
 * So on DST days:
 * - a matched time in a gap becomes one instant by the rule (`compatible` and `later`: forward by
 *   the gap's length; `earlier`: back by it; `reject`: no occurrence that day);
 * - a matched time in an overlap becomes one instant, never two (`compatible` and `earlier`: the
 *   first, still on summer time; `later`: the second; `reject`: no occurrence that day);
 * - two matched times that resolve to the same instant give one occurrence. Patterns with several
 *   times an hour therefore do not repeat during a fall-back hour.
 *
 * Instances hold no timers and never read the clock.
 *
 * @example
 * ```ts
 * const weekdays = new OccurrenceSchedule({ cron: '0 9 * * MON-FRI', timeZone: 'America/New_York' });
 * weekdays.nextAfter(Date.parse('2026-03-06T14:00:00Z')); // 2026-03-09T13:00:00Z, Monday 09:00 EDT
 * ```
 */
export class OccurrenceSchedule {
  /** The rule, validated and copied. */
  readonly rule: Readonly<OccurrenceRule>;
  readonly #cron: Cron;
  readonly #disambiguation: Disambiguation;
  readonly #skipDates: ReadonlySet<string>;
  readonly #skip: SkipDatePredicate | undefined;

  /**
   * Validates `rule`; throws a `RangeError` that names the field (`cron`, `timeZone`,
   * `skipDates.3`, `endAt`) for a bad one.
   */
  constructor(rule: OccurrenceRule, options: OccurrenceScheduleOptions = {}) {
    this.#cron = compileCron(rule.cron);
    if (typeof rule.timeZone !== 'string' || !isValidTimeZone(rule.timeZone)) {
      throw new RangeError(`timeZone ${JSON.stringify(rule.timeZone)} is not an IANA time zone this platform knows`);
    }
    const skipDates = rule.skipDates ?? [];
    skipDates.forEach((date, i) => {
      if (!isLocalDate(date)) throw new RangeError(`skipDates.${i} must be a local date YYYY-MM-DD, got ${JSON.stringify(date)}`);
    });
    const startAt = rule.startAt ?? null;
    const endAt = rule.endAt ?? null;
    if (startAt !== null && !Number.isFinite(startAt)) throw new RangeError('startAt must be epoch ms');
    if (endAt !== null && !Number.isFinite(endAt)) throw new RangeError('endAt must be epoch ms');
    if (startAt !== null && endAt !== null && endAt < startAt) throw new RangeError('endAt must not be before startAt');
    this.#disambiguation = rule.disambiguation ?? 'compatible';
    this.#skipDates = new Set(skipDates);
    this.#skip = options.skip;
    this.rule = Object.freeze({
      cron: rule.cron.trim(),
      timeZone: rule.timeZone,
      disambiguation: this.#disambiguation,
      startAt,
      endAt,
      skipDates: Object.freeze([...skipDates]),
    });
  }

  /** The instant of a matched local time by the rule, or `null` when `reject` leaves it out. */
  #resolve(localMs: number): number | null {
    if (this.#disambiguation === 'reject') {
      const instants = possibleInstants(localMs, this.rule.timeZone);
      return instants.length === 1 ? (instants[0] as number) : null;
    }
    return localMsToUtc(localMs, this.rule.timeZone, this.#disambiguation);
  }

  #skipped(localDate: string): boolean {
    return this.#skipDates.has(localDate) || (this.#skip !== undefined && this.#skip(localDate, this.rule.timeZone));
  }

  /** The first cron match strictly after the local time `localMs`, or `null`. */
  #nextMatch(localMs: number): number | null {
    // croner works in whole seconds and returns a match strictly after its reference.
    const next = this.#cron.nextRun(new Date(Math.floor(localMs / 1000) * 1000));
    return next === null ? null : next.getTime();
  }

  /** The last cron match strictly before the local time `localMs`, or `null`. */
  #previousMatch(localMs: number): number | null {
    const reference = Math.ceil(localMs / 1000) * 1000 - 1000;
    const [previous] = this.#cron.previousRuns(1, new Date(reference));
    return previous === undefined ? null : previous.getTime();
  }

  /**
   * The earliest occurrence strictly after `afterMs` (and at or after `startAt`, at or before
   * `endAt`), or `null` when there is none. Throws a `RangeError` when `skipDates` and `skip`
   * leave out more than {@link MAX_CONSECUTIVE_SKIPS} local dates in a row.
   */
  nextAfter(afterMs: number): number | null {
    return this.nextOccurrenceAfter(afterMs)?.at ?? null;
  }

  /** Throws when a search has passed over too many local matches that are no occurrence. */
  #checkSearchLength(seen: number): void {
    if (seen >= MAX_MATCHES_PER_SEARCH) {
      throw new RangeError(`cron ${JSON.stringify(this.rule.cron)} matched ${MAX_MATCHES_PER_SEARCH} local times in a row that are no occurrence`);
    }
  }

  /** Like {@link OccurrenceSchedule.nextAfter}, with the occurrence's local reading. */
  nextOccurrenceAfter(afterMs: number): Occurrence | null {
    const { startAt, endAt, timeZone } = this.rule;
    const threshold = startAt !== null && startAt !== undefined ? Math.max(afterMs, startAt - 1) : afterMs;
    if (endAt !== null && endAt !== undefined && threshold >= endAt) return null;
    const localEnd = endAt === null || endAt === undefined ? Infinity : utcToLocalMs(endAt, timeZone) + localMarginMs(endAt, timeZone);
    let best: Occurrence | null = null;
    let bestLocalLimit = Infinity;
    let skips = 0;
    let local = this.#nextMatch(utcToLocalMs(threshold, timeZone) - localMarginMs(threshold, timeZone) - 1000);
    for (let seen = 0; local !== null; seen++) {
      if (local > bestLocalLimit || local > localEnd) break;
      this.#checkSearchLength(seen);
      const localDate = localDateOf(local);
      if (this.#skipped(localDate)) {
        skips = countSkip(skips, localDate);
        // Pass over the rest of that local day at once.
        local = this.#nextMatch(Math.floor(local / DAY_MS) * DAY_MS + DAY_MS - 1000);
        continue;
      }
      skips = 0;
      const at = this.#resolve(local);
      if (at !== null && at > threshold && (endAt === null || endAt === undefined || at <= endAt) && (best === null || at < best.at)) {
        best = { at, local: new Date(local).toISOString().slice(0, 16), localDate };
        bestLocalLimit = utcToLocalMs(at, timeZone) + localMarginMs(at, timeZone);
      }
      local = this.#nextMatch(local);
    }
    return best;
  }

  /**
   * The latest occurrence strictly before `beforeMs` (and at or after `startAt`, at or before
   * `endAt`), or `null`. Used to find the most recent missed occurrence without walking the
   * whole downtime.
   */
  previousBefore(beforeMs: number): number | null {
    const { startAt, endAt, timeZone } = this.rule;
    const threshold = endAt !== null && endAt !== undefined ? Math.min(beforeMs, endAt + 1) : beforeMs;
    if (startAt !== null && startAt !== undefined && threshold <= startAt) return null;
    const localStart = startAt === null || startAt === undefined ? -Infinity : utcToLocalMs(startAt, timeZone) - localMarginMs(startAt, timeZone);
    let best: number | null = null;
    let bestLocalLimit = -Infinity;
    let skips = 0;
    let local = this.#previousMatch(utcToLocalMs(threshold, timeZone) + localMarginMs(threshold, timeZone) + 1000);
    for (let seen = 0; local !== null; seen++) {
      if (local < bestLocalLimit || local < localStart) break;
      this.#checkSearchLength(seen);
      const localDate = localDateOf(local);
      if (this.#skipped(localDate)) {
        skips = countSkip(skips, localDate);
        local = this.#previousMatch(Math.floor(local / DAY_MS) * DAY_MS);
        continue;
      }
      skips = 0;
      const at = this.#resolve(local);
      if (at !== null && at < threshold && (startAt === null || startAt === undefined || at >= startAt) && (best === null || at > best)) {
        best = at;
        bestLocalLimit = utcToLocalMs(at, timeZone) - localMarginMs(at, timeZone);
      }
      local = this.#previousMatch(local);
    }
    return best;
  }

  /** Whether `ms` is one of the occurrences. */
  isOccurrence(ms: number): boolean {
    return this.nextAfter(ms - 1) === ms;
  }

  /**
   * Up to `limit` occurrences strictly after `afterMs`, earliest first (for previews such as "the
   * next 5 calls"). Never the whole series: `limit` is at most 1000.
   */
  upcoming(afterMs: number, limit: number): Occurrence[] {
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new RangeError('limit must be a whole number from 0 to 1000');
    const found: Occurrence[] = [];
    let cursor = afterMs;
    while (found.length < limit) {
      const next = this.nextOccurrenceAfter(cursor);
      if (next === null) break;
      found.push(next);
      cursor = next.at;
    }
    return found;
  }
}

/** `skips` + 1, for one more left-out date (`localDate`); throws past `MAX_CONSECUTIVE_SKIPS` in a row. */
function countSkip(skips: number, localDate: string): number {
  if (skips + 1 > MAX_CONSECUTIVE_SKIPS) {
    throw new RangeError(`skipDates and skip leave out more than ${MAX_CONSECUTIVE_SKIPS} dates in a row (from ${localDate})`);
  }
  return skips + 1;
}

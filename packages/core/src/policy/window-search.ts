import { WEEKDAYS, type CallingWindow, type Weekday } from './calling-window.js';
import { timeZoneOffsetMs } from './zoned-time.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Offsets are sampled this often to find time-zone transitions (tzdata has none closer together). */
const SAMPLE_MS = 6 * HOUR_MS;
/**
 * How far ahead, in days of instants, a search looks. A weekly window opens within 7 local days;
 * the rest covers a whole week whose only range falls in a spring-forward gap, plus offsets.
 */
const SEARCH_DAYS = 16;

/** The index of each weekday in `Date#getUTCDay()` order (Sunday 0). */
const UTC_DAY_INDEX: Readonly<Record<Weekday, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** A window as sorted, merged `[startMinute, endMinute)` ranges per `getUTCDay()` index. */
interface CompiledWindow {
  readonly days: readonly (readonly (readonly [number, number])[])[];
  /** No range on any day. */
  readonly empty: boolean;
  /** 00:00–24:00 on every day. */
  readonly always: boolean;
}

const HH_MM = /^(\d{2}):(\d{2})$/;

function minuteOf(value: unknown, path: string): number {
  const match = typeof value === 'string' ? HH_MM.exec(value) : null;
  const minutes = match === null ? NaN : Number(match[1]) * 60 + Number(match[2]);
  if (match === null || Number(match[2]) > 59 || minutes > 1440) {
    throw new RangeError(`${path} must be HH:MM from 00:00 to 24:00, got ${JSON.stringify(value)}`);
  }
  return minutes;
}

/** Parses and normalizes a window; throws a `RangeError` naming the bad field. */
function compileWindow(window: CallingWindow): CompiledWindow {
  if (typeof window !== 'object' || window === null) throw new RangeError('window must be an object of weekday ranges');
  const days: [number, number][][] = [[], [], [], [], [], [], []];
  for (const weekday of WEEKDAYS) {
    const ranges = window[weekday];
    if (ranges === undefined) continue;
    if (!Array.isArray(ranges)) throw new RangeError(`window.${weekday} must be a list of { start, end } ranges`);
    const list = days[UTC_DAY_INDEX[weekday]] as [number, number][];
    ranges.forEach((range: unknown, i) => {
      const r = range as { start?: unknown; end?: unknown } | null;
      const start = minuteOf(r?.start, `window.${weekday}.${i}.start`);
      const end = minuteOf(r?.end, `window.${weekday}.${i}.end`);
      if (start >= end) throw new RangeError(`window.${weekday}.${i}.end must be after start (split ranges that cross midnight)`);
      list.push([start, end]);
    });
    list.sort((a, b) => a[0] - b[0]);
    // Merge overlapping and touching ranges.
    for (let i = list.length - 1; i > 0; i--) {
      const previous = list[i - 1] as [number, number];
      const current = list[i] as [number, number];
      if (current[0] <= previous[1]) {
        previous[1] = Math.max(previous[1], current[1]);
        list.splice(i, 1);
      }
    }
  }
  return {
    days,
    empty: days.every((d) => d.length === 0),
    always: days.every((d) => d.length === 1 && d[0]?.[0] === 0 && d[0][1] === 1440),
  };
}

/** Whether the local wall time `localMs` ("local ms": the local fields read as UTC) is in the window. */
function insideLocal(compiled: CompiledWindow, localMs: number): boolean {
  const dayStart = Math.floor(localMs / DAY_MS) * DAY_MS;
  const minute = Math.floor((localMs - dayStart) / MINUTE_MS);
  const ranges = compiled.days[new Date(dayStart).getUTCDay()] ?? [];
  for (const [start, end] of ranges) {
    if (minute < start) return false;
    if (minute < end) return true;
  }
  return false;
}

function insideAt(compiled: CompiledWindow, timeZone: string, ms: number): boolean {
  return insideLocal(compiled, ms + timeZoneOffsetMs(ms, timeZone));
}

/**
 * The first instant at or after `fromMs` where "inside the window" equals `wanted`, or `null` when
 * there is none within the search horizon.
 *
 * "Inside" is a property of the local wall time, which moves continuously except at a time-zone
 * transition. So the state can only change at an instant whose wall time is a range boundary (a
 * start when entering, an end when leaving), or at a transition. The search walks forward one
 * day of instants at a time, collects both kinds of candidate in that day, and returns the
 * earliest one with the wanted state.
 */
function firstInstantWhere(compiled: CompiledWindow, timeZone: string, fromMs: number, wanted: boolean): number | null {
  if (insideAt(compiled, timeZone, fromMs) === wanted) return fromMs;
  let chunkStart = fromMs;
  let startOffset = timeZoneOffsetMs(chunkStart, timeZone);
  for (let chunk = 0; chunk < SEARCH_DAYS; chunk++) {
    const chunkEnd = chunkStart + DAY_MS;
    const candidates: number[] = [];
    // Offsets in [chunkStart, chunkEnd], and the transitions between them.
    const offsets = new Set<number>([startOffset]);
    let sampleAt = chunkStart;
    let sampleOffset = startOffset;
    while (sampleAt < chunkEnd) {
      const nextAt = Math.min(sampleAt + SAMPLE_MS, chunkEnd);
      const nextOffset = timeZoneOffsetMs(nextAt, timeZone);
      if (nextOffset !== sampleOffset) {
        offsets.add(nextOffset);
        candidates.push(firstSecondWithOtherOffset(timeZone, sampleAt, sampleOffset, nextAt));
      }
      sampleAt = nextAt;
      sampleOffset = nextOffset;
    }
    // Instants in this chunk whose wall time is a boundary of a range.
    const minOffset = Math.min(...offsets);
    const maxOffset = Math.max(...offsets);
    const firstLocalDay = Math.floor((chunkStart + minOffset) / DAY_MS) * DAY_MS;
    for (let localDay = firstLocalDay; localDay <= chunkEnd + maxOffset; localDay += DAY_MS) {
      for (const [start, end] of compiled.days[new Date(localDay).getUTCDay()] ?? []) {
        const localMs = localDay + (wanted ? start : end) * MINUTE_MS;
        for (const offset of offsets) {
          const instant = localMs - offset;
          if (instant >= chunkStart && instant < chunkEnd) candidates.push(instant);
        }
      }
    }
    candidates.sort((a, b) => a - b);
    let previous = NaN;
    for (const instant of candidates) {
      if (instant === previous) continue;
      previous = instant;
      if (instant >= fromMs && insideAt(compiled, timeZone, instant) === wanted) return instant;
    }
    chunkStart = chunkEnd;
    startOffset = sampleOffset;
  }
  return null;
}

/**
 * The first whole second in `(fromMs, toMs]` whose offset differs from `fromOffset`, given that
 * the offset at `toMs` does (binary search; transitions happen on whole seconds).
 */
function firstSecondWithOtherOffset(timeZone: string, fromMs: number, fromOffset: number, toMs: number): number {
  let lo = Math.floor(fromMs / 1000);
  let hi = Math.floor(toMs / 1000);
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (timeZoneOffsetMs(mid * 1000, timeZone) === fromOffset) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/**
 * Whether the instant `ms` falls inside `window`, read on the wall clocks of `timeZone`: its local
 * weekday has a range with `start <= local time < end`.
 *
 * Throws a `RangeError` for an unknown zone or a malformed window.
 */
export function isInsideWindow(window: CallingWindow, timeZone: string, ms: number): boolean {
  return insideAt(compileWindow(window), timeZone, ms);
}

/**
 * The first instant at or after `fromMs` inside `window` in `timeZone`: `fromMs` itself when it
 * is already inside, otherwise the next opening. `null` when the window has no range at all.
 *
 * Ranges are local wall-clock times, so a 09:00 opening is 09:00 local on both sides of a DST
 * change (14:00Z in New York winter, 13:00Z in summer). A range that starts inside a
 * spring-forward gap opens at the first instant after the gap (a 02:30–04:00 range opens at 03:00
 * on a day that jumps from 02:00 to 03:00; a range wholly in the gap does not open that day). On a
 * fall-back day, local times in the repeated hour are inside the window both times they occur.
 *
 * The search looks at most 16 days ahead; it returns `null` if nothing opens in that time, which
 * only an empty window can cause.
 *
 * @example
 * ```ts
 * const at = nextWindowOpening(tcpa(), 'America/Chicago', Date.parse('2026-11-02T05:00:00Z')); // 23:00 CST
 * new Date(at!).toISOString(); // '2026-11-02T14:00:00.000Z', 08:00 CST the next morning
 * ```
 */
export function nextWindowOpening(window: CallingWindow, timeZone: string, fromMs: number): number | null {
  const compiled = compileWindow(window);
  if (compiled.empty) {
    timeZoneOffsetMs(fromMs, timeZone); // still report a bad zone or instant
    return null;
  }
  return firstInstantWhere(compiled, timeZone, fromMs, true);
}

/**
 * The first instant at or after `fromMs` outside `window` in `timeZone`: `fromMs` itself when it
 * is outside, otherwise the instant the current opening closes. `null` when the window never
 * closes (00:00–24:00 every day). Ranges that touch across midnight (`22:00–24:00` on Monday and
 * `00:00–06:00` on Tuesday) count as one opening.
 */
export function windowCloseAfter(window: CallingWindow, timeZone: string, fromMs: number): number | null {
  const compiled = compileWindow(window);
  if (compiled.always) {
    timeZoneOffsetMs(fromMs, timeZone);
    return null;
  }
  return firstInstantWhere(compiled, timeZone, fromMs, false);
}

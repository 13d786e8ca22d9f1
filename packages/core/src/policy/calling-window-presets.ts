import { WEEKDAYS, type CallingWindow, type TimeRange, type Weekday } from './calling-window.js';

/**
 * A window with the same `ranges` on each of `days` (every day unless given).
 *
 * @example
 * ```ts
 * const businessHours = dailyWindow([{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }], ['mon', 'tue', 'wed', 'thu', 'fri']);
 * ```
 */
export function dailyWindow(ranges: readonly TimeRange[], days: readonly Weekday[] = WEEKDAYS): CallingWindow {
  const frozenRanges = Object.freeze(ranges.map((r) => Object.freeze({ start: r.start, end: r.end })));
  return Object.freeze(Object.fromEntries(days.map((day) => [day, frozenRanges])));
}

/**
 * The calling hours of the US Telephone Consumer Protection Act: 08:00 to 21:00 every day, in the
 * recipient's local time. Pair it with the recipient's `timeZone`. This is the federal rule only;
 * some states allow fewer hours or days, so check the rules that apply to you.
 */
export function tcpa(): CallingWindow {
  return dailyWindow([{ start: '08:00', end: '21:00' }]);
}

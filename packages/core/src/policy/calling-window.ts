/** A day of the week, in the recipient's time zone. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The weekdays, Monday first. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * A range of local wall-clock time, `HH:MM` 24-hour. `start` is included, `end` is excluded;
 * `end` may be `24:00`. A range never crosses midnight: split it into two days instead.
 */
export interface TimeRange {
  /** First allowed minute, e.g. `09:00`. */
  readonly start: string;
  /** First minute no longer allowed, e.g. `17:30`, or `24:00` for the end of the day. */
  readonly end: string;
}

/**
 * Allowed local calling hours per weekday, in the call's `timeZone`. A day that is missing or has
 * no ranges allows no calls. Several ranges a day are allowed.
 *
 * @example
 * ```ts
 * const businessHours: CallingWindow = {
 *   mon: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }],
 *   tue: [{ start: '09:00', end: '18:00' }],
 * };
 * ```
 */
export type CallingWindow = { readonly [D in Weekday]?: readonly TimeRange[] };

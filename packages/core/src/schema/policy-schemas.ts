import { z } from 'zod';
import { WEEKDAYS, type CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';

/** Whether the platform's `Intl` data knows `timeZone` (IANA name such as `America/Chicago`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name known to the platform. */
export const timeZoneSchema = z
  .string({ message: 'must be an IANA time zone name' })
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: 'must be an IANA time zone name, e.g. America/Chicago' });

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A `{ start, end }` range of local time, `HH:MM`, start before end. */
export const timeRangeSchema = z
  .object({
    /** First allowed minute, `HH:MM`. */
    start: z.string().regex(HH_MM, { message: 'must be HH:MM (00:00 to 23:59)' }),
    /** First minute no longer allowed, `HH:MM` (up to `24:00`). */
    end: z.string().regex(HH_MM, { message: 'must be HH:MM (00:01 to 24:00)' }),
  })
  .strict()
  .refine((r) => minutesOf(r.start) < minutesOf(r.end), {
    message: 'start must be before end (split ranges that cross midnight)',
    path: ['end'],
  });

/** A {@link CallingWindow}: weekday keys (`mon` ... `sun`) to lists of time ranges. */
export const callingWindowSchema: z.ZodType<CallingWindow> = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(timeRangeSchema).max(24).optional()])))
  .strict()
  .refine((w) => Object.values(w).some((ranges) => Array.isArray(ranges) && ranges.length > 0), {
    message: 'must allow at least one time range',
  });

const ONE_YEAR_MS = 366 * 24 * 3600 * 1000;

/** The retry rule for one outcome. */
export const outcomeRetrySchema = z
  .object({
    /** Delay before each retry, in ms; the last one repeats. */
    delaysMs: z.array(z.number().int().min(0).max(ONE_YEAR_MS)).min(1).max(100),
    /** The most attempts in all, the first dial included. */
    maxAttempts: z.number().int().min(1).max(100),
  })
  .strict();

/** A {@link RetryPolicy}. */
export const retryPolicySchema: z.ZodType<RetryPolicy> = z
  .object({
    busy: outcomeRetrySchema.optional(),
    'no-answer': outcomeRetrySchema.optional(),
    failed: outcomeRetrySchema.optional(),
    unknown: outcomeRetrySchema.optional(),
  })
  .strict() as unknown as z.ZodType<RetryPolicy>;

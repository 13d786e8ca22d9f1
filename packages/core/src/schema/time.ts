import { z } from 'zod';

/**
 * A time the library accepts: a `Date`, epoch milliseconds, or an ISO 8601 string with a `Z` or an
 * offset (a string without one would depend on the server's zone, so it is refused).
 */
export type TimeInput = Date | number | string;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The last millisecond of the year 9999: later instants have no RFC 3339 form (a 6-digit year). */
export const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Validates and converts an ISO 8601 string (with `Z` or offset) or epoch ms to epoch ms. */
export const jsonTimeSchema = z
  .union([
    z.string().regex(ISO_WITH_OFFSET, {
      message: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-21T10:00:00Z',
    }),
    z
      .number()
      .int({ message: 'must be whole milliseconds since the epoch' })
      .min(0, { message: 'must not be before 1970' })
      .max(MAX_EPOCH_MS, { message: 'must be before the year 10000' }),
  ])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'is not a real date-time' });
      return z.NEVER;
    }
    if (ms < 0 || ms > MAX_EPOCH_MS) {
      ctx.addIssue({ code: 'custom', message: ms < 0 ? 'must not be before 1970' : 'must be before the year 10000' });
      return z.NEVER;
    }
    return ms;
  });

/** Like {@link jsonTimeSchema}, and also accepts a valid `Date`. */
export const timeInputSchema = z.union([
  z
    .date({ message: 'must be a valid Date' })
    .refine((d) => d.getTime() >= 0, { message: 'must not be before 1970' })
    .refine((d) => d.getTime() <= MAX_EPOCH_MS, { message: 'must be before the year 10000' })
    .transform((d) => d.getTime()),
  jsonTimeSchema,
]);

/** Converts a {@link TimeInput} to epoch ms, or throws a `TypeError` naming `field`. */
export function toEpochMs(value: TimeInput, field = 'time'): number {
  const parsed = timeInputSchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`${field} ${parsed.error.issues[0]?.message ?? 'is not a valid time'}`);
  return parsed.data;
}

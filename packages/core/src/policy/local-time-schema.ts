import { z } from 'zod';
import { isValidTimeZone, timeZoneSchema } from '../schema/policy-schemas.js';
import { jsonTimeSchema, timeInputSchema, type TimeInput } from '../schema/time.js';
import { DISAMBIGUATIONS, localMsToUtc, parseLocalDateTime, type Disambiguation } from './zoned-time.js';

/**
 * A time given as the wall-clock time of a place: `local` is `YYYY-MM-DDTHH:MM` or
 * `YYYY-MM-DDTHH:MM:SS` with no offset, read in `timeZone`.
 *
 * A local time that does not exist (spring forward) or exists twice (fall back) is resolved by
 * `disambiguation` (see {@link Disambiguation}); by default a time in a gap moves forward by the
 * length of the gap (02:30 on a 02:00→03:00 day is dialed at 03:30) and a time in an overlap
 * takes the earlier instant (01:30 on a 02:00→01:00 day is the first 01:30, still on summer time).
 *
 * @example
 * ```ts
 * await scheduler.schedule({ to: '+13125550123', at: { local: '2026-11-01T09:00', timeZone: 'America/Chicago' } });
 * ```
 */
export interface LocalTimeInput {
  /** Local date and time, `YYYY-MM-DDTHH:MM[:SS]`, no offset. */
  readonly local: string;
  /** The IANA time zone whose clocks `local` is read on. */
  readonly timeZone: string;
  /** How a time in a DST gap or overlap is resolved. @default 'compatible' */
  readonly disambiguation?: Disambiguation | undefined;
}

/**
 * The zod schema of {@link LocalTimeInput}: validates it and converts it to epoch ms. Issues name
 * the field (`local`, `timeZone`, `disambiguation`); with `disambiguation: 'reject'` a time in a
 * gap or an overlap is an issue on `local`.
 */
export const localTimeInputSchema: z.ZodType<number, LocalTimeInput> = z
  .object({
    local: z.string({ message: 'must be a local date-time text YYYY-MM-DDTHH:MM' }).max(32),
    timeZone: timeZoneSchema,
    disambiguation: z
      .enum(DISAMBIGUATIONS as [Disambiguation, ...Disambiguation[]], {
        message: `must be one of ${DISAMBIGUATIONS.join(', ')}`,
      })
      .optional(),
  })
  .strict()
  .transform((input, ctx) => {
    const parsed = parseLocalDateTime(input.local);
    if (!parsed.ok) {
      for (const issue of parsed.issues) {
        ctx.addIssue({
          code: 'custom',
          path: ['local'],
          message: issue.field === '' ? issue.message : `${issue.field} ${issue.message}`,
        });
      }
      return z.NEVER;
    }
    try {
      return localMsToUtc(parsed.localMs, input.timeZone, input.disambiguation ?? 'compatible');
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['local'], message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });

/** Leaf messages of a zod union's branch issues, nested unions flattened, type mismatches skipped. */
function leafMessages(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => leafMessages(branch));
    if (issue.code === 'invalid_type') return [];
    return [issue.path.length === 0 ? issue.message : `${issue.path.join('.')} ${issue.message}`];
  });
}

const AT_HELP = 'must be an ISO 8601 date-time with Z or an offset, epoch ms, a Date, or { local, timeZone }';

/** A union of an instant schema and {@link localTimeInputSchema} whose one issue names what is wrong inside. */
function withLocalTime<I>(instant: z.ZodType<number, I>): z.ZodType<number, I | LocalTimeInput> {
  return z.union([instant, localTimeInputSchema], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const input: unknown = issue.input;
      const isLocal = typeof input === 'object' && input !== null && !(input instanceof Date);
      const branch = (isLocal ? issue.errors[1] : issue.errors[0]) ?? [];
      const messages = leafMessages(branch);
      return messages.length > 0 ? messages.join('; ') : AT_HELP;
    },
  });
}

/**
 * The `at` of a call: a time as {@link timeInputSchema} accepts it, or a {@link LocalTimeInput}
 * (`{ local: '2026-11-01T09:00', timeZone: 'America/Chicago' }`); both become epoch ms. Its one
 * issue names what is wrong inside, e.g. `local day must be a whole number from 1 to 28`.
 */
export const scheduleAtSchema: z.ZodType<number, Date | number | string | LocalTimeInput> = withLocalTime(timeInputSchema);

/**
 * {@link scheduleAtSchema} for JSON (HTTP bodies): an ISO 8601 string with `Z` or an offset,
 * epoch ms, or a {@link LocalTimeInput}; no `Date`. Representable in OpenAPI.
 */
export const jsonScheduleAtSchema: z.ZodType<number, number | string | LocalTimeInput> = withLocalTime(jsonTimeSchema);

/** A time as `at` accepts it: an instant ({@link TimeInput}) or a local wall-clock time ({@link LocalTimeInput}). */
export type CallTimeInput = TimeInput | LocalTimeInput;

/**
 * The `timeZone` of `at` when it is a {@link LocalTimeInput} with a zone the platform knows;
 * otherwise `undefined`. A call scheduled with a local `at` and no `timeZone` of its own takes
 * this zone (so that its calling window is read in the same place as its time).
 */
export function localTimeZoneOf(at: unknown): string | undefined {
  if (typeof at !== 'object' || at === null || at instanceof Date || Array.isArray(at)) return undefined;
  const zone = (at as { readonly timeZone?: unknown }).timeZone;
  return typeof zone === 'string' && isValidTimeZone(zone) ? zone : undefined;
}

/**
 * For a call's input object (`schedule`'s input, an HTTP body): when it has no `timeZone` and its
 * `at` is a local time, a copy with `timeZone` set to `at.timeZone`; otherwise `value` itself.
 * Meant as a zod `preprocess` step.
 */
export function withTimeZoneFromLocalAt(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const input = value as { readonly timeZone?: unknown; readonly at?: unknown };
  if (input.timeZone !== undefined) return value;
  const zone = localTimeZoneOf(input.at);
  return zone === undefined ? value : { ...input, timeZone: zone };
}

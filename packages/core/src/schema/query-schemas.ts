import { z } from 'zod';
import { CALL_STATUSES, type CallStatus } from '../call/call-status.js';
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { scheduleAtSchema, type CallTimeInput } from '../policy/local-time-schema.js';
import { phoneNumberSchema } from './phone-number.js';
import { callingWindowSchema, retryPolicySchema, timeZoneSchema } from './policy-schemas.js';
import { metadataSchema } from './schedule-input.js';
import { timeInputSchema, type TimeInput } from './time.js';

/** Query of `CallScheduler.list`. */
export interface ListCallsQuery {
  /** One status or several. */
  status?: CallStatus | readonly CallStatus[];
  /** Only calls to this number (normalized to E.164 first). */
  to?: string;
  /** Only calls with `at` at or after this time. */
  from?: TimeInput;
  /** Only calls with `at` before this time. */
  until?: TimeInput;
  /** Page size, 1 to 1000. @default 50 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** By creation: `desc` is newest first. @default 'desc' */
  order?: 'asc' | 'desc';
  /** Only the occurrence calls of this series (`CallScheduler.scheduleSeries`). */
  seriesId?: string;
}

/** One {@link CallStatus}; an unknown word is refused with the list of allowed ones. */
const statusSchema = z.enum(CALL_STATUSES, { message: `must be one of ${CALL_STATUSES.join(', ')}` });

/** The zod schema of {@link ListCallsQuery} (normalizes `status` to an array and times to epoch ms). */
export const listCallsQuerySchema = z
  .object({
    /** One status or several, normalized to a list. */
    status: z
      .union([statusSchema, z.array(statusSchema).min(1)])
      .transform((s): CallStatus[] => (Array.isArray(s) ? [...new Set(s)] : [s]))
      .optional(),
    /** A number, normalized to E.164. */
    to: phoneNumberSchema.optional(),
    /** `at` at or after this time, as epoch ms. */
    from: timeInputSchema.optional(),
    /** `at` before this time, as epoch ms. */
    until: timeInputSchema.optional(),
    /** Page size, 1 to 1000 (default 50). */
    limit: z.number().int().min(1).max(1000).default(50),
    /** The `nextCursor` of the previous page. */
    cursor: z.string().max(512).nullable().optional(),
    /** `desc` (default) or `asc`, by creation. */
    order: z.enum(['asc', 'desc']).default('desc'),
    /** Only the occurrence calls of this series. */
    seriesId: z.string({ message: 'must be a series id' }).min(1, { message: 'must be a series id' }).max(128, { message: 'must be at most 128 characters' }).optional(),
  })
  .strict()
  .refine((q) => q.from === undefined || q.until === undefined || q.from < q.until, {
    message: 'must be after from',
    path: ['until'],
  });

/** What `CallScheduler.reschedule` accepts besides a bare time. `null` clears a field. */
export interface RescheduleInput {
  /**
   * New time of the call: an instant or a local time `{ local, timeZone }` (see
   * `ScheduleCallInput.at`). The call's dial time is snapped into its window again. A local `at`
   * gives a call that has no zone (and gets none in this change) the zone of `at`.
   */
  at?: CallTimeInput;
  /** New time zone, or `null` to clear it. */
  timeZone?: string | null;
  /** New window, or `null` to clear it. */
  window?: CallingWindow | null;
  /** New expiry, or `null` to clear it. */
  expiresAt?: TimeInput | null;
  /** New retry policy, or `null` for the scheduler's default. */
  retry?: RetryPolicy | null;
  /** New metadata, or `null` to clear it. */
  metadata?: JsonObject | null;
}

/** The zod schema of {@link RescheduleInput}; at least one field is required. */
export const rescheduleInputSchema = z
  .object({
    /** New time: an instant or a local time. */
    at: scheduleAtSchema.optional(),
    /** New IANA time zone, or `null`. */
    timeZone: timeZoneSchema.nullable().optional(),
    /** New calling window, or `null`. */
    window: callingWindowSchema.nullable().optional(),
    /** New expiry, or `null`. */
    expiresAt: timeInputSchema.nullable().optional(),
    /** New retry policy, or `null`. */
    retry: retryPolicySchema.nullable().optional(),
    /** New metadata, or `null`. */
    metadata: (metadataSchema as z.ZodType<JsonObject>).nullable().optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'must change at least one field' });

// Re-exported for convenience of adapters that build HTTP schemas.
export { statusSchema as callStatusSchema };

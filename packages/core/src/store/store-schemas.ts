import { z } from 'zod';
import { CALL_STATUSES, TERMINAL_CALL_STATUSES, type CallStatus } from '../call/call-status.js';

/*
 * The one set of argument checks for every CallStore, run by the runtime guard
 * (`GuardedCallStore`) before a driver sees the arguments. A store never repeats them, so every
 * store refuses the same bad input with the same `INVALID_INPUT` issues (field path, message,
 * rule). They cover the arguments a caller other than the scheduler may build (queries, claims,
 * retention); the writes the scheduler builds from inputs it has already parsed (`insertCalls`,
 * `updateCall`) are not parsed again on the hot path.
 */

const TERMINAL = [...TERMINAL_CALL_STATUSES] as [CallStatus, ...CallStatus[]];

/** One terminal status (the statuses retention may delete), with the one message for any other word. */
export const terminalStatusSchema = z.enum(TERMINAL, { message: `must be a terminal status: one of ${TERMINAL.join(', ')}` });

const finiteMs = z.number().refine(Number.isFinite, { message: 'must be a finite number of epoch ms' });

/** A page size: a whole number from 1 to 1000. */
export const pageLimitSchema = z.number().int({ message: 'must be a whole number' }).min(1).max(1000);

/** `CallStore.listCalls`'s query ({@link CallListQuery}). The cursor's content is checked by the store's decoder. */
export const callListQuerySchema = z.object({
  statuses: z.array(z.enum(CALL_STATUSES)).optional(),
  to: z.string().optional(),
  atFrom: finiteMs.optional(),
  atUntil: finiteMs.optional(),
  seriesId: z.string().min(1).optional(),
  limit: pageLimitSchema,
  cursor: z.string().nullable(),
  order: z.enum(['asc', 'desc']),
});

/** `CallStore.listEvents`'s query ({@link EventListQuery}). The cursor's content is checked by the store's decoder. */
export const eventListQuerySchema = z.object({
  after: z.string().nullable(),
  limit: pageLimitSchema,
  callId: z.string().optional(),
});

/** The options of `CallStore.claimDueCalls` and `claimExpiredLeases` ({@link ClaimOptions}). */
export const claimOptionsSchema = z.object({
  now: finiteMs,
  limit: z.number().int({ message: 'must be a whole number' }).min(0),
  owner: z.string().min(1),
  leaseExpiresAt: finiteMs,
  dueBy: finiteMs.optional(),
  onePerNumber: z.boolean().optional(),
}).refine((o) => o.dueBy === undefined || o.dueBy >= o.now, { message: 'must not be before now', path: ['dueBy'] });

/** `CallStore.countAttempts`'s query. */
export const countAttemptsQuerySchema = z.object({
  to: z.string(),
  since: finiteMs,
});

/** The options of `CallStore.purgeCalls` (and of `CallScheduler.purge` once times are epoch ms). */
export const purgeOptionsSchema = z.object({
  endedBefore: finiteMs,
  limit: z.number().int({ message: 'must be a whole number' }).min(1),
  statuses: z.array(terminalStatusSchema).optional(),
});

/** The options of a store that takes none yet: an empty object (any key is refused, naming it). */
export const noOptionsSchema = z.strictObject({});

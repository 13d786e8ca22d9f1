import { CALL_SERIES_STATUSES, CALL_STATUSES, callingWindowSchema, retryPolicySchema } from '@call-scheduler/core';
import { z } from 'zod';

const time = z.iso.datetime({ offset: false });
const jsonObject = z.record(z.string(), z.json());

/** Why a call or an attempt failed. */
export const callErrorSchema = z.object({
  /** A stable code, e.g. `PROVIDER_REJECTED`. */
  code: z.string().describe('A stable code, e.g. `PROVIDER_REJECTED`.'),
  /** For a person. */
  message: z.string().describe('For a person.'),
});

/** A call as the HTTP API returns it (times as ISO 8601 UTC strings). */
export const callSchema = z.object({
  /** Stable id (a time-ordered UUID v7). */
  id: z.string().describe('Stable id (a time-ordered UUID v7).'),
  /** The number to dial, E.164. */
  to: z.string().describe('The number to dial, E.164.'),
  /** Current status. */
  status: z.enum(CALL_STATUSES),
  /** When the call was asked to happen. */
  at: time.describe('When the call was asked to happen.'),
  /** When the next attempt is due, while `scheduled`. */
  nextAttemptAt: time.nullable().describe('When the next attempt is due, while `scheduled`.'),
  /** The recipient's IANA time zone, or `null`. */
  timeZone: z.string().nullable(),
  /** Allowed local calling hours, or `null`. */
  window: callingWindowSchema.nullable(),
  /** No dial at or after this time, or `null`. */
  expiresAt: time.nullable(),
  /** The call's retry policy, or `null` for the scheduler's default. */
  retry: retryPolicySchema.nullable(),
  /** The key that de-duplicates scheduling, or `null`. */
  idempotencyKey: z.string().nullable(),
  /** Your data, as given. */
  metadata: jsonObject.nullable(),
  /** How many attempts (dials) were started. */
  attemptCount: z.number().int().min(0),
  /** The provider's id for the current or last attempt, or `null`. */
  providerCallId: z.string().nullable(),
  /** Why the call failed, expired or was last retried, or `null`. */
  error: callErrorSchema.nullable(),
  /** When the call was scheduled. */
  createdAt: time,
  /** When anything about the call last changed. */
  updatedAt: time,
  /** When the call reached a terminal status, or `null`. */
  endedAt: time.nullable(),
});

/** One dial of a call. */
export const callAttemptSchema = z.object({
  /** 1 for the first attempt, then 2, 3, ... */
  number: z.number().int().min(1),
  /** The attempt's last status. */
  status: z.enum(CALL_STATUSES),
  /** The provider's id for this dial, or `null`. */
  providerCallId: z.string().nullable(),
  /** The provider's last status word, as it said it. */
  providerStatus: z.string().nullable(),
  /** When the call was claimed for this attempt. */
  startedAt: time,
  /** When the attempt ended, or `null`. */
  endedAt: time.nullable(),
  /** Talk time reported by the provider, in seconds, or `null`. */
  durationSeconds: z.number().nullable(),
  /** The id of the scheduler (host) that claimed and dialed this attempt, or `null` for attempts stored before it was recorded. */
  schedulerId: z.string().nullable(),
  /** Why the attempt failed, or `null`. */
  error: callErrorSchema.nullable(),
});

/** One entry of a call's history. */
export const callEventSchema = z.object({
  /** Strictly increasing across all calls; the SSE event id. */
  id: z.number().int().describe('Unique across all calls, increasing in insert order (not necessarily in commit order).'),
  /** The event log position just after this event: the SSE event id, to resume with `Last-Event-ID`. */
  cursor: z.string().describe('The event log position just after this event: the SSE event id, to resume with `Last-Event-ID`.'),
  /** The call this event belongs to. */
  callId: z.string(),
  /** What happened. */
  type: z.enum(['scheduled', 'rescheduled', 'dispatching', 'status', 'retrying', 'recovered', 'completed', 'failed', 'canceled', 'expired']),
  /** When it happened. */
  at: time,
  /** The attempt it belongs to, or `null`. */
  attempt: z.number().int().nullable(),
  /** The call's status after the event. */
  status: z.enum(CALL_STATUSES),
  /** For `status` events, the provider's word as received. */
  providerStatus: z.string().nullable(),
  /** Details, e.g. `{ nextAttemptAt }` for `retrying`. */
  data: jsonObject.nullable(),
});

/** A call with its attempts and events (`GET /calls/{id}`). */
export const callWithHistorySchema = callSchema.extend({
  /** Every attempt, oldest first. */
  attempts: z.array(callAttemptSchema),
  /** Every event, oldest first. */
  events: z.array(callEventSchema),
});

/** A page of calls (`GET /calls`). */
export const callPageSchema = z.object({
  /** The calls of this page. */
  items: z.array(callSchema),
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; `null` on the last page.'),
});

/** The `data` of a Server-Sent Event on `GET /events`. */
export const callEventMessageSchema = z
  .object({
    /** The call after the change (for replayed events: as it is now, or null if gone). */
    call: callSchema.nullable().describe('The call after the change (for replayed events: as it is now, or null if gone).'),
    /** The stored history event; its `id` is the SSE id. */
    event: callEventSchema,
    /** True for events replayed from history after a `Last-Event-ID`. */
    replayed: z.boolean().optional().describe('True for events replayed from history after a `Last-Event-ID`.'),
  })
  .catchall(z.json())
  .describe('Live events also carry the extras of the scheduler event (attempt, previousStatus, providerStatus, error, outcome, nextAttemptAt).');

/** `GET /health`. */
export const healthSchema = z.looseObject({
  /** The scheduler's lifecycle state (`idle`, `running`, `stopping`, `stopped`). */
  state: z.string(),
  /** Whether the store answered. */
  store: z.enum(['ok', 'error']),
  /** Calls this scheduler follows now. */
  liveCalls: z.number().int().min(0),
  /** Provider requests in flight. */
  inFlightRequests: z.number().int().min(0),
  /** When the store next needs a scheduler, or `null`. */
  nextWakeUpAt: time.nullable(),
  /** The store's error message, when it did not answer. */
  error: z.string().optional(),
  /** How late the oldest overdue call is, in ms, when the scheduler reports it (`health.maxOverdueMs` compares with it). */
  oldestOverdueMs: z
    .number()
    .min(0)
    .nullable()
    .optional()
    .describe('How late the oldest overdue call is, in ms, when the scheduler reports it (`health.maxOverdueMs` compares with it).'),
}).describe('What `scheduler.health()` reports, passed through: further fields may appear.');

/** The answer of `POST /calls/purge`. */
export const purgeResultSchema = z.object({
  /** How many calls were deleted. */
  deleted: z.number().int().min(0).describe('How many calls were deleted.'),
});

/** One problem with one field. */
export const fieldProblemSchema = z.object({
  /** Dotted path; `query.` and `headers.` prefixes outside the body; empty for the whole body. */
  path: z.string().describe('Dotted path; `query.` and `headers.` prefixes outside the body; empty for the whole body.'),
  /** What is wrong, for a person. */
  message: z.string(),
  /** The rule that failed, e.g. `invalid_type`. */
  rule: z.string().describe('The rule that failed, e.g. `invalid_type`.'),
});

/** An RFC 9457 problem (`application/problem+json`). */
export const problemSchema = z.object({
  /** `urn:call-scheduler:problem:<code>`. */
  type: z.string().describe('`urn:call-scheduler:problem:<code>`.'),
  /** A short summary of the kind of problem. */
  title: z.string(),
  /** The HTTP status code. */
  status: z.number().int().min(400).max(599),
  /** What went wrong this time, for a person. */
  detail: z.string(),
  /** The request path this problem is about. */
  instance: z.string(),
  /** A stable code, e.g. `INVALID_INPUT`, `CALL_NOT_FOUND`, `INVALID_STATE`, `NOT_FOUND`. */
  code: z.string().describe('A stable code, e.g. `INVALID_INPUT`, `CALL_NOT_FOUND`, `INVALID_STATE`, `NOT_FOUND`.'),
  /** Per-field problems, for `INVALID_INPUT`. */
  errors: z.array(fieldProblemSchema).optional(),
  /** For `INVALID_STATE`: the call (or series) status when the request was refused. */
  currentStatus: z
    .enum([...CALL_STATUSES, ...CALL_SERIES_STATUSES])
    .optional()
    .describe('For `INVALID_STATE`: the call (or series) status when the request was refused.'),
  /** The call the problem is about, when there is one. */
  callId: z.string().optional(),
});

/** A call as JSON. */
export type CallJson = z.output<typeof callSchema>;
/** A call with history as JSON. */
export type CallWithHistoryJson = z.output<typeof callWithHistorySchema>;
/** An event as JSON. */
export type CallEventJson = z.output<typeof callEventSchema>;
/** A health answer as JSON. */
export type HealthJson = z.output<typeof healthSchema>;

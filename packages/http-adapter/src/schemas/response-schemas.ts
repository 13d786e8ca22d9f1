import { CALL_STATUSES, callingWindowSchema, retryPolicySchema } from '@call-scheduler/core';
import { z } from 'zod';

const time = z.iso.datetime({ offset: false });
const jsonObject = z.record(z.string(), z.json());

/** Why a call or an attempt failed. */
export const callErrorSchema = z.object({
  code: z.string().describe('A stable code, e.g. `PROVIDER_REJECTED`.'),
  message: z.string().describe('For a person.'),
});

/** A call as the HTTP API returns it (times as ISO 8601 UTC strings). */
export const callSchema = z.object({
  id: z.string().describe('Stable id (a time-ordered UUID v7).'),
  to: z.string().describe('The number to dial, E.164.'),
  status: z.enum(CALL_STATUSES),
  at: time.describe('When the call was asked to happen.'),
  nextAttemptAt: time.nullable().describe('When the next attempt is due, while `scheduled`.'),
  timeZone: z.string().nullable(),
  window: callingWindowSchema.nullable(),
  expiresAt: time.nullable(),
  retry: retryPolicySchema.nullable(),
  idempotencyKey: z.string().nullable(),
  metadata: jsonObject.nullable(),
  attemptCount: z.number().int().min(0),
  providerCallId: z.string().nullable(),
  error: callErrorSchema.nullable(),
  createdAt: time,
  updatedAt: time,
  endedAt: time.nullable(),
});

/** One dial of a call. */
export const callAttemptSchema = z.object({
  number: z.number().int().min(1),
  status: z.enum(CALL_STATUSES),
  providerCallId: z.string().nullable(),
  providerStatus: z.string().nullable(),
  startedAt: time,
  endedAt: time.nullable(),
  durationSeconds: z.number().nullable(),
  error: callErrorSchema.nullable(),
});

/** One entry of a call's history. */
export const callEventSchema = z.object({
  id: z.number().int().describe('Strictly increasing across all calls; the SSE event id.'),
  callId: z.string(),
  type: z.enum(['scheduled', 'rescheduled', 'dispatching', 'status', 'retrying', 'recovered', 'completed', 'failed', 'canceled', 'expired']),
  at: time,
  attempt: z.number().int().nullable(),
  status: z.enum(CALL_STATUSES),
  providerStatus: z.string().nullable(),
  data: jsonObject.nullable(),
});

/** A call with its attempts and events (`GET /calls/{id}`). */
export const callWithHistorySchema = callSchema.extend({
  attempts: z.array(callAttemptSchema),
  events: z.array(callEventSchema),
});

/** A page of calls (`GET /calls`). */
export const callPageSchema = z.object({
  items: z.array(callSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; `null` on the last page.'),
});

/** The `data` of a Server-Sent Event on `GET /events`. */
export const callEventMessageSchema = z
  .object({
    call: callSchema.nullable().describe('The call after the change (for replayed events: as it is now, or null if gone).'),
    event: callEventSchema,
    replayed: z.boolean().optional().describe('True for events replayed from history after a `Last-Event-ID`.'),
  })
  .catchall(z.json())
  .describe('Live events also carry the extras of the scheduler event (attempt, previousStatus, providerStatus, error, outcome, nextAttemptAt).');

/** `GET /health`. */
export const healthSchema = z.object({
  state: z.string(),
  store: z.enum(['ok', 'error']),
  liveCalls: z.number().int().min(0),
  inFlightRequests: z.number().int().min(0),
  nextWakeUpAt: time.nullable(),
  error: z.string().optional(),
});

/** One problem with one field. */
export const fieldProblemSchema = z.object({
  path: z.string().describe('Dotted path; `query.` and `headers.` prefixes outside the body; empty for the whole body.'),
  message: z.string(),
  rule: z.string().describe('The rule that failed, e.g. `invalid_type`.'),
});

/** An RFC 9457 problem (`application/problem+json`). */
export const problemSchema = z.object({
  type: z.string().describe('`urn:call-scheduler:problem:<code>`.'),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string(),
  code: z.string().describe('A stable code, e.g. `INVALID_INPUT`, `CALL_NOT_FOUND`, `INVALID_STATE`, `NOT_FOUND`.'),
  errors: z.array(fieldProblemSchema).optional(),
  currentStatus: z.enum(CALL_STATUSES).optional().describe('For `INVALID_STATE`: the call status when the request was refused.'),
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

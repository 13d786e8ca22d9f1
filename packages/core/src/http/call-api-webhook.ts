import { z } from 'zod';
import { parseInput } from '../schema/schedule-input.js';
import { callApiCallSchema } from './call-api-schemas.js';

/**
 * A provider's status push, ready for `scheduler.handleProviderStatus(update)`: the provider's
 * call id, its status word as sent (the scheduler normalizes it and never moves a call
 * backwards), and the talk time once the call has ended.
 */
export interface CallApiStatusUpdate {
  /** The provider's id of the call. */
  readonly providerCallId: string;
  /** The status word as the provider sent it, e.g. `ringing` or `no-answer`. */
  readonly status: string;
  /** Talk time in seconds, or `null` when the push does not say. */
  readonly durationSeconds: number | null;
}

const statusWord = z.string({ message: 'must be a status string' }).trim().min(1, { message: 'must not be empty' });
const callId = z.string({ message: 'must be the provider call id string' }).trim().min(1, { message: 'must not be empty' });
const seconds = z
  .union([
    z.number().min(0),
    z
      .string()
      .regex(/^\s*\d+(?:\.\d+)?\s*$/, { message: 'must be a number of seconds' })
      .transform(Number),
  ], { message: 'must be a number of seconds or null' })
  .nullable()
  .optional();

/** `{ call: CALL }`: the same body as a status read. */
const wrappedCall = z.looseObject({
  /** The call, as a status read returns it. */
  call: callApiCallSchema,
});

/** `{ id | call_id, status, duration? }`: a flat push in the Call API's vocabulary. */
const flatPush = z
  .looseObject({
    /** The provider's id of the call. */
    id: callId.optional(),
    /** The provider's id of the call, under another name. */
    call_id: callId.optional(),
    /** The status word. */
    status: statusWord,
    /** Talk time in seconds, or `null`. */
    duration: seconds,
  })
  .superRefine((value, ctx) => {
    if (value.id === undefined && value.call_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'is required (or call_id)' });
    }
  });

/** Twilio's status callback (form fields parsed into an object): `CallSid`, `CallStatus`, `CallDuration`. */
const twilioPush = z.looseObject({
  /** Twilio's id of the call. */
  CallSid: callId,
  /** Twilio's status word. */
  CallStatus: statusWord,
  /** Talk time in seconds, once the call has ended. */
  CallDuration: seconds,
});

/** `{ providerCallId, status, durationSeconds? }`: a `ProviderStatusUpdate` as the library names it. */
const updatePush = z.looseObject({
  /** The provider's id of the call. */
  providerCallId: callId,
  /** The status word. */
  status: statusWord,
  /** Talk time in seconds, or `null`. */
  durationSeconds: seconds,
});

/**
 * Every shape a provider's status push may take, as one schema for documentation (the HTTP
 * adapter's OpenAPI document): `{ call: CALL }`, a flat `{ id | call_id, status, duration? }`,
 * `{ providerCallId, status, durationSeconds? }`, or Twilio's status callback fields. Parse with
 * {@link callApiWebhookSchema} or {@link parseCallApiWebhook}, which tell the shapes apart by their keys.
 */
export const callApiWebhookBodySchema = z.union([wrappedCall, twilioPush, updatePush, flatPush]);

/**
 * Validates a provider's status push. Accepts `{ call: CALL }`, a flat `{ id | call_id, status,
 * duration? }`, `{ providerCallId, status, durationSeconds? }` (the shape of
 * `ProviderStatusUpdate`), or Twilio's status callback fields (`CallSid`, `CallStatus`,
 * `CallDuration`, as JSON or form fields parsed into an object).
 */
export const callApiWebhookSchema = z
  .unknown()
  .transform((value, ctx): CallApiStatusUpdate => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
    const record = value as Record<string, unknown>;
    const fail = (error: z.ZodError): never => {
      for (const issue of error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    };
    if ('call' in record) {
      const parsed = wrappedCall.safeParse(value);
      if (!parsed.success) return fail(parsed.error);
      const call = parsed.data.call;
      return { providerCallId: call.id, status: call.status, durationSeconds: call.duration ?? null };
    }
    if ('CallSid' in record || 'CallStatus' in record) {
      const parsed = twilioPush.safeParse(value);
      if (!parsed.success) return fail(parsed.error);
      return { providerCallId: parsed.data.CallSid, status: parsed.data.CallStatus, durationSeconds: parsed.data.CallDuration ?? null };
    }
    if ('providerCallId' in record) {
      const parsed = updatePush.safeParse(value);
      if (!parsed.success) return fail(parsed.error);
      return { providerCallId: parsed.data.providerCallId, status: parsed.data.status, durationSeconds: parsed.data.durationSeconds ?? null };
    }
    const parsed = flatPush.safeParse(value);
    if (!parsed.success) return fail(parsed.error);
    return {
      providerCallId: parsed.data.id ?? parsed.data.call_id ?? '',
      status: parsed.data.status,
      durationSeconds: parsed.data.duration ?? null,
    };
  });

/**
 * Validates a provider's status push and returns it in the shape
 * `scheduler.handleProviderStatus()` takes.
 *
 * @throws CallSchedulerError `INVALID_INPUT` whose issues name each field at fault.
 * @example
 * ```ts
 * app.post('/webhooks/call-status', express.json(), async (req, res) => {
 *   const call = await scheduler.handleProviderStatus(parseCallApiWebhook(req.body));
 *   res.sendStatus(call === undefined ? 404 : 204);
 * });
 * ```
 */
export function parseCallApiWebhook(body: unknown): CallApiStatusUpdate {
  return parseInput(callApiWebhookSchema, body, 'provider status push');
}

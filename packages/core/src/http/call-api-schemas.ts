import { z } from 'zod';

/** A CALL object of the Call API, as {@link callApiCallSchema} reads it. */
export interface CallApiCall {
  /** The provider's id of the call (a UUID v4 on the reference server). */
  readonly id: string;
  /** The status word, e.g. `initiated`, `ringing`, `connected`, `completed`, or Twilio's words. */
  readonly status: string;
  /** Talk time in seconds once the call has ended, `null` (or absent) before. */
  readonly duration?: number | null | undefined;
  /** Other fields (`phone_number`, `created_at`, `updated_at`, a provider's extras), not interpreted. */
  readonly [field: string]: unknown;
}

/** The body of a successful `POST /api/call` or `GET /api/call/{id}`. */
export interface CallApiCallResponse {
  /** `true` on the reference server. */
  readonly success?: boolean | undefined;
  /** The call. */
  readonly call: CallApiCall;
  /** Other fields, not interpreted. */
  readonly [field: string]: unknown;
}

/**
 * A CALL object of the Call API (see the project's `docs/call-api.md`): `id` and `status` are required,
 * `duration` is seconds or `null`; other fields are kept but not interpreted.
 */
export const callApiCallSchema: z.ZodType<CallApiCall> = z.looseObject({
  id: z.string({ message: 'must be the provider call id string' }).min(1, { message: 'must not be empty' }),
  status: z.string({ message: 'must be a status string' }),
  duration: z.number({ message: 'must be seconds or null' }).min(0, { message: 'must not be negative' }).nullable().optional(),
});

/** The body of a successful `POST /api/call` or `GET /api/call/{id}`: `{ success, call }`. */
export const callApiCallResponseSchema: z.ZodType<CallApiCallResponse> = z.looseObject({
  success: z.boolean().optional(),
  call: callApiCallSchema,
});

import { z } from 'zod';

/**
 * A CALL object of the Call API (see the project's `CALL-API.md`): `id` and `status` are required,
 * `duration` is seconds or `null`; other fields (`phone_number`, `created_at`, `updated_at`, or a
 * provider's extras) are kept but not interpreted.
 */
export const callApiCallSchema = z.looseObject({
  id: z.string({ message: 'must be the provider call id string' }).min(1, { message: 'must not be empty' }),
  status: z.string({ message: 'must be a status string' }),
  duration: z.number({ message: 'must be seconds or null' }).min(0, { message: 'must not be negative' }).nullable().optional(),
});

/** A CALL object of the Call API, as parsed by {@link callApiCallSchema}. */
export type CallApiCall = z.output<typeof callApiCallSchema>;

/** The body of a successful `POST /api/call` or `GET /api/call/{id}`: `{ success, call }`. */
export const callApiCallResponseSchema = z.looseObject({
  success: z.boolean().optional(),
  call: callApiCallSchema,
});

/**
 * What the bare routes answer: a call of the same shape and size as the router's
 * `GET /calls/:id` of a just-scheduled call (one `scheduled` event), so that both serialize a
 * similar body.
 */
export const BARE_CALL = Object.freeze({
  id: '019a8f3c-5e2b-7c41-8a3e-2f6d9b1c4e7a',
  to: '+14155550123',
  status: 'scheduled',
  at: '2026-11-22T10:00:00.000Z',
  dueAt: '2026-11-22T10:00:00.000Z',
  timeZone: null,
  window: null,
  expiresAt: null,
  retry: null,
  idempotencyKey: null,
  metadata: null,
  attemptCount: 0,
  providerCallId: null,
  providerStatus: null,
  error: null,
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
  endedAt: null,
  attempts: [],
  events: [
    { id: 1, callId: '019a8f3c-5e2b-7c41-8a3e-2f6d9b1c4e7a', type: 'scheduled', at: '2026-11-21T10:00:00.000Z', attempt: null, status: 'scheduled', providerStatus: null, data: { at: '2026-11-22T10:00:00.000Z' } },
  ],
});

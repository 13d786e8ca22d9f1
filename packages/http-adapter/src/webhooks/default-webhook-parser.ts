import { CallSchedulerError, ErrorCode, isCallSchedulerError, type ProviderStatusUpdate } from '@call-scheduler/core';
import { parseCallApiWebhook } from '@call-scheduler/core/http';

/** The keys that name the provider's call in one of the accepted shapes. */
const ID_KEYS = ['providerCallId', 'id', 'call_id', 'call', 'CallSid'] as const;

/**
 * The webhook route's default parser: core's `parseCallApiWebhook` (the one parser of status
 * pushes: `{ providerCallId, status, durationSeconds? }`, `{ call: CALL }`, `{ id | call_id,
 * status, duration? }`, Twilio's fields). Only its error is adapted to the HTTP API: a body that
 * names the call in none of the accepted ways is told that `providerCallId` (the API's own name)
 * is required, beside whatever else is wrong.
 */
export function parseWebhookBody(body: unknown): ProviderStatusUpdate {
  try {
    return parseCallApiWebhook(body);
  } catch (error) {
    if (!isCallSchedulerError(error) || error.code !== ErrorCode.INVALID_INPUT) throw error;
    if (typeof body !== 'object' || body === null || ID_KEYS.some((key) => key in body)) throw error;
    const issues = [
      { path: 'providerCallId', message: 'is required (or id, call_id, call, CallSid)', rule: 'required' },
      ...error.issues.filter((issue) => issue.path !== 'id'),
    ];
    throw new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid status report: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, {
      issues,
      cause: error,
    });
  }
}

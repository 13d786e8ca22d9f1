import { ErrorCode, type Call, type CallScheduler } from '@call-scheduler/core';

/** Sends every call whose dial may or may not have happened to a person (or a queue) to decide. */
export function reviewUnknownOutcomes(scheduler: CallScheduler, review: (call: Call, message: string) => void): void {
  scheduler.on('call:failed', ({ call, error }) => {
    if (error.code === ErrorCode.DISPATCH_OUTCOME_UNKNOWN) review(call, error.message);
  });
}

/** After checking with the provider (or the person called) that no call went out: dial again, as a new call. */
export async function redial(scheduler: CallScheduler, callId: string): Promise<Call> {
  const call = await scheduler.get(callId);
  if (call?.error?.code !== ErrorCode.DISPATCH_OUTCOME_UNKNOWN) throw new Error(`Call ${callId} did not end with an unknown outcome`);
  return scheduler.schedule({
    to: call.to,
    idempotencyKey: `redial:${call.id}`, // a second click does not dial a third time
    metadata: { ...call.metadata, redialOf: call.id },
  });
}

import type { CallScheduler } from '@call-scheduler/core';

/** Prints a call's history: one line per stored event, oldest first. */
export async function printTimeline(scheduler: CallScheduler, callId: string): Promise<void> {
  const call = await scheduler.get(callId);
  if (call === undefined) throw new Error(`No call ${callId}`);
  console.log(`${call.to}: ${call.status} after ${call.attemptCount} attempt(s)`);
  for (const event of call.events) {
    const provider = event.providerStatus === null ? '' : ` (provider said "${event.providerStatus}")`;
    console.log(`${event.at.toISOString()}  #${event.id}  attempt ${event.attempt ?? '-'}  ${event.type} -> ${event.status}${provider}`);
  }
  for (const attempt of call.attempts) {
    console.log(`attempt ${attempt.number}: ${attempt.status}, ${attempt.durationSeconds ?? 0} s talk time, ${attempt.error?.code ?? 'no error'}`);
  }
}

/** Follows every call as it moves, e.g. to update your own records. */
export function followCalls(scheduler: CallScheduler): void {
  scheduler.on('call:dispatching', ({ call, attempt }) => console.log(`${call.id}: dialing, attempt ${attempt}`));
  scheduler.on('call:status', ({ call, previousStatus, status, providerStatus }) => {
    if (status === previousStatus) console.log(`${call.id}: provider said "${providerStatus}", which moves nothing`);
    else console.log(`${call.id}: ${previousStatus} -> ${status}`);
  });
  scheduler.on('call:retrying', ({ call, outcome, nextAttemptAt }) => console.log(`${call.id}: ${outcome}, next attempt at ${nextAttemptAt.toISOString()}`));
  scheduler.on('call:completed', ({ call }) => console.log(`${call.id}: completed`));
  scheduler.on('call:failed', ({ call, error }) => console.log(`${call.id}: ${call.status} (${error.code}: ${error.message})`));
  scheduler.on('call:expired', ({ call }) => console.log(`${call.id}: expired unplaced`));
}

/**
 * Test-only: what a promise rejects with, for tests that look at the error. Each helper takes the
 * promise or a function that starts it (a synchronous throw counts as a rejection) and fails the
 * test when it resolves instead.
 */
import { isCallSchedulerError, isProviderError } from '@call-scheduler/core';
import type { CallSchedulerError, ProviderError } from '@call-scheduler/core';

/** A promise, or a function that returns one. */
export type Rejecting = Promise<unknown> | (() => Promise<unknown>);

/** What `run` rejects with; throws when it resolves. */
export async function rejectionOf(run: Rejecting): Promise<unknown> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The {@link CallSchedulerError} `run` rejects with; any other error is thrown on. */
export async function schedulerErrorOf(run: Rejecting): Promise<CallSchedulerError> {
  const error = await rejectionOf(run);
  if (isCallSchedulerError(error)) return error;
  throw error;
}

/** The {@link ProviderError} `run` rejects with; any other error fails the test. */
export async function providerErrorOf(run: Rejecting): Promise<ProviderError> {
  const error = await rejectionOf(run);
  if (isProviderError(error)) return error;
  throw new Error(`expected a ProviderError, got ${String(error)}`, { cause: error });
}

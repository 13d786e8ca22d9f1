/**
 * Test-only support: the per-call check of the store packages' crash tests without provider
 * de-duplication (the same rule whatever the store).
 */
import { expect } from 'vitest';

/** A call as a crash test reads it back from the store. */
export interface CrashCall {
  readonly id: string;
  readonly status: string;
  readonly error_code: string | null;
  readonly provider_call_id: string | null;
  readonly attempt_count: number;
}

/** How the calls of a crash run without de-duplication ended. */
export interface CrashSummary {
  /** Completed, on exactly one dial. */
  completed: number;
  /** Failed with DISPATCH_OUTCOME_UNKNOWN; the provider had started it. */
  unknownDialed: number;
  /** Failed with DISPATCH_OUTCOME_UNKNOWN; the provider had not started it. */
  unknownNotDialed: number;
}

/**
 * Asserts that `call` (dialed `dials` times) ended as it may after SIGKILLs without provider
 * de-duplication: dialed at most once, completed on its one dial or failed with
 * DISPATCH_OUTCOME_UNKNOWN, after one attempt; counts it in `summary`.
 */
export function expectEndedWithoutDuplicate(call: CrashCall, dials: readonly { readonly provider_call_id: string }[], seed: number, summary: CrashSummary): void {
  expect(dials.length, `call ${call.id} dialed ${dials.length} times (seed ${seed})`).toBeLessThanOrEqual(1);
  if (call.status === 'completed') {
    summary.completed += 1;
    expect(dials).toHaveLength(1);
    expect(call.provider_call_id).toBe(dials[0]?.provider_call_id);
  } else {
    // The only other end: the process died between the claim and recording the provider's
    // answer, so whether it rang is unknown and it is not dialed again.
    expect([call.status, call.error_code]).toEqual(['failed', 'DISPATCH_OUTCOME_UNKNOWN']);
    if (dials.length === 1) summary.unknownDialed += 1;
    else summary.unknownNotDialed += 1;
  }
  expect(call.attempt_count).toBe(1);
}

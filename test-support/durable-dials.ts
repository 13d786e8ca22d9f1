/**
 * Test-only support: what the store packages' DurableRecordingProvider fixtures share, whatever
 * they record their dials in (a SQLite file, PostgreSQL tables).
 */
import type { PlaceCallRequest, ProviderCallInfo } from '@call-scheduler/core';

/** One call the provider started (one phone ringing), as the verifying test reads it back. */
export interface DialRow {
  readonly provider_call_id: string;
  readonly call_id: string;
  readonly attempt: number;
  readonly idempotency_key: string;
  readonly pid: number;
  /** Epoch ms (PostgreSQL's `bigint` arrives as a decimal string). */
  readonly dialed_at: number | string;
}

/** Timing of the fake calls, in real time. */
export interface DialTiming {
  /** A call rings from 0 to `ringMs`, is connected until `endMs`, then completed. */
  readonly ringMs: number;
  /** See `ringMs`. */
  readonly endMs: number;
}

/** The dial this process makes for `request` at `now` (a fresh provider call id). */
export function newDial(request: PlaceCallRequest, now: number): DialRow {
  return {
    provider_call_id: `pc-${request.callId}-${request.attempt}-${process.pid}-${now}-${Math.random().toString(36).slice(2, 8)}`,
    call_id: request.callId,
    attempt: request.attempt,
    idempotency_key: request.idempotencyKey,
    pid: process.pid,
    dialed_at: now,
  };
}

/** What the provider answers about `dial` at `now`: ringing, then connected, then completed. */
export function dialInfo(dial: DialRow, now: number, timing: DialTiming): ProviderCallInfo {
  const age = now - Number(dial.dialed_at);
  const status = age < timing.ringMs ? 'ringing' : age < timing.endMs ? 'connected' : 'completed';
  return {
    providerCallId: dial.provider_call_id,
    status,
    rawStatus: status,
    durationSeconds: status === 'completed' ? (timing.endMs - timing.ringMs) / 1000 : null,
  };
}

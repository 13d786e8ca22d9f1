// Owns: the state of one call this scheduler holds a lease on (claimed, being dialed, or live and
// followed), and the named transitions that change it. Code elsewhere reads a TrackedCall's fields
// but changes them only through the functions here.
import type { CallStatus } from '../call/call-status.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import type { CallRecord } from '../store/call-record.js';

/** A call this scheduler holds a lease on and dials or follows. */
export interface TrackedCall {
  /** The call's id. */
  readonly id: string;
  /** The number dialed. */
  readonly to: string;
  /** The fencing token of this scheduler's claim. */
  readonly token: number;
  /** The attempt being dialed or followed. */
  readonly attempt: number;
  /** The call's status as this scheduler last wrote or read it. */
  status: CallStatus;
  /** The provider's id of the attempt, once it accepted the dial. */
  providerCallId: string | null;
  /** The provider's last status word. */
  providerStatus: string | null;
  /** When the attempt's dial was accepted (for the ring-time bound). */
  dialedAt: number;
  /** When the call was first seen `connected` (for the duration bound). */
  connectedAt: number | null;
  /** When the lease ends unless renewed. */
  leaseExpiresAt: number;
  /** The current gap between polls. */
  pollIntervalMs: number;
  /** Best estimate of when the call entered its current status. */
  enteredAt: number;
  /** How uncertain {@link TrackedCall.enteredAt} is (± ms). */
  enteredUncertaintyMs: number;
  /** When the provider last answered a poll for this call (a change happened after it). */
  lastSeenAt: number;
  /** When the provider first answered 404 for it, or `null`. */
  notFoundSince: number | null;
  /** Transient errors in a row while polling. */
  transientErrors: number;
  /** Set once: the scheduler no longer works on this call (it ended, was handed back or lost). */
  ended: boolean;
  /** Claimed for a dial that has not yet taken its token from the dial pacer. */
  awaitingToken: boolean;
  /** Serializes work on this call (poll, webhook, end). */
  queue: Promise<void>;
  /** The call as last written or read. */
  record: CallRecord;
}

/** A tracked call for `record`, claimed (or recovered) with `token`. */
export function trackCall(record: CallRecord, token: number, pollIntervalMs: number): TrackedCall {
  return {
    id: record.id,
    to: record.to,
    token,
    attempt: record.attemptCount,
    status: record.status,
    providerCallId: record.providerCallId,
    providerStatus: record.providerStatus,
    dialedAt: record.updatedAt,
    connectedAt: record.status === 'connected' ? record.updatedAt : null,
    leaseExpiresAt: record.lease?.expiresAt ?? 0,
    pollIntervalMs,
    enteredAt: record.updatedAt,
    enteredUncertaintyMs: Number.POSITIVE_INFINITY,
    lastSeenAt: record.updatedAt,
    notFoundSince: null,
    transientErrors: 0,
    ended: false,
    awaitingToken: false,
    queue: Promise.resolve(),
    record,
  };
}

/** The provider accepted the dial at `now`: the call is live in `status` and followed from here. */
export function markAccepted(
  tracked: TrackedCall,
  change: { readonly status: CallStatus; readonly info: ProviderCallInfo; readonly record: CallRecord; readonly leaseExpiresAt: number; readonly pollIntervalMs: number },
  now: number,
): void {
  tracked.status = change.status;
  tracked.providerCallId = change.info.providerCallId;
  tracked.providerStatus = change.info.rawStatus;
  tracked.dialedAt = now;
  tracked.leaseExpiresAt = change.leaseExpiresAt;
  tracked.record = change.record;
  tracked.pollIntervalMs = change.pollIntervalMs;
  tracked.enteredAt = now;
  tracked.enteredUncertaintyMs = 0;
  tracked.lastSeenAt = now;
  if (change.status === 'connected') tracked.connectedAt = now;
}

/** The call moved forward to `status` at `now` (`leaseExpiresAt` when the write renewed the lease). */
export function markMoved(tracked: TrackedCall, status: CallStatus, providerStatus: string, record: CallRecord, now: number, leaseExpiresAt: number | null): void {
  tracked.status = status;
  tracked.providerStatus = providerStatus;
  tracked.record = record;
  if (leaseExpiresAt !== null) tracked.leaseExpiresAt = leaseExpiresAt;
  if (status === 'connected') tracked.connectedAt = now;
}

/** A provider word that moved nothing was recorded. */
export function markProviderWord(tracked: TrackedCall, providerStatus: string, record: CallRecord): void {
  tracked.providerStatus = providerStatus;
  tracked.record = record;
}

/** The lease was renewed to `expiresAt`. */
export function markLeaseRenewed(tracked: TrackedCall, expiresAt: number, record: CallRecord): void {
  tracked.leaseExpiresAt = expiresAt;
  tracked.record = record;
}

/** The call was re-read under the same lease (a webhook handled elsewhere moved it): catch up. */
export function markResynced(tracked: TrackedCall, record: CallRecord): void {
  tracked.status = record.status;
  tracked.providerStatus = record.providerStatus;
  tracked.record = record;
  if (record.status === 'connected') tracked.connectedAt ??= record.updatedAt;
}

/** A status change was seen: it happened at `changeAt` ± `uncertaintyMs`; polling starts fast again. */
export function markStatusSeen(tracked: TrackedCall, changeAt: number, uncertaintyMs: number, pollIntervalMs: number): void {
  tracked.enteredAt = changeAt;
  tracked.enteredUncertaintyMs = uncertaintyMs;
  tracked.pollIntervalMs = pollIntervalMs;
}

/** A poll was answered: the error counts start again. */
export function markAnswered(tracked: TrackedCall): void {
  tracked.transientErrors = 0;
  tracked.notFoundSince = null;
}

/** The scheduler no longer works on this call; returns false when it had already stopped. */
export function markEnded(tracked: TrackedCall, status?: CallStatus): boolean {
  if (status !== undefined) tracked.status = status;
  if (tracked.ended) return false;
  tracked.ended = true;
  return true;
}

// Owns: the state of one call this scheduler holds a lease on (claimed, being dialed, or live and
// followed), and the named transitions that change it. Code elsewhere reads a TrackedCall's fields
// (all readonly) and changes them only through the functions here.
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
  readonly status: CallStatus;
  /** The provider's id of the attempt, once it accepted the dial. */
  readonly providerCallId: string | null;
  /** The provider's last status word. */
  readonly providerStatus: string | null;
  /** When the attempt's dial was accepted (for the ring-time bound). */
  readonly dialedAt: number;
  /** When the call was first seen `connected` (for the duration bound). */
  readonly connectedAt: number | null;
  /** When the lease ends unless renewed. */
  readonly leaseExpiresAt: number;
  /** The current gap between polls. */
  readonly pollIntervalMs: number;
  /** Best estimate of when the call entered its current status. */
  readonly enteredAt: number;
  /** How uncertain {@link TrackedCall.enteredAt} is (± ms). */
  readonly enteredUncertaintyMs: number;
  /** When the provider last answered a poll for this call (a change happened after it). */
  readonly lastSeenAt: number;
  /** When the provider first answered 404 for it, or `null`. */
  readonly notFoundSince: number | null;
  /** Transient errors in a row while polling. */
  readonly transientErrors: number;
  /** Set once: the scheduler no longer works on this call (it ended, was handed back or lost). */
  readonly ended: boolean;
  /** Claimed for a dial that has not yet taken its token from the dial pacer. */
  readonly awaitingToken: boolean;
  /** Serializes work on this call (poll, webhook, end). */
  readonly queue: Promise<void>;
  /** The call as last written or read. */
  readonly record: CallRecord;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The transitions below are the only writers of a tracked call's fields. */
const w = (tracked: TrackedCall): Mutable<TrackedCall> => tracked;

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
  w(tracked).status = change.status;
  w(tracked).providerCallId = change.info.providerCallId;
  w(tracked).providerStatus = change.info.rawStatus;
  w(tracked).dialedAt = now;
  w(tracked).leaseExpiresAt = change.leaseExpiresAt;
  w(tracked).record = change.record;
  w(tracked).pollIntervalMs = change.pollIntervalMs;
  w(tracked).enteredAt = now;
  w(tracked).enteredUncertaintyMs = 0;
  w(tracked).lastSeenAt = now;
  if (change.status === 'connected') w(tracked).connectedAt = now;
}

/** The call moved forward to `status` at `now` (`leaseExpiresAt` when the write renewed the lease). */
export function markMoved(tracked: TrackedCall, status: CallStatus, providerStatus: string, record: CallRecord, now: number, leaseExpiresAt: number | null): void {
  w(tracked).status = status;
  w(tracked).providerStatus = providerStatus;
  w(tracked).record = record;
  if (leaseExpiresAt !== null) w(tracked).leaseExpiresAt = leaseExpiresAt;
  if (status === 'connected') w(tracked).connectedAt = now;
}

/** A provider word that moved nothing was recorded. */
export function markProviderWord(tracked: TrackedCall, providerStatus: string, record: CallRecord): void {
  w(tracked).providerStatus = providerStatus;
  w(tracked).record = record;
}

/** The lease was renewed to `expiresAt`. */
export function markLeaseRenewed(tracked: TrackedCall, expiresAt: number, record: CallRecord): void {
  w(tracked).leaseExpiresAt = expiresAt;
  w(tracked).record = record;
}

/** The call was re-read under the same lease (a webhook handled elsewhere moved it): catch up. */
export function markResynced(tracked: TrackedCall, record: CallRecord): void {
  w(tracked).status = record.status;
  w(tracked).providerStatus = record.providerStatus;
  w(tracked).record = record;
  if (record.status === 'connected') w(tracked).connectedAt ??= record.updatedAt;
}

/** A status change was seen: it happened at `changeAt` ± `uncertaintyMs`; polling starts fast again. */
export function markStatusSeen(tracked: TrackedCall, changeAt: number, uncertaintyMs: number, pollIntervalMs: number): void {
  w(tracked).enteredAt = changeAt;
  w(tracked).enteredUncertaintyMs = uncertaintyMs;
  w(tracked).pollIntervalMs = pollIntervalMs;
}

/** A poll was answered: the error counts start again. */
export function markAnswered(tracked: TrackedCall): void {
  w(tracked).transientErrors = 0;
  w(tracked).notFoundSince = null;
}

/** A claimed call is about to be dialed. */
export function markDispatching(tracked: TrackedCall): void {
  w(tracked).status = 'dispatching';
}

/** The call holds back claims until it takes its dial token. */
export function markAwaitingToken(tracked: TrackedCall): void {
  w(tracked).awaitingToken = true;
}

/** The call took its dial token; returns false when it was not waiting for one. */
export function markTokenTaken(tracked: TrackedCall): boolean {
  if (!tracked.awaitingToken) return false;
  w(tracked).awaitingToken = false;
  return true;
}

/** The provider answered 404 at `now`; returns true for the first one (to be confirmed). */
export function markNotFound(tracked: TrackedCall, now: number): boolean {
  if (tracked.notFoundSince !== null) return false;
  w(tracked).notFoundSince = now;
  return true;
}

/** A poll failed with a transient error; returns how many in a row. */
export function markPollFailed(tracked: TrackedCall): number {
  return (w(tracked).transientErrors += 1);
}

/** The provider was last seen answering at `now` (a later change happened after it). */
export function markSeen(tracked: TrackedCall, now: number): void {
  w(tracked).lastSeenAt = now;
}

/** The gap between polls is now `intervalMs`. */
export function markPollInterval(tracked: TrackedCall, intervalMs: number): void {
  w(tracked).pollIntervalMs = intervalMs;
}

/** `queue` is the call's work queue from now on (see `LiveCallFollower.serialize`). */
export function markQueued(tracked: TrackedCall, queue: Promise<void>): void {
  w(tracked).queue = queue;
}

/** The scheduler no longer works on this call; returns false when it had already stopped. */
export function markEnded(tracked: TrackedCall, status?: CallStatus): boolean {
  if (status !== undefined) w(tracked).status = status;
  if (tracked.ended) return false;
  w(tracked).ended = true;
  return true;
}

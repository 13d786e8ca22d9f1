import type { CallError, CallEventType } from '../call/call.js';
import type { CallStatus } from '../call/call-status.js';
import type { JsonObject } from '../call/json.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryPolicy } from '../policy/retry-policy.js';

/**
 * The lease a scheduler holds on a call while it dials it or follows it. Only the holder of the
 * current `token` may write the call's progress.
 */
export interface Lease {
  /** The id of the scheduler that holds the lease. */
  readonly owner: string;
  /** The fencing token of this lease: strictly greater than every earlier token of the call. */
  readonly token: number;
  /** When the lease ends unless renewed (epoch ms). */
  readonly expiresAt: number;
}

/**
 * A call as a {@link CallStore} keeps it. All times are integer epoch milliseconds (UTC).
 */
export interface CallRecord {
  /** Stable id, chosen by the scheduler (time-ordered UUID v7). */
  readonly id: string;
  /** E.164 number. */
  readonly to: string;
  /** Current status. */
  readonly status: CallStatus;
  /** The time the user asked for. */
  readonly at: number;
  /** While `scheduled`: when the next attempt is due. `null` in every other status. */
  readonly dueAt: number | null;
  /** IANA time zone of the recipient, or `null`. */
  readonly timeZone: string | null;
  /** Allowed local calling hours, or `null`. */
  readonly window: CallingWindow | null;
  /** No dial after this instant, or `null`. */
  readonly expiresAt: number | null;
  /** Per-call retry policy, or `null` for the scheduler's default. */
  readonly retry: RetryPolicy | null;
  /** Unique among all calls of the store when not `null`. */
  readonly idempotencyKey: string | null;
  /** The caller's data. */
  readonly metadata: JsonObject | null;
  /** Attempts started so far; the claim increments it. */
  readonly attemptCount: number;
  /** The provider's id of the current or last attempt. */
  readonly providerCallId: string | null;
  /** The provider's last status word for the current or last attempt. */
  readonly providerStatus: string | null;
  /** The lease, while a scheduler holds one; `null` otherwise. */
  readonly lease: Lease | null;
  /** The last fencing token handed out for this call (0 before the first claim). */
  readonly fencingToken: number;
  /** Incremented by every write; usable for compare-and-set through {@link CallUpdate.expect}. */
  readonly version: number;
  /** Why the call failed, expired or was last retried, or `null`. */
  readonly error: CallError | null;
  /** When the call was inserted. */
  readonly createdAt: number;
  /** When the call was last written. */
  readonly updatedAt: number;
  /** When the call reached a terminal status, or `null`. */
  readonly endedAt: number | null;
}

/** What the scheduler inserts: a call before any claim (the fields it shares with {@link CallRecord} mean the same). */
export interface NewCallRecord
  extends Pick<
    CallRecord,
    'id' | 'to' | 'at' | 'dueAt' | 'timeZone' | 'window' | 'expiresAt' | 'retry' | 'idempotencyKey' | 'metadata' | 'error' | 'endedAt'
  > {
  /** `scheduled`, or `expired` for a call that could never be dialed. */
  readonly status: CallStatus;
  /** Insertion time; also the first `updatedAt`. */
  readonly createdAt: number;
}

/** An attempt as a store keeps it. */
export interface AttemptRecord {
  /** The call. */
  readonly callId: string;
  /** 1, 2, 3, ... in the order the claims made them. */
  readonly number: number;
  /** The attempt's last status. */
  readonly status: CallStatus;
  /** The provider's id for this dial, or `null`. */
  readonly providerCallId: string | null;
  /** The provider's last status word, or `null`. */
  readonly providerStatus: string | null;
  /** Claim time. */
  readonly startedAt: number;
  /** End time, or `null`. */
  readonly endedAt: number | null;
  /** Talk time in seconds reported by the provider, or `null`. */
  readonly durationSeconds: number | null;
  /** Why the attempt failed, or `null`. */
  readonly error: CallError | null;
  /**
   * The id of the scheduler that claimed this attempt and so dialed it (the claim's `owner`); kept
   * after the call ends, so the history says which host dialed. `null` for attempts written before
   * stores recorded it.
   */
  readonly schedulerId: string | null;
}

/**
 * A position in a store's event log, opaque to everyone but the store that made it: pass it back
 * as {@link EventListQuery.after} to read the events committed after it. Cursors of one store
 * compare only through that store; never parse or order them yourself.
 */
export type EventCursor = string;

/** A history event as a store keeps it. */
export interface CallEventRecord {
  /**
   * Assigned by the store on insert: unique across the whole store and increasing in insert order,
   * but not necessarily in commit order (on PostgreSQL a smaller id may commit later). Resume a
   * reader with {@link CallEventRecord.cursor}, never with the id.
   */
  readonly id: number;
  /**
   * The log position just after this event: `listEvents({ after: cursor })` returns exactly the
   * events committed after it, none skipped and none repeated.
   */
  readonly cursor: EventCursor;
  /** The call. */
  readonly callId: string;
  /** What happened. */
  readonly type: CallEventType;
  /** When (scheduler clock, epoch ms). */
  readonly at: number;
  /** The attempt, or `null`. */
  readonly attempt: number | null;
  /** The call's status after the event. */
  readonly status: CallStatus;
  /** The provider's status word as received, or `null`. */
  readonly providerStatus: string | null;
  /** Details. */
  readonly data: JsonObject | null;
}

/**
 * An event to append; the store assigns `id` and `cursor` and takes `callId` from the write it
 * belongs to.
 */
export type NewCallEvent = Omit<CallEventRecord, 'id' | 'callId' | 'cursor'>;

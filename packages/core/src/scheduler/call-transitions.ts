// Owns: the shape of every store write the scheduler makes. Each function here is pure: it takes
// the call's state and `now` and returns the `CallUpdate` (or `CallInsert`) to send, with its
// conditions (the fencing token after a claim) and its history events. Nothing here reads the
// clock, touches the store or emits: the parts that call these decide when.
import type { CallError } from '../call/call.js';
import { callStatusRank, callStatusOf } from '../provider/provider-status.js';
import type { CallStatus } from '../call/call-status.js';
import { ErrorCode } from '../errors/error-codes.js';
import { planDialTime, type CallWindowPolicy, type ExpireReason } from '../policy/dial-timing.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { RetryEndReason } from '../policy/retry-decision.js';
import type { RetryOutcome, RetryPolicy } from '../policy/retry-policy.js';
import type { ProviderCallInfo } from '../provider/call-provider.js';
import type { ParsedScheduleCallInput } from '../schema/schedule-input.js';
import type { CallRecord, NewCallEvent } from '../store/call-record.js';
import type { CallInsert, CallPatch, CallUpdate } from '../store/call-store.js';
import type { JsonObject } from '../call/json.js';
import type { UnknownOutcomeReason } from '../telemetry/scheduler-telemetry.js';

/** The claim a write after a claim is made under: the call, its fencing token and attempt. */
export interface ClaimRef {
  /** The call's id. */
  readonly id: string;
  /** The fencing token of the claim (every write checks it). */
  readonly token: number;
  /** The attempt the claim started. */
  readonly attempt: number;
}

/** The `error` of a call that ends `expired`. */
export function expiredError(reason: ExpireReason | 'expires-at-passed' | 'number-cap', policy: CallWindowPolicy): CallError {
  const message =
    reason === 'window-never-opens'
      ? 'The calling window never opens'
      : reason === 'number-cap'
        ? 'The per-number attempt cap allows no attempt before expiresAt'
        : policy.window !== null
          ? 'The call cannot be dialed inside its calling window before expiresAt'
          : 'The call could not be placed before expiresAt';
  return { code: ErrorCode.CALL_EXPIRED, message };
}

/**
 * The insert of a new call: `scheduled` at the first allowed time at or after `at` (snapped into
 * its window), or `expired` at once when it cannot be dialed before its `expiresAt`.
 */
export function newCallInsert(id: string, input: ParsedScheduleCallInput, policy: CallWindowPolicy, now: number): CallInsert {
  const at = input.at ?? now;
  const expiresAt = input.expiresAt ?? null;
  // A past `at` is wanted now: the window (and expiry) are judged at the time it can happen.
  const plan = planDialTime({ wantedAt: Math.max(at, now), ...policy, expiresAt });
  const expired = plan.action === 'expire' ? expiredError(plan.reason, policy) : null;
  const dueAt = plan.action === 'expire' ? null : plan.snapped ? plan.dueAt : at;
  const data = dueAt !== null && dueAt !== at ? { at, nextAttemptAt: dueAt } : { at };
  const events: NewCallEvent[] = [{ type: 'scheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data }];
  if (expired !== null && plan.action === 'expire') {
    events.push({ type: 'expired', at: now, attempt: null, status: 'expired', providerStatus: null, data: { code: expired.code, message: expired.message, reason: plan.reason } });
  }
  return {
    call: {
      id,
      to: input.to,
      status: expired === null ? 'scheduled' : 'expired',
      at,
      dueAt,
      timeZone: input.timeZone ?? null,
      window: input.window ?? null,
      expiresAt,
      retry: input.retry ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      metadata: input.metadata ?? null,
      error: expired,
      createdAt: now,
      endedAt: expired === null ? null : now,
    },
    events,
  };
}

/** Cancels a call that is still `scheduled`. */
export function cancelUpdate(id: string, now: number): CallUpdate {
  return {
    id,
    expect: { statuses: ['scheduled'] },
    set: { status: 'canceled', dueAt: null, endedAt: now },
    events: [{ type: 'canceled', at: now, attempt: null, status: 'canceled', providerStatus: null, data: null }],
    now,
  };
}

/** A change to a `scheduled` call, resolved against the call as read (see {@link rescheduleUpdate}). */
export interface RescheduleChange {
  /** The call's `at` after the change. */
  readonly at: number;
  /** Whether the change gives a new `at`. */
  readonly atGiven: boolean;
  /** The call's zone after the change. */
  readonly timeZone: string | null;
  /** The call's window after the change. */
  readonly window: CallingWindow | null;
  /** Whether the change gives a window (or `null`). */
  readonly windowGiven: boolean;
  /** The call's expiry after the change. */
  readonly expiresAt: number | null;
  /** A new retry policy, when given. */
  readonly retry?: RetryPolicy | null;
  /** New metadata, when given. */
  readonly metadata?: JsonObject | null;
}

/**
 * Reschedules `current` (read at `version`): a change of time, zone, window or expiry snaps the
 * call into its window again (`policy` is the window that governs it after the change) and ends it
 * `expired` when it can no longer be dialed before `expiresAt`.
 */
export function rescheduleUpdate(current: CallRecord, change: RescheduleChange, policy: CallWindowPolicy, now: number): { update: CallUpdate; expired: boolean } {
  const { at, timeZone, window, expiresAt } = change;
  const timing = change.atGiven || timeZone !== current.timeZone || change.windowGiven || expiresAt !== current.expiresAt;
  let dueAt = current.dueAt ?? at;
  let expired: { error: CallError; reason: ExpireReason } | null = null;
  if (timing) {
    // The time the call is wanted: the new `at`; else its `at` before any attempt, or the time of
    // the retry it waits for.
    const wanted = change.atGiven || current.attemptCount === 0 ? at : dueAt;
    const plan = planDialTime({ wantedAt: Math.max(wanted, now), ...policy, expiresAt });
    if (plan.action === 'expire') expired = { error: expiredError(plan.reason, policy), reason: plan.reason };
    else dueAt = plan.snapped ? plan.dueAt : wanted;
  }
  const set: CallPatch = {
    at,
    timeZone,
    window,
    expiresAt,
    ...(expired === null ? { dueAt } : { status: 'expired' as const, dueAt: null, endedAt: now, error: expired.error }),
    ...(change.retry === undefined ? {} : { retry: change.retry }),
    ...(change.metadata === undefined ? {} : { metadata: change.metadata }),
  };
  const event: NewCallEvent =
    expired === null
      ? { type: 'rescheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data: dueAt === at ? { at } : { at, nextAttemptAt: dueAt } }
      : { type: 'expired', at: now, attempt: null, status: 'expired', providerStatus: null, data: { at, code: expired.error.code, message: expired.error.message, reason: expired.reason } };
  return { update: { id: current.id, expect: { statuses: ['scheduled'], version: current.version }, set, events: [event], now }, expired: expired !== null };
}

/**
 * The provider accepted the dial: the call moves to the provider's first status (`initiated` when
 * it answered with a final one already, which is applied next), and the lease is renewed.
 */
export function acceptUpdate(claim: ClaimRef, info: ProviderCallInfo, now: number, leaseMs: number): { update: CallUpdate; status: CallStatus; leaseExpiresAt: number } {
  const initial = callStatusOf(info.status) ?? 'initiated';
  const status: CallStatus = callStatusRank(initial) >= 3 ? 'initiated' : initial;
  const leaseExpiresAt = now + leaseMs;
  return {
    status,
    leaseExpiresAt,
    update: {
      id: claim.id,
      expect: { token: claim.token },
      set: { status, providerCallId: info.providerCallId, providerStatus: info.rawStatus, leaseExpiresAt },
      attempt: { number: claim.attempt, set: { status, providerCallId: info.providerCallId, providerStatus: info.rawStatus } },
      events: [acceptedEvent(claim, status, info, now)],
      now,
    },
  };
}

/** The `status` event of an accepted dial: the call's first status, with the provider's call id. */
function acceptedEvent(claim: ClaimRef, status: CallStatus, info: ProviderCallInfo, now: number): NewCallEvent {
  return { type: 'status', at: now, attempt: claim.attempt, status, providerStatus: info.rawStatus, data: { providerCallId: info.providerCallId } };
}

/**
 * The condition of a write about a live call: the lease and the status it was seen in; or, for a
 * report about a call another scheduler follows (`version` given), the lease and that version.
 */
function liveExpect(claim: ClaimRef, current: CallStatus, version: number | undefined): CallUpdate['expect'] {
  return version === undefined ? { token: claim.token, statuses: [current] } : { token: claim.token, version };
}

/**
 * A provider status that does not move the call (unknown, repeated under another word, or
 * backwards): recorded as an event and as the provider's last word, nothing else.
 */
export function providerStatusNoteUpdate(claim: ClaimRef, current: CallStatus, info: ProviderCallInfo, now: number, version?: number): CallUpdate {
  return {
    id: claim.id,
    expect: liveExpect(claim, current, version),
    set: { providerStatus: info.rawStatus },
    attempt: { number: claim.attempt, set: { providerStatus: info.rawStatus } },
    events: [{ type: 'status', at: now, attempt: claim.attempt, status: current, providerStatus: info.rawStatus, data: { moved: false, normalized: info.status } }],
    now,
  };
}

/**
 * A live call moves forward to `next` (not an end). Under its own lease (`version` undefined) the
 * lease is extended to `leaseExpiresAt`; a report for another scheduler's call leaves it alone.
 */
export function statusMoveUpdate(
  claim: ClaimRef,
  current: CallStatus,
  next: CallStatus,
  info: ProviderCallInfo,
  now: number,
  leaseExpiresAt: number,
  version?: number,
): CallUpdate {
  return {
    id: claim.id,
    expect: liveExpect(claim, current, version),
    set: { status: next, providerStatus: info.rawStatus, ...(version === undefined ? { leaseExpiresAt } : {}) },
    attempt: { number: claim.attempt, set: { status: next, providerStatus: info.rawStatus } },
    events: [{ type: 'status', at: now, attempt: claim.attempt, status: next, providerStatus: info.rawStatus, data: null }],
    now,
  };
}

/** How an ended attempt is judged: its retry outcome, or never retried (`permanent`). */
export interface AttemptEnding {
  /** The outcome the retry policy judges; none: not retried. */
  readonly outcome?: RetryOutcome;
  /** Never retried (e.g. the provider rejected the number). */
  readonly permanent?: boolean;
  /** Guard by this version instead of the status (a report for another scheduler's call). */
  readonly version?: number;
  /**
   * Why the dial's outcome is unknown (with `outcome: 'unknown'`): the answer was lost, the
   * scheduler that dialed died, or the provider did not answer in time. Written to the event.
   */
  readonly unknownReason?: UnknownOutcomeReason;
  /** The scheduler that ends the attempt, written to the event of an unknown outcome. */
  readonly schedulerId?: string;
}

/** The data of the event that ends an attempt: the error, the retry rule's reason, and for an unknown outcome why and who. */
export function endEventData(error: CallError | null, ending: RetryEndReason | null, how: AttemptEnding): JsonObject | null {
  const unknown = how.unknownReason === undefined ? {} : { reason: how.unknownReason, ...(how.schedulerId === undefined ? {} : { schedulerId: how.schedulerId }) };
  if (error === null && ending === null && how.unknownReason === undefined) return null;
  return { ...(error === null ? {} : { code: error.code, message: error.message }), ...(ending === null ? {} : { retry: ending }), ...unknown };
}

/**
 * Whether an attempt that ended `status` is put to the retry policy: not when completed or
 * canceled, permanent, without an outcome, or `unknown` (a new attempt carries a new key and
 * could ring twice; with a de-duplicating provider the dispatcher re-sends the same dial instead).
 */
export function isRetryCandidate(status: CallStatus, how: AttemptEnding): how is AttemptEnding & { readonly outcome: Exclude<RetryOutcome, 'unknown'> } {
  return status !== 'completed' && status !== 'canceled' && how.permanent !== true && how.outcome !== undefined && how.outcome !== 'unknown';
}

/** What follows an ended attempt: a retry at `retryAt`, or the end of the call (with the reason the policy gave). */
export type AttemptFollowUp =
  | { readonly action: 'retry'; readonly retryAt: number; readonly plannedAt: number; readonly delayMs: number }
  | { readonly action: 'end'; readonly reason: RetryEndReason | null };

/**
 * Ends the current attempt with `status`. With a retry, the call goes back to `scheduled` at
 * `retryAt` with a `retrying` event; otherwise it ends in `status`. `info` is the provider's final
 * report, when there is one (recorded as a status event first).
 */
export function endAttemptUpdate(
  claim: ClaimRef,
  status: CallStatus,
  error: CallError | null,
  info: ProviderCallInfo | null,
  how: AttemptEnding,
  next: AttemptFollowUp,
  now: number,
): CallUpdate {
  const attemptSet = {
    status,
    endedAt: now,
    error,
    ...(info === null ? {} : { providerStatus: info.rawStatus, durationSeconds: info.durationSeconds ?? null }),
  };
  const statusEvent: NewCallEvent[] =
    info === null
      ? []
      : [{ type: 'status', at: now, attempt: claim.attempt, status, providerStatus: info.rawStatus, data: info.durationSeconds == null ? null : { durationSeconds: info.durationSeconds } }];
  const expect = how.version === undefined ? { token: claim.token } : { token: claim.token, version: how.version };
  if (next.action === 'retry') {
    return {
      id: claim.id,
      expect,
      set: { status: 'scheduled', dueAt: next.retryAt, leaseExpiresAt: null, error: error ?? { code: ErrorCode.CALL_FAILED, message: `Attempt ${claim.attempt} ended ${status}` } },
      attempt: { number: claim.attempt, set: attemptSet },
      events: [
        ...statusEvent,
        {
          type: 'retrying',
          at: now,
          attempt: claim.attempt,
          status: 'scheduled',
          providerStatus: null,
          data: {
            outcome: how.outcome ?? status,
            nextAttemptAt: next.retryAt,
            plannedAt: next.plannedAt,
            delayMs: next.delayMs,
            ...(error === null ? {} : { code: error.code, message: error.message }),
          },
        },
      ],
      now,
    };
  }
  const ending = next.reason;
  return {
    id: claim.id,
    expect,
    set: { status, dueAt: null, leaseExpiresAt: null, endedAt: now, error, ...(info === null ? {} : { providerStatus: info.rawStatus }) },
    attempt: { number: claim.attempt, set: attemptSet },
    events: [
      ...statusEvent,
      {
        type: status === 'completed' ? 'completed' : status === 'canceled' ? 'canceled' : 'failed',
        at: now,
        attempt: claim.attempt,
        status,
        providerStatus: null,
        data: endEventData(error, ending, how),
      },
    ],
    now,
  };
}

/**
 * The error and retry judgement of an attempt the provider reported ended `status` (busy,
 * no-answer, failed, completed...) in its own word `rawStatus`.
 */
export function providerEnding(status: CallStatus, rawStatus: string): { error: CallError | null; ending: AttemptEnding } {
  return {
    error: status === 'completed' ? null : { code: ErrorCode.CALL_FAILED, message: `The provider reported ${rawStatus}` },
    ending: { outcome: status === 'busy' || status === 'no-answer' ? status : 'failed' },
  };
}

/**
 * The provider answered the dial with a final status already (busy, or completed at once): the
 * accept ({@link acceptUpdate}) and the end of the attempt ({@link endAttemptUpdate}) in one
 * write, with the same history the two writes would leave (`initiated` with the provider's call
 * id, then the final status and the end or retry).
 */
export function acceptEndedUpdate(
  claim: ClaimRef,
  info: ProviderCallInfo,
  status: CallStatus,
  error: CallError | null,
  how: AttemptEnding,
  next: AttemptFollowUp,
  now: number,
): CallUpdate {
  const ended = endAttemptUpdate(claim, status, error, info, how, next, now);
  return {
    ...ended,
    // The provider's word as the accept left it (the end overwrites it, a retry keeps it).
    set: { providerStatus: info.rawStatus, ...ended.set, providerCallId: info.providerCallId },
    attempt: { number: claim.attempt, set: { ...ended.attempt?.set, providerCallId: info.providerCallId } },
    events: [acceptedEvent(claim, 'initiated', info, now), ...(ended.events ?? [])],
  };
}

/**
 * Ends a claimed call `expired` without dialing. With `unclaim` (the dial surely did not happen)
 * the claim's attempt is removed, so the call shows no attempt that never dialed.
 */
export function expireUpdate(claim: ClaimRef, error: CallError, unclaim: boolean, now: number): CallUpdate {
  return {
    id: claim.id,
    expect: { token: claim.token },
    set: { status: 'expired', dueAt: null, leaseExpiresAt: null, endedAt: now, error },
    ...(unclaim ? { unclaim: true } : { attempt: { number: claim.attempt, set: { status: 'expired' as const, endedAt: now, error } } }),
    events: [{ type: 'expired', at: now, attempt: unclaim ? null : claim.attempt, status: 'expired', providerStatus: null, data: { code: error.code, message: error.message } }],
    now,
  };
}

/**
 * Puts a claimed call that will not be dialed now back to `scheduled` at `dueAt`, undoing the
 * claim's attempt (`unclaim`), with a `rescheduled` event that says why.
 */
export function putBackUpdate(claim: ClaimRef, dueAt: number, reason: CallError, now: number): CallUpdate {
  return {
    id: claim.id,
    expect: { token: claim.token },
    set: { status: 'scheduled', dueAt, leaseExpiresAt: null },
    unclaim: true,
    events: [{ type: 'rescheduled', at: now, attempt: null, status: 'scheduled', providerStatus: null, data: { nextAttemptAt: dueAt, code: reason.code, message: reason.message } }],
    now,
  };
}

/**
 * Puts a claimed call whose dial surely did not happen back to `scheduled` at `dueAt` because the
 * scheduler stops: the attempt ends `failed` with the last provider error, and is kept.
 */
export function requeueUnplacedUpdate(claim: ClaimRef, dueAt: number, cause: { readonly code: string; readonly message: string }, now: number): CallUpdate {
  const error: CallError = { code: cause.code, message: `Not placed (${cause.message}); requeued because the scheduler stopped` };
  return {
    id: claim.id,
    expect: { token: claim.token },
    set: { status: 'scheduled', dueAt, leaseExpiresAt: null, error },
    attempt: { number: claim.attempt, set: { status: 'failed', endedAt: now, error } },
    events: [{ type: 'retrying', at: now, attempt: claim.attempt, status: 'scheduled', providerStatus: null, data: { nextAttemptAt: dueAt, code: error.code, message: error.message } }],
    now,
  };
}

/**
 * Sets the lease's expiry under the claim's token: later to renew it; `now` to hand it back so
 * that another scheduler takes the call over at once; `null` to release it.
 */
export function leaseUpdate(claim: Pick<ClaimRef, 'id' | 'token'>, expiresAt: number | null, now: number): CallUpdate {
  return { id: claim.id, expect: { token: claim.token }, set: { leaseExpiresAt: expiresAt }, now };
}

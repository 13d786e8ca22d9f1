import type { CallingWindow } from './calling-window.js';
import { nextWindowOpening } from './window-search.js';

/** The window policy that applies to one call: its zone and window after defaults. */
export interface CallWindowPolicy {
  /** The recipient's IANA time zone, or `null`. */
  readonly timeZone: string | null;
  /** The allowed local hours in `timeZone`, or `null` for any time. */
  readonly window: CallingWindow | null;
}

/** Scheduler-wide window defaults for {@link effectiveWindowPolicy}. */
export interface WindowDefaults {
  /** The window of a call that has a `timeZone` but no `window` of its own. @default none */
  readonly defaultWindow?: CallingWindow | null;
  /**
   * The zone of a call that has no `timeZone`, so that {@link WindowDefaults.defaultWindow}
   * applies to it too. @default none: a call without a zone has no window
   */
  readonly defaultTimeZone?: string | null;
}

/**
 * The zone and window that govern a call: its own `window` and `timeZone` when set, else the
 * scheduler's defaults. A call with no zone (its own or the default) is never windowed, because
 * there is no local time to read the window in.
 */
export function effectiveWindowPolicy(
  call: { readonly timeZone?: string | null; readonly window?: CallingWindow | null },
  defaults: WindowDefaults = {},
): CallWindowPolicy {
  const timeZone = call.timeZone ?? defaults.defaultTimeZone ?? null;
  if (timeZone === null) return { timeZone: null, window: null };
  return { timeZone, window: call.window ?? defaults.defaultWindow ?? null };
}

/** Why {@link planDialTime} says a call can no longer be dialed. */
export type ExpireReason =
  /** `expiresAt` is at or before the wanted time (and window opening). */
  | 'expires-first'
  /** The window has no range at all. */
  | 'window-never-opens';

/** What {@link planDialTime} decides. */
export type DialPlan =
  | {
      /** Dial at `dueAt`. */
      readonly action: 'dial';
      /** When to dial: the wanted time, or the window's next opening after it. */
      readonly dueAt: number;
      /** True when the window moved the call later than the wanted time. */
      readonly snapped: boolean;
    }
  | {
      /** Never dial: the call ends `expired`. */
      readonly action: 'expire';
      /** Why. */
      readonly reason: ExpireReason;
    };

/** Input of {@link planDialTime}. */
export interface DialPlanInput {
  /** The earliest time the call may be dialed (epoch ms): its `at`, a retry time, or now. */
  readonly wantedAt: number;
  /** The recipient's zone, or `null`/absent for no window. */
  readonly timeZone?: string | null;
  /** Allowed local hours in `timeZone`, or `null`/absent for any time. */
  readonly window?: CallingWindow | null;
  /** No dial at or after this instant (epoch ms), or `null`/absent. */
  readonly expiresAt?: number | null;
}

/**
 * When a call may be dialed: `wantedAt` snapped forward into the window, unless that lands at or
 * after `expiresAt` (a call is dialable only strictly before `expiresAt`), in which case it must
 * end `expired` instead of being dialed late.
 *
 * Use it at schedule time (`wantedAt` = the call's `at`), at claim time (`wantedAt` = now: a
 * `dueAt` later than now means "re-snap, do not dial") and for a retry (`wantedAt` = the end of
 * the attempt plus the retry delay).
 *
 * @example
 * ```ts
 * planDialTime({ wantedAt: Date.parse('2026-11-02T05:00:00Z'), timeZone: 'America/Chicago', window: tcpa() });
 * // { action: 'dial', dueAt: Date.parse('2026-11-02T14:00:00Z'), snapped: true }   (23:00 CST -> 08:00)
 * ```
 */
export function planDialTime(input: DialPlanInput): DialPlan {
  const { wantedAt } = input;
  const expiresAt = input.expiresAt ?? null;
  let dueAt = wantedAt;
  if (input.window != null) {
    if (input.timeZone == null) throw new RangeError('timeZone is required to apply a calling window');
    const opening = nextWindowOpening(input.window, input.timeZone, wantedAt);
    if (opening === null) return { action: 'expire', reason: 'window-never-opens' };
    dueAt = opening;
  }
  if (expiresAt !== null && dueAt >= expiresAt) return { action: 'expire', reason: 'expires-first' };
  return { action: 'dial', dueAt, snapped: dueAt !== wantedAt };
}

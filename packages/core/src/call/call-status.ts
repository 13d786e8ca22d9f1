/** The statuses of a call the provider is working on, in the order they come. */
const LIVE = ['initiated', 'ringing', 'connected'] as const;

/** The statuses a call ends in. */
const TERMINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'] as const;

/**
 * Every status a call can have, in the order of its life. See the state diagram in
 * `docs/life-of-a-call.md`.
 */
export const CALL_STATUSES = ['scheduled', 'dispatching', ...LIVE, ...TERMINAL] as const;

/**
 * The status of a call.
 *
 * - `scheduled`: waiting for its time (or for a retry).
 * - `dispatching`: claimed by a scheduler, which is asking the provider to dial.
 * - `initiated`, `ringing`, `connected`: live, as reported by the provider.
 * - `completed`, `busy`, `no-answer`, `failed`, `canceled`, `expired`: terminal.
 */
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The statuses a call never leaves. */
export const TERMINAL_CALL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>(TERMINAL);

/** The statuses of a call the provider is working on (the scheduler polls them). */
export const LIVE_CALL_STATUSES: ReadonlySet<CallStatus> = new Set<CallStatus>(LIVE);

/** True when `status` is terminal. */
export function isTerminalStatus(status: CallStatus): boolean {
  return TERMINAL_CALL_STATUSES.has(status);
}

/** True when the provider is working on a call in `status`. */
export function isLiveStatus(status: CallStatus): boolean {
  return LIVE_CALL_STATUSES.has(status);
}

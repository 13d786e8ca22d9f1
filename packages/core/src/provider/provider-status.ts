import type { CallStatus } from '../call/call-status.js';

/**
 * A provider's status, normalized. `unknown` stands for any word the library does not know; the
 * raw word is kept next to it.
 */
export type ProviderCallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'connected'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled'
  | 'unknown';

const ALIASES: Readonly<Record<string, ProviderCallStatus>> = {
  queued: 'queued',
  initiated: 'initiated',
  dialing: 'initiated',
  ringing: 'ringing',
  connected: 'connected',
  answered: 'connected',
  'in-progress': 'connected',
  in_progress: 'connected',
  inprogress: 'connected',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  no_answer: 'no-answer',
  noanswer: 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/**
 * Maps a provider's status word (the Call API's `initiated`, `ringing`, `connected`, `completed`,
 * and Twilio's `queued`, `in-progress`, `busy`, `no-answer`, `failed`, `canceled`) to a
 * {@link ProviderCallStatus}. Case and surrounding space are ignored; anything else is `unknown`.
 */
export function normalizeProviderStatus(raw: unknown): ProviderCallStatus {
  if (typeof raw !== 'string') return 'unknown';
  const word = raw.trim().toLowerCase();
  // Own properties only: words such as `constructor` or `__proto__` must not reach Object.prototype.
  return Object.hasOwn(ALIASES, word) ? ALIASES[word]! : 'unknown';
}

const RANK: Readonly<Record<ProviderCallStatus, number>> = {
  unknown: -1,
  queued: 0,
  initiated: 0,
  ringing: 1,
  connected: 2,
  completed: 3,
  busy: 3,
  'no-answer': 3,
  failed: 3,
  canceled: 3,
};

/**
 * The position of a status in a call's life: `queued`/`initiated` 0, `ringing` 1, `connected` 2,
 * every end 3, `unknown` -1. A status may only replace one of a lower rank.
 */
export function providerStatusRank(status: ProviderCallStatus): number {
  return RANK[status];
}

/** True for a provider status that ends the attempt. */
export function isFinalProviderStatus(status: ProviderCallStatus): boolean {
  return RANK[status] === 3;
}

/** The call status that a provider status puts the call in (`unknown` gives `null`: no move). */
export function callStatusOf(status: ProviderCallStatus): CallStatus | null {
  switch (status) {
    case 'queued':
    case 'initiated':
      return 'initiated';
    case 'unknown':
      return null;
    default:
      return status;
  }
}

/** The rank of a call status on the same scale as {@link providerStatusRank}. */
export function callStatusRank(status: CallStatus): number {
  switch (status) {
    case 'scheduled':
    case 'dispatching':
      return -1;
    case 'initiated':
      return 0;
    case 'ringing':
      return 1;
    case 'connected':
      return 2;
    default:
      return 3;
  }
}

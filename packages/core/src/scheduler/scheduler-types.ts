// Owns: the small public types of CallScheduler's API (re-exported from call-scheduler.ts).
import type { Call } from '../call/call.js';
import type { CallStoreHealth } from '../store/call-store.js';

/** The lifecycle state of a {@link CallScheduler}. */
export type SchedulerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Options of {@link CallScheduler.stop}. */
export interface StopOptions {
  /**
   * How long to let in-flight dials finish before aborting them; an aborted dial is left to lease
   * recovery. @default 10000
   */
  readonly timeoutMs?: number;
}

/** A provider's status report pushed to {@link CallScheduler.handleProviderStatus} (e.g. from a webhook). */
export interface ProviderStatusUpdate {
  /** The provider's call id. */
  readonly providerCallId: string;
  /** The provider's status word. */
  readonly status: string;
  /** Talk time in seconds, when the call has ended. */
  readonly durationSeconds?: number | null;
}

/** What {@link CallScheduler.health} reports. */
export interface SchedulerHealth {
  /** The scheduler's lifecycle state. */
  readonly state: SchedulerState;
  /** Whether the store answered. */
  readonly store: 'ok' | 'error';
  /** The store's error message, when it did not answer. */
  readonly error?: string;
  /** Calls this scheduler follows now. */
  readonly liveCalls: number;
  /** Provider requests in flight. */
  readonly inFlightRequests: number;
  /** When the store next needs a scheduler, or `null`. */
  readonly nextWakeUpAt: Date | null;
  /**
   * How late the oldest overdue call is, in ms: now minus the earliest `dueAt` of a `scheduled`
   * call when that is in the past; `null` when none is overdue, or the store cannot say (no
   * `dueSummary`) or did not answer.
   */
  readonly oldestOverdueMs: number | null;
  /** Calls due within the next minute (overdue ones included); `null` when the store cannot say. */
  readonly dueNextMinute: number | null;
  /** The last error of a request to the provider, and when it happened; `null` when none failed since start. */
  readonly providerLastError: {
    /** Its code, e.g. `PROVIDER_TIMEOUT`. */
    readonly code: string;
    /** Its message. */
    readonly message: string;
    /** When it happened. */
    readonly at: Date;
  } | null;
  /** The store's own facts (its `health()`), when it has them. */
  readonly storeHealth?: CallStoreHealth;
}

/** A page of calls from {@link CallScheduler.list}. */
export interface CallListPage {
  /** The calls. */
  readonly items: Call[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}


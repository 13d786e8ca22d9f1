// Owns: the one object the scheduler's parts share: its id, clock, store, provider, options, the
// calls it follows, the claim loop and provider gate, and the emit / error-report / background
// helpers. The CallScheduler facade builds it once; parts hold it and never build their own.
import type { Clock } from '../clock/clock.js';
import type { CallWindowPolicy } from '../policy/dial-timing.js';
import type { CallingWindow } from '../policy/calling-window.js';
import type { CallProvider } from '../provider/call-provider.js';
import type { CallStore } from '../store/call-store.js';
import type { ClaimLoop } from './claim-loop.js';
import type { DialPacer } from './dial-pacer.js';
import type { ProviderGate } from './provider-gate.js';
import type { CallSchedulerEvents } from './scheduler-events.js';
import type { ResolvedSchedulerOptions } from './scheduler-options.js';
import type { TrackedCall } from './tracked-call.js';
import type { SchedulerTelemetry } from '../telemetry/scheduler-telemetry.js';

/** Emits a scheduler event to every listener, isolating listener errors. */
export type EmitFn = <K extends keyof CallSchedulerEvents>(name: K, payload: Parameters<CallSchedulerEvents[K]>[0]) => void;

/** What the scheduler's parts share. */
export interface SchedulerContext {
  /** The scheduler's id (the lease owner). */
  readonly id: string;
  /** The clock. */
  readonly clock: Clock;
  /** The store. */
  readonly store: CallStore;
  /** The provider. */
  readonly provider: CallProvider;
  /** The resolved options. */
  readonly options: ResolvedSchedulerOptions;
  /** The live calls this scheduler follows, by id. */
  readonly tracked: Map<string, TrackedCall>;
  /** The claim loop (one timer, pokes, local tasks). */
  readonly loop: ClaimLoop;
  /** Provider request slots, timeouts and back-off. */
  readonly gate: ProviderGate;
  /** Dial pacing. */
  readonly pacer: DialPacer;
  /** The metrics and spans, or `undefined` with `telemetry: false` (nothing is recorded). */
  readonly telemetry: SchedulerTelemetry | undefined;
  /** Whether the scheduler is running. */
  isRunning(): boolean;
  /** Emits an event (listener errors become `scheduler:error`). */
  readonly emit: EmitFn;
  /**
   * Whether event `name` has a listener: the hot paths build a payload (the public `Call` with its
   * dates, the event) only when someone listens.
   */
  listens(name: keyof CallSchedulerEvents): boolean;
  /** Reports an error as `scheduler:error`. */
  reportError(error: unknown, operation: string, callId?: string): void;
  /** Runs a background promise, reporting its failure. */
  track(promise: Promise<unknown>): void;
  /** The zone and window that govern a call: its own, else the scheduler's defaults. */
  windowPolicy(call: { readonly timeZone: string | null; readonly window: CallingWindow | null }): CallWindowPolicy;
}

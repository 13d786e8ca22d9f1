// Owns: building the scheduler's parts and wiring them to each other once: the shared context,
// the claim loop (fed by the dispatcher), the provider gate, the lease keeper, the attempt
// closer, the live-call follower, the dispatcher and the commands.
import type { Clock } from '../clock/clock.js';
import { effectiveWindowPolicy } from '../policy/dial-timing.js';
import type { CallProvider } from '../provider/call-provider.js';
import type { CallStore } from '../store/call-store.js';
import { createIdGenerator } from '../util/ids.js';
import { AttemptCloser } from './attempt-closer.js';
import { CallDispatcher } from './call-dispatcher.js';
import { ClaimLoop } from './claim-loop.js';
import { DialPacer } from './dial-pacer.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LiveCallFollower } from './live-call-follower.js';
import { ProviderGate } from './provider-gate.js';
import type { EmitFn, SchedulerContext } from './scheduler-context.js';
import type { CallSchedulerEvents } from './scheduler-events.js';
import { SchedulerCommands } from './scheduler-commands.js';
import type { ResolvedSchedulerOptions } from './scheduler-options.js';
import type { TrackedCall } from './tracked-call.js';
import { SchedulerTelemetry, type TelemetryOptions } from '../telemetry/scheduler-telemetry.js';
import { instrumentStore } from './instrumented-store.js';

/** What the facade gives the parts. */
export interface SchedulerPartsInput {
  /** The scheduler's id. */
  readonly id: string;
  /** The clock. */
  readonly clock: Clock;
  /** The store. */
  readonly store: CallStore;
  /** The provider. */
  readonly provider: CallProvider;
  /** The resolved options. */
  readonly options: ResolvedSchedulerOptions;
  /** The random source of jitter. */
  readonly random: () => number;
  /** Where metrics and spans go (`undefined`: the global providers); `false`: nothing is recorded. */
  readonly telemetry?: TelemetryOptions | false | undefined;
  /** Whether the scheduler runs. */
  isRunning(): boolean;
  /** Emits an event. */
  readonly emit: EmitFn;
  /** Whether event `name` has a listener. */
  listens(name: keyof CallSchedulerEvents): boolean;
  /** Reports an error as `scheduler:error`. */
  reportError(error: unknown, operation: string, callId?: string): void;
  /** Runs a background promise. */
  track(promise: Promise<unknown>): void;
  /** Whether the store's change notifications are subscribed. */
  watching(): boolean;
}

/** The parts the facade talks to. */
export interface SchedulerParts {
  /** The shared context. */
  readonly ctx: SchedulerContext;
  /** The lease keeper (hands leases back on stop). */
  readonly leases: LeaseKeeper;
  /** Sends the writes that end calls and wait for company, now (on stop). */
  readonly flushEnds: () => void;
  /** The commands. */
  readonly commands: SchedulerCommands;
  /** Releases a call claimed ahead of its time and not dialed yet (see `CallDispatcher.release`). */
  readonly release: (id: string) => Promise<number | null>;
  /** The instruments, or `undefined` with `telemetry: false`. */
  readonly telemetry: SchedulerTelemetry | undefined;
}

/** Builds and wires the parts of one scheduler. */
export function buildSchedulerParts(input: SchedulerPartsInput): SchedulerParts {
  const { clock, options } = input;
  const telemetry = input.telemetry === false ? undefined : SchedulerTelemetry.create(input.telemetry ?? {}, input.id, input.provider.name);
  // Every store operation of the parts is timed once, here (not at all with `telemetry: false`, nor
  // when no SDK was registered before the scheduler was made: the histogram would drop it all).
  const store = telemetry === undefined || !telemetry.recordsMetrics ? input.store : instrumentStore(input.store, telemetry);
  const pacer = new DialPacer(options.callsPerSecond, options.burst, clock);
  const tracked = new Map<string, TrackedCall>();
  // The loop is built before the dispatcher it feeds (which needs the loop through the context).
  const late: { dispatcher?: CallDispatcher } = {};
  const loop = new ClaimLoop({
    clock,
    store,
    owner: input.id,
    options,
    networked: input.store.features?.networked === true,
    pacer,
    load: () => ({ live: tracked.size, dispatching: late.dispatcher?.dispatching ?? 0, awaitingToken: late.dispatcher?.awaitingToken ?? 0 }),
    isRunning: () => input.isRunning(),
    onRecovered: (result) => {
      telemetry?.leaseRecoveries(1);
      late.dispatcher?.onRecovered(result);
    },
    onClaimed: (result) => late.dispatcher?.onClaimed(result),
    reportError: (error, operation) => input.reportError(error, operation),
    track: (promise) => input.track(promise),
    watching: () => input.watching(),
  });
  const ctx: SchedulerContext = {
    id: input.id,
    clock,
    store,
    provider: input.provider,
    options,
    tracked,
    loop,
    gate: new ProviderGate(clock, input.provider.name, options, input.random, telemetry),
    pacer,
    telemetry,
    isRunning: () => input.isRunning(),
    emit: input.emit,
    listens: (name) => input.listens(name),
    reportError: (error, operation, callId) => input.reportError(error, operation, callId),
    track: (promise) => input.track(promise),
    windowPolicy: (call) => effectiveWindowPolicy(call, { defaultWindow: options.window, defaultTimeZone: options.defaultTimeZone }),
  };
  const leases = new LeaseKeeper(ctx);
  const closer = new AttemptCloser(ctx, leases, () => late.dispatcher?.dispatching ?? 0);
  const follower = new LiveCallFollower(ctx, leases, closer);
  late.dispatcher = new CallDispatcher(ctx, leases, closer, follower);
  if (telemetry !== undefined) {
    const dispatcher = late.dispatcher;
    // Read when metrics are collected: the calls being dialed plus those followed.
    telemetry.observeLiveCalls(() => tracked.size + dispatcher.dispatching);
    const countByStatus = input.store.countByStatus?.bind(input.store);
    if (countByStatus !== undefined) telemetry.observeCallCounts(countByStatus);
  }
  const dispatcher = late.dispatcher;
  return {
    ctx,
    leases,
    flushEnds: () => closer.flushEnds(),
    commands: new SchedulerCommands(ctx, follower, createIdGenerator(clock)),
    telemetry,
    release: (id) => dispatcher.release(id),
  };
}

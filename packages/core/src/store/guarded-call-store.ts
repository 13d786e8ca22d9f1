import type { CallStatus } from '../call/call-status.js';
import { CallSchedulerError, isCallSchedulerError } from '../errors/call-scheduler-error.js';
import { describeCause } from '../errors/describe-cause.js';
import { ErrorCode } from '../errors/error-codes.js';
import { invalidInput, toInputIssues } from '../schema/schedule-input.js';
import type { EventCursor } from './call-record.js';
import type {
  CallDetailsRecord,
  CallInsert,
  CallListQuery,
  CallPage,
  CallStore,
  CallStoreChange,
  CallStoreFeatures,
  CallStoreHealth,
  CallStoreWatch,
  WakeUpTimes,
  ClaimWithWakeUp,
  CallUpdate,
  ClaimOptions,
  EventListQuery,
  EventPage,
  InsertResult,
  UpdateResult,
} from './call-store.js';
import type { CallRecord } from './call-record.js';
import {
  callListQuerySchema,
  claimOptionsSchema,
  countAttemptsQuerySchema,
  eventListQuerySchema,
  purgeOptionsSchema,
} from './store-schemas.js';
import type { z } from 'zod';
import { guardSeriesMethods } from '../series/series-store-guard.js';
import { supportsSeries } from '../series/series-store.js';

/** The options of {@link CallStore.purgeCalls}. */
export interface PurgeOptions {
  /** Only calls that ended before this instant (epoch ms). */
  readonly endedBefore: number;
  /** At most this many calls, at least 1. */
  readonly limit: number;
  /** Only calls in one of these terminal statuses. */
  readonly statuses?: readonly CallStatus[];
}

/**
 * The storage half of a {@link CallStore}: what a store does, without the rules every store shares.
 * Wrap it in a {@link GuardedCallStore} (usually by extending that class) and the guard adds:
 *
 * - **init once**: {@link CallStoreDriver.open} runs once, on `init()` or on the first operation,
 *   and again after a failure;
 * - **use after close**: once `close()` was called, every operation rejects with `STORE_CLOSED`;
 * - **close waits**: {@link CallStoreDriver.close} runs once, after the operations under way have
 *   settled;
 * - **argument checks**: the queries, claims and retention options are parsed with core's one set
 *   of zod schemas (`INVALID_INPUT` naming the field) before a driver method sees them;
 * - **errors**: a driver's `CallSchedulerError` passes through; anything else it throws becomes
 *   `STORE_ERROR` naming the store and the operation, with the original as `cause`;
 * - **rejections**: a driver method that throws synchronously still gives a rejected promise.
 *
 * Driver methods are only called while the store is open, one `open()` has succeeded, and the
 * arguments passed the checks. They keep the contract's meaning documented on {@link CallStore}
 * (atomicity, fencing, copies, never reading a clock); the guard does not check results. What a
 * driver can count on beyond the contract: the query of `listCalls` passed the checks (its cursor
 * is decoded with `decodeListCursor`); that of `listEvents` too, except the cursor's content,
 * which the driver decodes; an `updateCall` with both `unclaim` and `attempt` was refused already.
 * `features` is optional, as on the store; `init` is the guard's (the driver has `open`), and
 * `countByStatus` and `dueSummary` are for a subclass to expose.
 */
export interface CallStoreDriver extends Omit<CallStore, 'init' | 'close' | 'countByStatus' | 'dueSummary' | 'watch' | 'health' | 'purgeCalls' | 'nextWakeUpTimes' | 'claimDueCallsWithWakeUp'> {
  /** Names the store in error messages, e.g. `MemoryStore`. */
  readonly name: string;
  /** Opens connections, migrates; called once (again only after it failed). */
  open?(): Promise<void>;
  /** Releases everything; called once, after the operations under way settled. */
  close?(): Promise<void>;
  /** Optional; see {@link CallStore.nextWakeUpTimes}. */
  nextWakeUpTimes?(): Promise<WakeUpTimes>;
  /** Optional; see {@link CallStore.claimDueCallsWithWakeUp}. */
  claimDueCallsWithWakeUp?(options: ClaimOptions): Promise<ClaimWithWakeUp>;
  /** Optional; see {@link CallStore.watch}. */
  watch?(onChange: (change: CallStoreChange) => void): Promise<CallStoreWatch>;
  /** Optional; see {@link CallStore.health}. */
  health?(): Promise<CallStoreHealth>;
  /** Optional; see {@link CallStore.purgeCalls}. */
  purgeCalls?(options: PurgeOptions): Promise<number>;
}

const NEW = 0;
const OPEN = 1;
const CLOSED = 2;

/** Parses `value` with `schema`; `INVALID_INPUT` with one issue per field otherwise. The value itself is passed on. */
function check(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(toInputIssues(result.error), what);
}

/** `INVALID_INPUT` naming `items.<i>.call.id` when two calls of one batch have the same id (nothing is stored). */
function checkDistinctIds(items: readonly CallInsert[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const id = (item as Partial<CallInsert> | null)?.call?.id;
    if (id === undefined) return;
    if (seen.has(id)) throw invalidInput([{ path: `items.${i}.call.id`, message: `the batch has call ${id} twice`, rule: 'custom' }], 'calls');
    seen.add(id);
  });
}

/**
 * The runtime guard of every store: a {@link CallStore} over a {@link CallStoreDriver}, adding
 * init-once, `STORE_CLOSED` after close, close waiting for the operations under way, one set of
 * argument checks and one error shape (see {@link CallStoreDriver}). `MemoryStore` and
 * `SqliteStore` extend it, so a store used directly (as the conformance suite does) is guarded too.
 * A store of your own does the same:
 *
 * ```ts
 * class MyStore extends GuardedCallStore {
 *   constructor(options: MyOptions) {
 *     super(new MyDriver(options));
 *   }
 * }
 * ```
 *
 * The optional methods (`purgeCalls`, `watch`, `health`, and the `SeriesStore` group) exist on
 * the store exactly when the driver has them. Methods a subclass adds (a capability beyond the contract) get the same
 * treatment through {@link GuardedCallStore.guarded}.
 *
 * The guard costs one state check, a counter and an `await` per operation; the zod checks run
 * only on queries, claims and retention, never on `insertCalls` and `updateCall`.
 */
export class GuardedCallStore implements CallStore, AsyncDisposable {
  /** What the driver says of itself. */
  readonly features: CallStoreFeatures;

  /**
   * Retention, when the driver has it: deletes up to `limit` ended calls with their history; see
   * {@link CallStore.purgeCalls}. `undefined` when the driver has none.
   */
  readonly purgeCalls?: (options: PurgeOptions) => Promise<number>;

  /** The next due time and lease expiry apart, when the driver has them; see {@link CallStore.nextWakeUpTimes}. */
  readonly nextWakeUpTimes?: () => Promise<WakeUpTimes>;
  /** A claim and the next wake-up in one store call, when the driver has it; see {@link CallStore.claimDueCallsWithWakeUp}. */
  readonly claimDueCallsWithWakeUp?: (options: ClaimOptions) => Promise<ClaimWithWakeUp>;
  /** Change notifications, when the driver has them; see {@link CallStore.watch}. */
  readonly watch?: (onChange: (change: CallStoreChange) => void) => Promise<CallStoreWatch>;

  /** The store's health facts, when the driver has them; see {@link CallStore.health}. */
  readonly health?: () => Promise<CallStoreHealth>;

  readonly #driver: CallStoreDriver;
  #state = NEW;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #inFlight = 0;
  #idle: (() => void) | undefined;

  /** Wraps `driver`; opens nothing (see {@link GuardedCallStore.init}). */
  constructor(driver: CallStoreDriver) {
    this.#driver = driver;
    this.features = Object.freeze({ ...(driver.features ?? {}) });
    const { purgeCalls, watch, health, nextWakeUpTimes, claimDueCallsWithWakeUp } = driver;
    if (nextWakeUpTimes !== undefined) this.nextWakeUpTimes = () => this.guarded('nextWakeUpTimes', () => nextWakeUpTimes.call(driver));
    if (claimDueCallsWithWakeUp !== undefined) {
      this.claimDueCallsWithWakeUp = (options) =>
        this.guarded('claimDueCallsWithWakeUp', () => {
          check(claimOptionsSchema, options, 'claim options');
          return claimDueCallsWithWakeUp.call(driver, options);
        });
    }
    if (purgeCalls !== undefined) {
      this.purgeCalls = (options) =>
        this.guarded('purgeCalls', () => {
          check(purgeOptionsSchema, options, 'purge options');
          return purgeCalls.call(driver, options);
        });
    }
    if (watch !== undefined) this.watch = (onChange) => this.guarded('watch', () => watch.call(driver, onChange));
    if (health !== undefined) this.health = () => this.guarded('health', () => health.call(driver));
    // A driver with every SeriesStore method: the store gets them, checked and guarded like the rest.
    if (supportsSeries(driver)) Object.assign(this, guardSeriesMethods(driver, (operation, fn) => this.guarded(operation, fn)));
  }

  /**
   * Opens the store (the driver's `open`). Runs once even if called twice; after a failure the
   * next call tries again. Every other operation calls it when it was not called.
   * @throws CallSchedulerError `STORE_CLOSED` after {@link GuardedCallStore.close}, or what the driver's `open` throws.
   */
  init(): Promise<void> {
    if (this.#state === CLOSED) return Promise.reject(this.#closedError());
    if (this.#state === OPEN) return Promise.resolve();
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<void> {
    try {
      await this.#driver.open?.();
    } catch (error) {
      this.#opening = undefined;
      throw isCallSchedulerError(error)
        ? error
        : new CallSchedulerError(ErrorCode.STORE_INIT_FAILED, `${this.#driver.name}: init failed: ${describeCause(error)}`, { cause: error });
    }
    if (this.#state === NEW) this.#state = OPEN;
  }

  /**
   * Waits for the operations under way, then closes the driver. Runs once; every later call of
   * any method rejects with `STORE_CLOSED`.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@link GuardedCallStore.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(): Promise<void> {
    const wasOpening = this.#opening;
    this.#state = CLOSED;
    let opened = true;
    if (wasOpening !== undefined) await wasOpening.catch(() => (opened = false));
    else opened = false;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    if (opened) await this.#driver.close?.();
  }

  /**
   * Runs `fn` as operation `operation` under the guard: open first when needed, `STORE_CLOSED`
   * after close, counted so that `close()` waits for it, errors shaped like every store's. For
   * subclasses that add methods beyond the contract.
   */
  protected guarded<T>(operation: string, fn: () => Promise<T> | T): Promise<T> {
    if (this.#state === OPEN) return this.#run(operation, fn);
    return this.#openThenRun(operation, fn);
  }

  async #openThenRun<T>(operation: string, fn: () => Promise<T> | T): Promise<T> {
    await this.init();
    if (this.#state !== OPEN) throw this.#closedError();
    return this.#run(operation, fn);
  }

  async #run<T>(operation: string, fn: () => Promise<T> | T): Promise<T> {
    this.#inFlight += 1;
    try {
      return await fn();
    } catch (error) {
      if (isCallSchedulerError(error)) throw error;
      throw new CallSchedulerError(ErrorCode.STORE_ERROR, `${this.#driver.name}: ${operation} failed: ${describeCause(error)}`, { cause: error });
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && this.#idle !== undefined) this.#idle();
    }
  }

  #closedError(): CallSchedulerError {
    return new CallSchedulerError(ErrorCode.STORE_CLOSED, `The ${this.#driver.name} is closed`);
  }

  /** Inserts calls with their events in one transaction; see {@link CallStore.insertCalls}. */
  insertCalls(items: readonly CallInsert[]): Promise<InsertResult[]> {
    return this.guarded('insertCalls', () => {
      if (!Array.isArray(items)) throw invalidInput([{ path: 'items', message: 'must be an array', rule: 'invalid_type' }], 'calls');
      checkDistinctIds(items);
      return this.#driver.insertCalls(items);
    });
  }

  /** One call, or `undefined`; see {@link CallStore.getCall}. */
  getCall(id: string): Promise<CallRecord | undefined> {
    return this.guarded('getCall', () => this.#driver.getCall(id));
  }

  /** One call with its attempts and events, or `undefined`; see {@link CallStore.getCallDetails}. */
  getCallDetails(id: string): Promise<CallDetailsRecord | undefined> {
    return this.guarded('getCallDetails', () => this.#driver.getCallDetails(id));
  }

  /** The call that has (or last had) this provider id; see {@link CallStore.findCallByProviderCallId}. */
  findCallByProviderCallId(providerCallId: string): Promise<CallRecord | undefined> {
    return this.guarded('findCallByProviderCallId', () => this.#driver.findCallByProviderCallId(providerCallId));
  }

  /**
   * A page of calls in id order; see {@link CallStore.listCalls}.
   * @throws CallSchedulerError `INVALID_INPUT` naming the field (`limit`, `order`, `cursor`...).
   */
  listCalls(query: CallListQuery): Promise<CallPage> {
    return this.guarded('listCalls', () => {
      check(callListQuerySchema, query, 'list query');
      return this.#driver.listCalls(query);
    });
  }

  /**
   * The events committed after a cursor, in log order; see {@link CallStore.listEvents}.
   * @throws CallSchedulerError `INVALID_INPUT` naming `after` or `limit`.
   */
  listEvents(query: EventListQuery): Promise<EventPage> {
    return this.guarded('listEvents', () => {
      check(eventListQuerySchema, query, 'events query');
      return this.#driver.listEvents(query);
    });
  }

  /** The cursor of the log's current end; see {@link CallStore.eventLogHead}. */
  eventLogHead(): Promise<EventCursor | null> {
    return this.guarded('eventLogHead', () => this.#driver.eventLogHead());
  }

  /** Atomically claims due calls, earliest first; see {@link CallStore.claimDueCalls}. */
  claimDueCalls(options: ClaimOptions): Promise<UpdateResult[]> {
    return this.guarded('claimDueCalls', () => {
      check(claimOptionsSchema, options, 'claim options');
      return this.#driver.claimDueCalls(options);
    });
  }

  /** Atomically takes over expired leases, earliest first; see {@link CallStore.claimExpiredLeases}. */
  claimExpiredLeases(options: ClaimOptions): Promise<UpdateResult[]> {
    return this.guarded('claimExpiredLeases', () => {
      check(claimOptionsSchema, options, 'claim options');
      return this.#driver.claimExpiredLeases(options);
    });
  }

  /**
   * Applies a conditional write; see {@link CallStore.updateCall}.
   * @throws CallSchedulerError `INVALID_INPUT` naming `unclaim` when it comes with an `attempt` patch (nothing is written).
   */
  updateCall(update: CallUpdate): Promise<UpdateResult | undefined> {
    return this.guarded('updateCall', () => {
      if (update.unclaim === true && update.attempt !== undefined) {
        throw invalidInput([{ path: 'unclaim', message: 'cannot be combined with an attempt patch', rule: 'custom' }], 'update');
      }
      return this.#driver.updateCall(update);
    });
  }

  /** The earliest due time or lease expiry, or `null`; see {@link CallStore.nextWakeUpAt}. */
  nextWakeUpAt(): Promise<number | null> {
    return this.guarded('nextWakeUpAt', () => this.#driver.nextWakeUpAt());
  }

  /** Attempts to a number started at or after `since`; see {@link CallStore.countAttempts}. */
  countAttempts(query: { readonly to: string; readonly since: number }): Promise<number> {
    return this.guarded('countAttempts', () => {
      check(countAttemptsQuerySchema, query, 'attempts query');
      return this.#driver.countAttempts(query);
    });
  }
}

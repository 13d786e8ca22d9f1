import { expect } from 'vitest';
import type { CallStatus } from '../../call/call-status.js';
import { isCallSchedulerError } from '../../errors/call-scheduler-error.js';
import { callFixture, callInsertFixture } from '../fixtures.js';
import type { CallEventRecord, CallRecord, NewCallEvent, NewCallRecord } from '../../store/call-record.js';
import type { CallInsert, CallStore, ClaimOptions, UpdateResult } from '../../store/call-store.js';

/*
 * What every file of the conformance suite shares: the constants, and the `Suite` handed to each
 * operation's tests (the store of the running test, its peer handle, and the helpers).
 */

/** 2026-01-01T00:00:00Z: the suite's "now" unless a test says otherwise. */
export const T0 = Date.UTC(2026, 0, 1);
/** The lease the suite's claims take. */
export const LEASE_MS = 30_000;
/** Three numbers the suite's calls go to. */
export const NUMBER_A = '+14155550101';
/** @see NUMBER_A */
export const NUMBER_B = '+14155550102';
/** @see NUMBER_A */
export const NUMBER_C = '+14155550103';

/** `T` without `readonly`, to vandalize records in the copy tests. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A test body; `ctx.skip` announces a skip (with its reason) at run time. */
export type TestBody = (ctx: { skip: (note?: string) => void }) => Promise<void>;

/** The state and helpers of the running suite, handed to each operation's tests. */
export interface Suite {
  /** The store under test (a fresh, initialized one in each test). */
  readonly store: CallStore;
  /**
   * A second handle on the same store (another connection), from the `openPeer` option; the store
   * itself when the option is absent (see {@link Suite.hasPeer}).
   */
  readonly peer: CallStore;
  /** Whether {@link Suite.peer} is a handle of its own. */
  readonly hasPeer: boolean;
  /** A new time-ordered call id. */
  nextId(): string;
  /** Registers a test, or an announced skip when the `skip` option names it. */
  test(name: string, fn: TestBody): void;
  /** A scheduled call due at {@link T0} to {@link NUMBER_A}, with `overrides`. */
  newCall(overrides?: Partial<NewCallRecord>): NewCallRecord;
  /** The `scheduled` event of a new call. */
  scheduledEvent(call: NewCallRecord): NewCallEvent;
  /** A call with its `scheduled` event, to insert. */
  item(call: NewCallRecord): CallInsert;
  /** Inserts calls (one transaction) and returns the stored records in input order. */
  insert(...calls: NewCallRecord[]): Promise<CallRecord[]>;
  /** Claim options at {@link T0} for `scheduler-1`, with `overrides`. */
  claimOptions(overrides?: Partial<ClaimOptions>): ClaimOptions;
  /** `claimDueCalls` with {@link Suite.claimOptions}. */
  claim(overrides?: Partial<ClaimOptions>): Promise<UpdateResult[]>;
  /** `claimExpiredLeases` as `scheduler-2`. */
  recover(overrides?: Partial<ClaimOptions>): Promise<UpdateResult[]>;
  /** The first 1,000 events of the log. */
  allEvents(): Promise<CallEventRecord[]>;
  /** The call, or a thrown error. */
  mustGet(id: string): Promise<CallRecord>;
  /** A `status` event. */
  statusEvent(status: CallStatus, at: number, attempt: number | null): NewCallEvent;
  /** Claims exactly the call `id` (it must be the only due call) and returns the result. */
  claimOne(id: string, overrides?: Partial<ClaimOptions>): Promise<UpdateResult>;
  /** Expects `run()` to reject with a CallSchedulerError of `code` whose message names `field`. */
  expectError(run: () => Promise<unknown>, code: string, field?: string): Promise<void>;
  /** The ids of records. */
  ids(calls: readonly { readonly id: string }[]): string[];
  /** A sorted copy. */
  sorted(values: readonly string[]): string[];
  /** A deterministic shuffle (so that failures reproduce). */
  shuffle<T>(values: readonly T[]): T[];
}

/** The helpers of a {@link Suite}, given how to reach the running test's store and ids. */
export function suiteHelpers(
  current: () => { readonly store: CallStore; readonly nextId: () => string },
): Omit<Suite, 'store' | 'peer' | 'hasPeer' | 'nextId' | 'test'> {
  const newCall = (overrides: Partial<NewCallRecord> = {}): NewCallRecord =>
    callFixture({ id: current().nextId(), to: NUMBER_A, at: T0, dueAt: T0, createdAt: T0 - 60_000, ...overrides });
  const item = (call: NewCallRecord): CallInsert => callInsertFixture(call);
  const scheduledEvent = (call: NewCallRecord): NewCallEvent => item(call).events[0] as NewCallEvent;
  const claimOptions = (overrides: Partial<ClaimOptions> = {}): ClaimOptions => ({
    now: T0,
    limit: 100,
    owner: 'scheduler-1',
    leaseExpiresAt: (overrides.now ?? T0) + LEASE_MS,
    ...overrides,
  });
  const claim = (overrides: Partial<ClaimOptions> = {}): Promise<UpdateResult[]> => current().store.claimDueCalls(claimOptions(overrides));
  return {
    newCall,
    scheduledEvent,
    item,
    insert: async (...calls) => (await current().store.insertCalls(calls.map(item))).map((r) => r.call),
    claimOptions,
    claim,
    recover: (overrides = {}) => current().store.claimExpiredLeases(claimOptions({ owner: 'scheduler-2', ...overrides })),
    allEvents: async () => [...(await current().store.listEvents({ after: null, limit: 1000 })).items],
    mustGet: async (id) => {
      const call = await current().store.getCall(id);
      if (call === undefined) throw new Error(`call ${id} not found`);
      return call;
    },
    statusEvent: (status, at, attempt) => ({ type: 'status', at, attempt, status, providerStatus: status, data: null }),
    claimOne: async (id, overrides = {}) => {
      const results = await claim(overrides);
      expect(results.map((r) => r.call.id)).toEqual([id]);
      return results[0] as UpdateResult;
    },
    expectError: async (run, code, field) => {
      let promise: Promise<unknown>;
      try {
        promise = run();
      } catch (error) {
        throw new Error(`the operation threw synchronously instead of returning a rejected promise: ${String(error)}`);
      }
      let caught: unknown;
      let rejected = false;
      try {
        await promise;
      } catch (error) {
        rejected = true;
        caught = error;
      }
      expect(rejected, `expected a rejection with ${code}`).toBe(true);
      expect(isCallSchedulerError(caught), `expected a CallSchedulerError, got ${String(caught)}`).toBe(true);
      expect((caught as { code: string }).code).toBe(code);
      if (field !== undefined) expect((caught as Error).message).toContain(field);
    },
    ids: (calls) => calls.map((c) => c.id),
    sorted: (values) => [...values].sort(),
    shuffle: <T>(values: readonly T[]): T[] => {
      const out = [...values];
      let seed = 12345;
      for (let i = out.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
  };
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallStatus } from '../call/call-status.js';
import { isCallSchedulerError } from '../errors/call-scheduler-error.js';
import type { AttemptRecord, CallEventRecord, CallRecord, EventCursor, NewCallEvent, NewCallRecord } from '../store/call-record.js';
import type { CallInsert, CallStore, ClaimOptions, EventPage, UpdateResult } from '../store/call-store.js';
import { createIdGenerator } from '../util/ids.js';
import { FakeClock } from './fake-clock.js';

/** Options of {@link testCallStore}. */
export interface CallStoreConformanceOptions {
  /**
   * Tests to switch off, by their exact title, each with the reason. A skipped test is still
   * reported (as skipped, with the reason in its title), so nothing is skipped silently; a name
   * that matches no test makes the suite fail.
   * @default {}
   */
  readonly skip?: Readonly<Record<string, string>>;
  /** The title of the `describe` block. @default 'CallStore conformance' */
  readonly name?: string;
}

/** 2026-01-01T00:00:00Z: the suite's "now" unless a test says otherwise. */
const T0 = Date.UTC(2026, 0, 1);
const LEASE_MS = 30_000;
const NUMBER_A = '+14155550101';
const NUMBER_B = '+14155550102';
const NUMBER_C = '+14155550103';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The conformance suite every {@link CallStore} must pass. Call it at the top level of a vitest
 * test file; it registers one `describe` block. `makeStore` is called before each test (a fresh,
 * empty store each time), then `init()`; `close()` runs after each test.
 *
 * The suite passes `now` into every operation and checks that results depend on nothing else: a
 * store must never read the clock.
 *
 * @example
 * ```ts
 * import { testCallStore } from '@call-scheduler/core/testing';
 * import { MemoryStore } from '../src/index.js';
 * testCallStore(() => new MemoryStore());
 * ```
 */
export function testCallStore(
  makeStore: () => CallStore | Promise<CallStore>,
  options: CallStoreConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const registered = new Set<string>();

  /** Registers a test, or an announced skip when `options.skip` names it. */
  const test = (name: string, fn: (ctx: { skip: (note?: string) => void }) => Promise<void>): void => {
    if (registered.has(name)) throw new Error(`testCallStore: duplicate test name "${name}"`);
    registered.add(name);
    const reason = skip[name];
    if (reason !== undefined) {
      // Switched off by the adapter, by name, with its reason in the title: reported, never silent.
      it.skip(`${name} [skipped: ${reason}]`, async () => {});
    } else {
      it(name, fn);
    }
  };

  describe(options.name ?? 'CallStore conformance', () => {
    let store: CallStore;
    let nextId: () => string;

    beforeEach(async () => {
      nextId = createIdGenerator(new FakeClock('2026-01-01T00:00:00Z'));
      store = await makeStore();
      await store.init?.();
    });

    afterEach(async () => {
      vi.useRealTimers();
      await store.close?.();
    });

    // ---------------------------------------------------------------- helpers

    const newCall = (overrides: Partial<NewCallRecord> = {}): NewCallRecord => ({
      id: nextId(),
      to: NUMBER_A,
      status: 'scheduled',
      at: T0,
      dueAt: T0,
      timeZone: null,
      window: null,
      expiresAt: null,
      retry: null,
      idempotencyKey: null,
      metadata: null,
      error: null,
      createdAt: T0 - 60_000,
      endedAt: null,
      ...overrides,
    });

    const scheduledEvent = (call: NewCallRecord): NewCallEvent => ({
      type: 'scheduled',
      at: call.createdAt,
      attempt: null,
      status: call.status,
      providerStatus: null,
      data: null,
    });

    const item = (call: NewCallRecord): CallInsert => ({ call, events: [scheduledEvent(call)] });

    /** Inserts calls (one transaction) and returns the stored records in input order. */
    const insert = async (...calls: NewCallRecord[]): Promise<CallRecord[]> => {
      const results = await store.insertCalls(calls.map(item));
      return results.map((r) => r.call);
    };

    const claimOptions = (overrides: Partial<ClaimOptions> = {}): ClaimOptions => ({
      now: T0,
      limit: 100,
      owner: 'scheduler-1',
      leaseExpiresAt: (overrides.now ?? T0) + LEASE_MS,
      ...overrides,
    });

    const claim = (overrides: Partial<ClaimOptions> = {}): Promise<UpdateResult[]> =>
      store.claimDueCalls(claimOptions(overrides));

    const recover = (overrides: Partial<ClaimOptions> = {}): Promise<UpdateResult[]> =>
      store.claimExpiredLeases(claimOptions({ owner: 'scheduler-2', ...overrides }));

    const allEvents = async (): Promise<CallEventRecord[]> => [...(await store.listEvents({ after: null, limit: 1000 })).items];

    const mustGet = async (id: string): Promise<CallRecord> => {
      const call = await store.getCall(id);
      if (call === undefined) throw new Error(`call ${id} not found`);
      return call;
    };

    const statusEvent = (status: CallStatus, at: number, attempt: number | null): NewCallEvent => ({
      type: 'status',
      at,
      attempt,
      status,
      providerStatus: status,
      data: null,
    });

    /** Claims exactly the call `id` (it must be the only due call) and returns the result. */
    const claimOne = async (id: string, overrides: Partial<ClaimOptions> = {}): Promise<UpdateResult> => {
      const results = await claim(overrides);
      expect(results.map((r) => r.call.id)).toEqual([id]);
      return results[0] as UpdateResult;
    };

    /** Expects `promise` to reject with a CallSchedulerError of `code` whose message names `field`. */
    const expectError = async (run: () => Promise<unknown>, code: string, field?: string): Promise<void> => {
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
    };

    const ids = (calls: readonly { readonly id: string }[]): string[] => calls.map((c) => c.id);
    const sorted = (values: readonly string[]): string[] => [...values].sort();

    /** A deterministic shuffle (so that failures reproduce). */
    const shuffle = <T>(values: readonly T[]): T[] => {
      const out = [...values];
      let seed = 12345;
      for (let i = out.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    };

    // ---------------------------------------------------------------- insert and get

    describe('insertCalls, getCall, getCallDetails', () => {
      test('insertCalls stores a call and returns it with the defaults of a new record', async () => {
        const input = newCall({ idempotencyKey: 'key-1' });
        const [result] = await store.insertCalls([item(input)]);
        expect(result).toBeDefined();
        const { call, created, events } = result!;
        expect(created).toBe(true);
        expect(call).toEqual({
          ...input,
          attemptCount: 0,
          providerCallId: null,
          providerStatus: null,
          lease: null,
          fencingToken: 0,
          version: call.version,
          updatedAt: input.createdAt,
        });
        expect(Number.isInteger(call.version)).toBe(true);
        expect(events).toHaveLength(1);
        expect(events[0]).toEqual({ ...scheduledEvent(input), id: events[0]!.id, cursor: events[0]!.cursor, callId: input.id });
        expect(Number.isInteger(events[0]!.id)).toBe(true);
        expect(await store.getCall(input.id)).toEqual(call);
        expect(await allEvents()).toEqual(events);
      });

      test('insertCalls keeps every field as given', async () => {
        const input = newCall({
          to: NUMBER_B,
          at: T0 + 5_000,
          dueAt: T0 + 7_000,
          timeZone: 'America/New_York',
          window: { mon: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '18:00' }], sat: [] },
          expiresAt: T0 + 86_400_000,
          retry: { busy: { delaysMs: [60_000, 120_000], maxAttempts: 3 }, unknown: { delaysMs: [1], maxAttempts: 2 } },
          idempotencyKey: 'order-42',
          metadata: { customer: { id: 7, tags: ['vip', 'new'] }, note: 'ünïcødé ☎', nothing: null, ok: true, n: 1.5 },
          error: { code: 'SOMETHING', message: 'kept as given' },
          createdAt: T0 - 123,
        });
        const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 - 100 });
        await insert(input, expired);
        const stored = await mustGet(input.id);
        const { attemptCount: _a, providerCallId: _p, providerStatus: _s, lease: _l, fencingToken: _f, version: _v, updatedAt, ...rest } = stored;
        expect(rest).toEqual(input);
        expect(updatedAt).toBe(input.createdAt);
        expect((await mustGet(expired.id)).status).toBe('expired');
        expect((await mustGet(expired.id)).endedAt).toBe(T0 - 100);
      });

      test('insertCalls with a batch returns results in input order', async () => {
        const calls = Array.from({ length: 6 }, (_, i) => newCall({ dueAt: T0 + i }));
        const input = shuffle(calls);
        expect(ids(input)).not.toEqual(ids(calls));
        const results = await store.insertCalls(input.map(item));
        expect(results.map((r) => r.call.id)).toEqual(ids(input));
        expect(results.every((r) => r.created)).toBe(true);
        const eventIds = results.map((r) => r.events[0]!.id);
        for (let i = 1; i < eventIds.length; i++) expect(eventIds[i]).toBeGreaterThan(eventIds[i - 1]!);
        results.forEach((r, i) => expect(r.events[0]!.callId).toBe(input[i]!.id));
        for (const call of calls) expect((await mustGet(call.id)).dueAt).toBe(call.dueAt);
      });

      test('insertCalls with an empty batch returns an empty array', async () => {
        expect(await store.insertCalls([])).toEqual([]);
        expect(await allEvents()).toEqual([]);
      });

      test('insertCalls appends every event given with the call, in order', async () => {
        const input = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
        const events: NewCallEvent[] = [
          scheduledEvent(input),
          { type: 'expired', at: T0, attempt: null, status: 'expired', providerStatus: null, data: { reason: 'past expiresAt' } },
        ];
        const [result] = await store.insertCalls([{ call: input, events }]);
        expect(result!.events.map((e) => e.type)).toEqual(['scheduled', 'expired']);
        expect(result!.events[1]!.data).toEqual({ reason: 'past expiresAt' });
        expect(result!.events[1]!.id).toBeGreaterThan(result!.events[0]!.id);
        const details = await store.getCallDetails(input.id);
        expect(details!.events).toEqual(result!.events);
      });

      test('getCall and getCallDetails return undefined for an unknown id', async () => {
        await insert(newCall());
        const unknown = nextId();
        expect(await store.getCall(unknown)).toBeUndefined();
        expect(await store.getCallDetails(unknown)).toBeUndefined();
      });

      test('getCallDetails returns attempts by number and events by id', async () => {
        const other = newCall({ to: NUMBER_B, dueAt: T0 + 10 });
        const input = newCall();
        await insert(input, other);
        const first = await claimOne(input.id);
        // Back to scheduled for a retry, releasing the lease.
        const retry = await store.updateCall({
          id: input.id,
          expect: { token: first.call.fencingToken },
          set: { status: 'scheduled', dueAt: T0 + 1_000, leaseExpiresAt: null, error: { code: 'CALL_FAILED', message: 'busy' } },
          attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 500 } },
          events: [{ type: 'retrying', at: T0 + 500, attempt: 1, status: 'scheduled', providerStatus: 'busy', data: { nextAttemptAt: T0 + 1_000 } }],
          now: T0 + 500,
        });
        expect(retry).toBeDefined();
        await claimOne(other.id, { now: T0 + 20 });
        const second = await claimOne(input.id, { now: T0 + 1_000 });
        expect(second.call.attemptCount).toBe(2);

        const details = await store.getCallDetails(input.id);
        expect(details).toBeDefined();
        expect(details!.call).toEqual(second.call);
        expect(details!.attempts.map((a) => [a.number, a.status, a.startedAt, a.endedAt])).toEqual([
          [1, 'busy', T0, T0 + 500],
          [2, 'dispatching', T0 + 1_000, null],
        ]);
        expect(details!.attempts.every((a) => a.callId === input.id)).toBe(true);
        expect(details!.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'retrying', 'dispatching']);
        expect(details!.events.every((e) => e.callId === input.id)).toBe(true);
        const eventIds = details!.events.map((e) => e.id);
        expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
        expect(new Set(eventIds).size).toBe(eventIds.length);
      });
    });

    describe('idempotency keys', () => {
      test('an idempotency key already stored returns the first call with created false and appends no events', async () => {
        const first = newCall({ idempotencyKey: 'same-key' });
        await insert(first);
        const eventsBefore = await allEvents();
        const again = newCall({ idempotencyKey: 'same-key', to: NUMBER_B });
        const [result] = await store.insertCalls([item(again)]);
        expect(result!.created).toBe(false);
        expect(result!.events).toEqual([]);
        expect(result!.call).toEqual(await mustGet(first.id));
        expect(await store.getCall(again.id)).toBeUndefined();
        expect(await allEvents()).toEqual(eventsBefore);
      });

      test('duplicate idempotency keys inside one batch return the first call of the batch', async () => {
        const a = newCall({ idempotencyKey: 'k1' });
        const b = newCall({ idempotencyKey: 'k2' });
        const a2 = newCall({ idempotencyKey: 'k1', to: NUMBER_C });
        const c = newCall({ idempotencyKey: null });
        const results = await store.insertCalls([item(a), item(b), item(a2), item(c)]);
        expect(results.map((r) => [r.call.id, r.created])).toEqual([
          [a.id, true],
          [b.id, true],
          [a.id, false],
          [c.id, true],
        ]);
        expect(results[2]!.events).toEqual([]);
        expect(results[2]!.call.to).toBe(NUMBER_A);
        expect(await store.getCall(a2.id)).toBeUndefined();
        const events = await allEvents();
        expect(events.map((e) => e.callId)).toEqual([a.id, b.id, c.id]);
      });

      test('calls without an idempotency key are never de-duplicated', async () => {
        const results = await store.insertCalls([item(newCall()), item(newCall())]);
        expect(results.map((r) => r.created)).toEqual([true, true]);
        expect(results[0]!.call.id).not.toBe(results[1]!.call.id);
      });

      test('an idempotency key still de-duplicates after its call has ended', async () => {
        const first = newCall({ idempotencyKey: 'ended-key' });
        await insert(first);
        const canceled = await store.updateCall({
          id: first.id,
          expect: { statuses: ['scheduled'] },
          set: { status: 'canceled', dueAt: null, endedAt: T0 },
          now: T0,
        });
        expect(canceled?.call.status).toBe('canceled');
        const [result] = await store.insertCalls([item(newCall({ idempotencyKey: 'ended-key' }))]);
        expect(result!.created).toBe(false);
        expect(result!.call.id).toBe(first.id);
        expect(result!.call.status).toBe('canceled');
      });
    });

    describe('atomic batches', () => {
      test('a batch with a duplicate id fails and stores nothing of the batch', async () => {
        const a = newCall({ idempotencyKey: 'batch-key' });
        const b = newCall();
        const duplicate = newCall({ id: b.id, to: NUMBER_C });
        await expect(store.insertCalls([item(a), item(b), item(duplicate)])).rejects.toBeDefined();
        expect(await store.getCall(a.id)).toBeUndefined();
        expect(await store.getCall(b.id)).toBeUndefined();
        expect(await allEvents()).toEqual([]);
        expect((await store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items).toEqual([]);
        expect(await store.nextWakeUpAt()).toBeNull();
        // The idempotency key of the failed batch was not kept either.
        const [retry] = await store.insertCalls([item(newCall({ idempotencyKey: 'batch-key' }))]);
        expect(retry!.created).toBe(true);
      });

      test('inserting an id that is already stored fails and stores nothing of the batch', async () => {
        const existing = newCall();
        await insert(existing);
        const eventsBefore = await allEvents();
        const fresh = newCall({ dueAt: T0 - 5 });
        const clash = newCall({ id: existing.id, to: NUMBER_C, dueAt: T0 - 10 });
        await expect(store.insertCalls([item(fresh), item(clash)])).rejects.toBeDefined();
        expect(await store.getCall(fresh.id)).toBeUndefined();
        expect((await mustGet(existing.id)).to).toBe(NUMBER_A);
        expect(await allEvents()).toEqual(eventsBefore);
        expect(await store.nextWakeUpAt()).toBe(T0);
        expect((await claim()).map((r) => r.call.id)).toEqual([existing.id]);
      });
    });

    describe('findCallByProviderCallId', () => {
      test('findCallByProviderCallId finds the call by the provider id of its current attempt', async () => {
        const a = newCall();
        const b = newCall({ to: NUMBER_B });
        await insert(a, b);
        const claimed = await claim();
        expect(claimed).toHaveLength(2);
        for (const [index, result] of claimed.entries()) {
          const updated = await store.updateCall({
            id: result.call.id,
            expect: { token: result.call.fencingToken },
            set: { status: 'initiated', providerCallId: `pc-${index}`, providerStatus: 'queued' },
            attempt: { number: 1, set: { status: 'initiated', providerCallId: `pc-${index}`, providerStatus: 'queued' } },
            now: T0 + 10,
          });
          expect(updated).toBeDefined();
        }
        const found0 = await store.findCallByProviderCallId('pc-0');
        const found1 = await store.findCallByProviderCallId('pc-1');
        expect(found0?.id).toBe(claimed[0]!.call.id);
        expect(found1?.id).toBe(claimed[1]!.call.id);
        expect(found0).toEqual(await mustGet(claimed[0]!.call.id));
        expect(await store.findCallByProviderCallId('pc-unknown')).toBeUndefined();
      });
    });

    // ---------------------------------------------------------------- listCalls

    describe('listCalls', () => {
      const list = (query: Partial<Parameters<CallStore['listCalls']>[0]> = {}) =>
        store.listCalls({ limit: 1000, cursor: null, order: 'asc', ...query });

      test('listCalls on an empty store returns no items and a null cursor', async () => {
        expect(await list()).toEqual({ items: [], nextCursor: null });
      });

      test('listCalls returns calls in id order, ascending and descending', async () => {
        const calls = Array.from({ length: 8 }, () => newCall());
        await insert(...shuffle(calls));
        const asc = await list({ order: 'asc' });
        expect(ids(asc.items)).toEqual(sorted(ids(calls)));
        expect(asc.nextCursor).toBeNull();
        const desc = await list({ order: 'desc' });
        expect(ids(desc.items)).toEqual(sorted(ids(calls)).reverse());
        expect(asc.items[0]).toEqual(await mustGet(asc.items[0]!.id));
      });

      test('listCalls filters by status', async () => {
        const scheduled = newCall();
        const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
        const canceled = newCall();
        const dispatching = newCall({ dueAt: T0 - 1_000 });
        await insert(scheduled, expired, canceled, dispatching);
        await store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null }, now: T0 });
        await claim({ now: T0 - 1_000, limit: 1 });
        expect(ids((await list({ statuses: ['scheduled'] })).items)).toEqual([scheduled.id]);
        expect(ids((await list({ statuses: ['dispatching'] })).items)).toEqual([dispatching.id]);
        expect(ids((await list({ statuses: ['canceled', 'expired'] })).items)).toEqual(sorted([expired.id, canceled.id]));
        expect(ids((await list({ statuses: ['completed'] })).items)).toEqual([]);
        expect((await list({ statuses: [...(['scheduled', 'dispatching', 'expired', 'canceled'] as const)] })).items).toHaveLength(4);
      });

      test('listCalls filters by number', async () => {
        const a1 = newCall({ to: NUMBER_A });
        const b1 = newCall({ to: NUMBER_B });
        const a2 = newCall({ to: NUMBER_A });
        await insert(a1, b1, a2);
        expect(ids((await list({ to: NUMBER_A })).items)).toEqual([a1.id, a2.id]);
        expect(ids((await list({ to: NUMBER_B, order: 'desc' })).items)).toEqual([b1.id]);
        expect((await list({ to: NUMBER_C })).items).toEqual([]);
      });

      test('listCalls filters by at with atFrom inclusive and atUntil exclusive', async () => {
        const calls = [0, 1, 2, 3, 4].map((i) => newCall({ at: T0 + i * 1_000 }));
        await insert(...calls);
        const ats = async (query: Parameters<typeof list>[0]) => (await list(query)).items.map((c) => c.at - T0);
        expect(await ats({ atFrom: T0 + 1_000 })).toEqual([1_000, 2_000, 3_000, 4_000]);
        expect(await ats({ atUntil: T0 + 3_000 })).toEqual([0, 1_000, 2_000]);
        expect(await ats({ atFrom: T0 + 1_000, atUntil: T0 + 3_000 })).toEqual([1_000, 2_000]);
        expect(await ats({ atFrom: T0 + 1_500, atUntil: T0 + 1_600 })).toEqual([]);
        expect(await ats({ atFrom: T0 + 2_000, atUntil: T0 + 2_000 })).toEqual([]);
      });

      test('listCalls combines filters', async () => {
        const match = newCall({ to: NUMBER_A, at: T0 + 1_000 });
        const wrongNumber = newCall({ to: NUMBER_B, at: T0 + 1_000 });
        const wrongTime = newCall({ to: NUMBER_A, at: T0 + 9_000 });
        const wrongStatus = newCall({ to: NUMBER_A, at: T0 + 1_000, status: 'expired', dueAt: null });
        await insert(match, wrongNumber, wrongTime, wrongStatus);
        const page = await list({ to: NUMBER_A, statuses: ['scheduled'], atFrom: T0, atUntil: T0 + 5_000 });
        expect(ids(page.items)).toEqual([match.id]);
      });

      test('listCalls honours limit and returns a null cursor on the last page', async () => {
        const calls = Array.from({ length: 6 }, () => newCall());
        await insert(...calls);
        const first = await list({ limit: 4 });
        expect(ids(first.items)).toEqual(ids(calls).slice(0, 4));
        expect(typeof first.nextCursor).toBe('string');
        const second = await list({ limit: 4, cursor: first.nextCursor });
        expect(ids(second.items)).toEqual(ids(calls).slice(4));
        expect(second.nextCursor).toBeNull();
        const exact = await list({ limit: 6 });
        expect(exact.items).toHaveLength(6);
        expect(exact.nextCursor).toBeNull();
        const descFirst = await list({ limit: 4, order: 'desc' });
        expect(ids(descFirst.items)).toEqual(ids(calls).reverse().slice(0, 4));
        const descSecond = await list({ limit: 4, order: 'desc', cursor: descFirst.nextCursor });
        expect(ids(descSecond.items)).toEqual(ids(calls).reverse().slice(4));
        expect(descSecond.nextCursor).toBeNull();
      });

      test('listCalls pages through every call exactly once in both orders, also with filters', async () => {
        const calls = Array.from({ length: 23 }, (_, i) => newCall({ to: i % 3 === 0 ? NUMBER_B : NUMBER_A }));
        await insert(...shuffle(calls));
        for (const order of ['asc', 'desc'] as const) {
          for (const to of [undefined, NUMBER_B]) {
            const seen: string[] = [];
            let cursor: string | null = null;
            for (let pages = 0; pages < 50; pages++) {
              const page: Awaited<ReturnType<typeof list>> = await list({ order, limit: 5, cursor, ...(to === undefined ? {} : { to }) });
              seen.push(...ids(page.items));
              cursor = page.nextCursor;
              if (cursor === null) break;
            }
            expect(cursor).toBeNull();
            const expected = sorted(ids(calls.filter((c) => to === undefined || c.to === to)));
            expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
          }
        }
      });

      test('listCalls pagination has no duplicates and no gaps while calls are inserted between pages', async () => {
        const calls = Array.from({ length: 20 }, () => newCall());
        await insert(...calls);
        for (const order of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let pages = 0; pages < 100; pages++) {
            const page: Awaited<ReturnType<typeof list>> = await list({ order, limit: 3, cursor });
            seen.push(...ids(page.items));
            cursor = page.nextCursor;
            if (cursor === null) break;
            await insert(newCall(), newCall());
          }
          expect(cursor).toBeNull();
          expect(new Set(seen).size).toBe(seen.length);
          for (const call of calls) expect(seen).toContain(call.id);
          const orderedSeen = order === 'asc' ? sorted(seen) : sorted(seen).reverse();
          expect(seen).toEqual(orderedSeen);
        }
      });

      test('listCalls rejects a malformed cursor with INVALID_INPUT naming cursor', async () => {
        await insert(newCall(), newCall());
        await expectError(() => list({ cursor: '!!not a cursor!!' }), 'INVALID_INPUT', 'cursor');
        await expectError(() => list({ cursor: '%%%', order: 'desc' }), 'INVALID_INPUT', 'cursor');
      });

      test('listCalls rejects a limit outside 1..1000 with INVALID_INPUT naming limit', async () => {
        await expectError(() => list({ limit: 0 }), 'INVALID_INPUT', 'limit');
        await expectError(() => list({ limit: 1001 }), 'INVALID_INPUT', 'limit');
        await expectError(() => list({ limit: 2.5 }), 'INVALID_INPUT', 'limit');
      });
    });

    // ---------------------------------------------------------------- listEvents

    describe('listEvents', () => {
      /** Three calls with events interleaved between them. */
      const history = async (): Promise<{ a: string; b: string; c: string }> => {
        const a = newCall({ dueAt: T0 - 3 });
        const b = newCall({ to: NUMBER_B, dueAt: T0 - 2 });
        const c = newCall({ to: NUMBER_C, dueAt: T0 - 1 });
        await insert(a, b);
        await claim({ limit: 1 }); // a
        await insert(c);
        const [claimedB] = await claim({ limit: 1 }); // b
        await store.updateCall({
          id: a.id,
          expect: { statuses: ['dispatching'] },
          set: { status: 'initiated' },
          events: [statusEvent('initiated', T0 + 1, 1)],
          now: T0 + 1,
        });
        await store.updateCall({
          id: claimedB!.call.id,
          expect: { token: claimedB!.call.fencingToken },
          set: { status: 'ringing' },
          events: [statusEvent('initiated', T0 + 2, 1), statusEvent('ringing', T0 + 2, 1)],
          now: T0 + 2,
        });
        return { a: a.id, b: b.id, c: c.id };
      };

      test('listEvents returns events across calls with strictly increasing ids', async () => {
        const { a, b, c } = await history();
        const events = await allEvents();
        expect(events.map((e) => [e.callId, e.type])).toEqual([
          [a, 'scheduled'],
          [b, 'scheduled'],
          [a, 'dispatching'],
          [c, 'scheduled'],
          [b, 'dispatching'],
          [a, 'status'],
          [b, 'status'],
          [b, 'status'],
        ]);
        for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
        expect(events[0]!.id).toBeGreaterThan(0);
        expect(events[7]!.providerStatus).toBe('ringing');
      });

      test('listEvents honours after and limit', async () => {
        await history();
        const all = await allEvents();
        const paged: CallEventRecord[] = [];
        let after: EventCursor | null = null;
        for (let i = 0; i < 20; i++) {
          const page: EventPage = await store.listEvents({ after, limit: 3 });
          expect(page.items.length).toBeLessThanOrEqual(3);
          if (page.items.length === 0) {
            expect(page.nextCursor).toBe(after);
            break;
          }
          paged.push(...page.items);
          expect(page.nextCursor).toBe(page.items[page.items.length - 1]!.cursor);
          after = page.nextCursor;
        }
        expect(paged).toEqual(all);
        expect((await store.listEvents({ after: all[4]!.cursor, limit: 1000 })).items).toEqual(all.slice(5));
        expect((await store.listEvents({ after: all[all.length - 1]!.cursor, limit: 10 })).items).toEqual([]);
      });

      test('listEvents filters by callId', async () => {
        const { a, b } = await history();
        const all = await allEvents();
        const ofB = (await store.listEvents({ after: null, limit: 1000, callId: b })).items;
        expect(ofB).toEqual(all.filter((e) => e.callId === b));
        expect(ofB).toHaveLength(4);
        const ofBAfter = (await store.listEvents({ after: ofB[1]!.cursor, limit: 1, callId: b })).items;
        expect(ofBAfter).toEqual([ofB[2]]);
        expect((await store.listEvents({ after: null, limit: 1000, callId: a })).items.map((e) => e.type)).toEqual([
          'scheduled',
          'dispatching',
          'status',
        ]);
        expect(await store.listEvents({ after: null, limit: 10, callId: nextId() })).toEqual({ items: [], nextCursor: null });
      });

      test('every event carries a cursor, the same in every answer that returns it', async () => {
        const [inserted] = await store.insertCalls([item(newCall({ dueAt: T0 }))]);
        const [claimed] = await claim();
        const all = await allEvents();
        expect(all).toHaveLength(2);
        for (const event of all) {
          expect(typeof event.cursor).toBe('string');
          expect(event.cursor.length).toBeGreaterThan(0);
        }
        expect(new Set(all.map((e) => e.cursor)).size).toBe(all.length);
        expect(inserted!.events[0]!.cursor).toBe(all[0]!.cursor);
        expect(claimed!.events[0]!.cursor).toBe(all[1]!.cursor);
        expect((await store.getCallDetails(inserted!.call.id))!.events).toEqual(all);
      });

      test('eventLogHead is null on an empty log; listEvents after it returns exactly the events written since', async () => {
        expect(await store.eventLogHead()).toBeNull();
        expect(await store.listEvents({ after: null, limit: 10 })).toEqual({ items: [], nextCursor: null });
        await history();
        const before = await allEvents();
        const head = await store.eventLogHead();
        expect(head).not.toBeNull();
        expect(await store.listEvents({ after: head, limit: 10 })).toEqual({ items: [], nextCursor: head });
        const [later] = await store.insertCalls([item(newCall({ to: NUMBER_C, dueAt: T0 + 5 }))]);
        const since = await store.listEvents({ after: head, limit: 10 });
        expect(since.items).toEqual(later!.events);
        expect(since.nextCursor).toBe(later!.events[0]!.cursor);
        // The head moved past the new event; reading from the start still returns everything.
        const newHead = await store.eventLogHead();
        expect((await store.listEvents({ after: newHead, limit: 10 })).items).toEqual([]);
        expect(await allEvents()).toEqual([...before, ...later!.events]);
      });

      test('listEvents rejects a cursor the store did not make with INVALID_INPUT naming after', async () => {
        await history();
        await expectError(() => store.listEvents({ after: '!!not a cursor!!', limit: 10 }), 'INVALID_INPUT', 'after');
        await expectError(() => store.listEvents({ after: '', limit: 10 }), 'INVALID_INPUT', 'after');
      });

      test('listEvents rejects a limit below 1 or not whole with INVALID_INPUT naming limit', async () => {
        await expectError(() => store.listEvents({ after: null, limit: 0 }), 'INVALID_INPUT', 'limit');
        await expectError(() => store.listEvents({ after: null, limit: 2.5 }), 'INVALID_INPUT', 'limit');
      });
    });

    // ---------------------------------------------------------------- claimDueCalls

    describe('claimDueCalls', () => {
      test('claimDueCalls claims only scheduled calls whose dueAt is not after now', async () => {
        const past = newCall({ dueAt: T0 - 60_000 });
        const exactlyNow = newCall({ to: NUMBER_B, dueAt: T0 });
        const future = newCall({ to: NUMBER_C, dueAt: T0 + 1 });
        const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 - 1 });
        const noDueAt = newCall({ dueAt: null });
        const canceled = newCall({ dueAt: T0 - 1_000 });
        await insert(past, exactlyNow, future, expired, noDueAt, canceled);
        await store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 });
        const results = await claim();
        expect(ids(results.map((r) => r.call))).toEqual([past.id, exactlyNow.id]);
        expect(await claim()).toEqual([]);
        expect((await mustGet(future.id)).status).toBe('scheduled');
        expect((await mustGet(canceled.id)).status).toBe('canceled');
        expect(ids((await claim({ now: T0 + 1 })).map((r) => r.call))).toEqual([future.id]);
      });

      test('claimDueCalls claims the earliest dueAt first, then by id, at most limit', async () => {
        const calls = [
          newCall({ dueAt: T0 - 10 }),
          newCall({ dueAt: T0 - 30 }),
          newCall({ dueAt: T0 - 20 }),
          newCall({ dueAt: T0 - 30 }),
          newCall({ dueAt: T0 - 20 }),
          newCall({ dueAt: T0 - 30 }),
        ];
        await insert(...shuffle(calls));
        const expected = [...calls].sort((x, y) => (x.dueAt! - y.dueAt!) || (x.id < y.id ? -1 : 1)).map((c) => c.id);
        const first = await claim({ limit: 4 });
        expect(first).toHaveLength(4);
        expect(ids(first.map((r) => r.call))).toEqual(expected.slice(0, 4));
        const rest = await claim({ limit: 4 });
        expect(ids(rest.map((r) => r.call))).toEqual(expected.slice(4));
      });

      test('claimDueCalls makes each call dispatching with a lease, an attempt and an event', async () => {
        const input = newCall({ dueAt: T0 - 5_000, metadata: { x: 1 } });
        const [before] = await insert(input);
        const now = T0 + 250;
        const results = await claim({ now, owner: 'worker-a', leaseExpiresAt: now + 12_345 });
        expect(results).toHaveLength(1);
        const { call, events } = results[0]!;
        expect(call).toEqual({
          ...before,
          status: 'dispatching',
          dueAt: null,
          attemptCount: 1,
          fencingToken: 1,
          lease: { owner: 'worker-a', token: 1, expiresAt: now + 12_345 },
          version: before!.version + 1,
          updatedAt: now,
        });
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ callId: input.id, type: 'dispatching', at: now, attempt: 1, status: 'dispatching' });
        const details = await store.getCallDetails(input.id);
        expect(details!.call).toEqual(call);
        expect(details!.attempts).toEqual([
          {
            callId: input.id,
            number: 1,
            status: 'dispatching',
            providerCallId: null,
            providerStatus: null,
            startedAt: now,
            endedAt: null,
            durationSeconds: null,
            error: null,
            schedulerId: 'worker-a',
          },
        ]);
        expect(details!.events[details!.events.length - 1]).toEqual(events[0]);
      });

      test('a call claimed again gets the next attempt number and fencing token', async () => {
        const input = newCall();
        await insert(input);
        const first = await claimOne(input.id);
        const back = await store.updateCall({
          id: input.id,
          expect: { token: 1 },
          set: { status: 'scheduled', dueAt: T0 + 60_000, leaseExpiresAt: null },
          attempt: { number: 1, set: { status: 'no-answer', endedAt: T0 + 100 } },
          now: T0 + 100,
        });
        expect(back?.call.lease).toBeNull();
        expect(back?.call.fencingToken).toBe(1);
        const second = await claimOne(input.id, { now: T0 + 60_000, owner: 'scheduler-3' });
        expect(second.call.attemptCount).toBe(2);
        expect(second.call.fencingToken).toBe(2);
        expect(second.call.lease).toEqual({ owner: 'scheduler-3', token: 2, expiresAt: T0 + 60_000 + LEASE_MS });
        expect(second.events[0]).toMatchObject({ type: 'dispatching', attempt: 2 });
        expect(second.call.version).toBe(first.call.version + 2);
        const details = await store.getCallDetails(input.id);
        expect(details!.attempts.map((a) => [a.number, a.status])).toEqual([
          [1, 'no-answer'],
          [2, 'dispatching'],
        ]);
      });

      test('claimDueCalls with nothing due returns an empty array and writes nothing', async () => {
        const [stored] = await insert(newCall({ dueAt: T0 + 1_000 }));
        const eventsBefore = await allEvents();
        expect(await claim()).toEqual([]);
        expect(await mustGet(stored!.id)).toEqual(stored);
        expect(await allEvents()).toEqual(eventsBefore);
      });

      test('concurrent claimDueCalls never hand one call to two claimers', async () => {
        const calls = Array.from({ length: 200 }, (_, i) => newCall({ to: `+1415555${String(1000 + i)}`, dueAt: T0 - (i % 17) }));
        await store.insertCalls(calls.map(item));
        const claimedBy = new Map<string, string>();
        let duplicates = 0;
        for (let round = 0; round < 20; round++) {
          const owners = Array.from({ length: 10 }, (_, i) => `claimer-${round}-${i}`);
          const batches = await Promise.all(owners.map((owner) => claim({ owner, limit: 7 })));
          let claimedThisRound = 0;
          batches.forEach((batch, i) => {
            for (const result of batch) {
              claimedThisRound++;
              if (claimedBy.has(result.call.id)) duplicates++;
              claimedBy.set(result.call.id, owners[i]!);
              expect(result.call.lease?.owner).toBe(owners[i]);
            }
          });
          if (claimedThisRound === 0) break;
        }
        expect(duplicates).toBe(0);
        expect(claimedBy.size).toBe(200);
        for (const call of calls.slice(0, 20)) {
          const stored = await mustGet(call.id);
          expect(stored.attemptCount).toBe(1);
          expect(stored.lease?.owner).toBe(claimedBy.get(call.id));
        }
        const dispatchingEvents = (await allEvents()).filter((e) => e.type === 'dispatching');
        expect(dispatchingEvents).toHaveLength(200);
      });

      test('concurrent claimDueCalls with large limits claim every call exactly once', async () => {
        const calls = Array.from({ length: 200 }, (_, i) => newCall({ dueAt: T0 - i }));
        await store.insertCalls(calls.map(item));
        const batches = await Promise.all(Array.from({ length: 10 }, (_, i) => claim({ owner: `claimer-${i}`, limit: 200 })));
        const all = batches.flatMap((batch) => ids(batch.map((r) => r.call)));
        expect(all).toHaveLength(200);
        expect(new Set(all).size).toBe(200);
        for (const batch of batches) {
          // Each claimer got its calls earliest dueAt first.
          const dues = batch.map((r) => calls.find((c) => c.id === r.call.id)!.dueAt!);
          expect(dues).toEqual([...dues].sort((x, y) => x - y));
        }
      });

      test('onePerNumber skips numbers that have a dispatching or live call', async () => {
        const busy = newCall({ to: NUMBER_A, dueAt: T0 - 100 });
        const waiting = newCall({ to: NUMBER_A, dueAt: T0 - 50 });
        const other = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
        await insert(busy, waiting, other);
        const first = await claim({ limit: 1, onePerNumber: true });
        expect(ids(first.map((r) => r.call))).toEqual([busy.id]);

        // NUMBER_A has a dispatching call: `waiting` is skipped, `other` is claimed.
        const second = await claim({ limit: 10, onePerNumber: true });
        expect(ids(second.map((r) => r.call))).toEqual([other.id]);
        const skipped = await mustGet(waiting.id);
        expect(skipped.status).toBe('scheduled');
        expect(skipped.dueAt).toBe(T0 - 50);
        expect(skipped.attemptCount).toBe(0);

        // Still skipped while the call is live.
        const live = await store.updateCall({ id: busy.id, expect: { token: first[0]!.call.fencingToken }, set: { status: 'ringing' }, now: T0 + 1 });
        expect(live?.call.status).toBe('ringing');
        expect(await claim({ now: T0 + 2, onePerNumber: true })).toEqual([]);
        expect(await store.nextWakeUpAt()).toBe(T0 - 50);

        // Once it has ended, the waiting call is claimed.
        const done = await store.updateCall({
          id: busy.id,
          expect: { token: first[0]!.call.fencingToken },
          set: { status: 'completed', endedAt: T0 + 3, leaseExpiresAt: null },
          now: T0 + 3,
        });
        expect(done?.call.status).toBe('completed');
        expect(ids((await claim({ now: T0 + 4, onePerNumber: true })).map((r) => r.call))).toEqual([waiting.id]);
      });

      test('without onePerNumber several calls to one number are claimed together', async () => {
        const calls = [newCall({ dueAt: T0 - 3 }), newCall({ dueAt: T0 - 2 }), newCall({ dueAt: T0 - 1 })];
        await insert(...calls);
        await claimOne(calls[0]!.id, { limit: 1 });
        expect(ids((await claim()).map((r) => r.call))).toEqual([calls[1]!.id, calls[2]!.id]);
      });

      test('onePerNumber claims at most one call per number in one claim', async () => {
        const a1 = newCall({ to: NUMBER_A, dueAt: T0 - 50 });
        const a2 = newCall({ to: NUMBER_A, dueAt: T0 - 40 });
        const a3 = newCall({ to: NUMBER_A, dueAt: T0 - 30 });
        const b1 = newCall({ to: NUMBER_B, dueAt: T0 - 20 });
        const b2 = newCall({ to: NUMBER_B, dueAt: T0 - 10 });
        const c1 = newCall({ to: NUMBER_C, dueAt: T0 - 5 });
        const stored = await insert(a1, a2, a3, b1, b2, c1);
        const limited = await claim({ limit: 2, onePerNumber: true });
        expect(ids(limited.map((r) => r.call))).toEqual([a1.id, b1.id]);
        const rest = await claim({ limit: 10, onePerNumber: true });
        expect(ids(rest.map((r) => r.call))).toEqual([c1.id]);
        // The skipped calls are untouched.
        for (const index of [1, 2, 4]) expect(await mustGet(stored[index]!.id)).toEqual(stored[index]);
        expect(await store.nextWakeUpAt()).toBe(T0 - 40);
      });
    });

    // ---------------------------------------------------------------- claimExpiredLeases

    describe('claimExpiredLeases', () => {
      /** Three calls claimed with leases ending at T0+1000, T0+2000 and T0+3000. */
      const leased = async (): Promise<UpdateResult[]> => {
        const calls = [newCall({ dueAt: T0 - 3 }), newCall({ to: NUMBER_B, dueAt: T0 - 2 }), newCall({ to: NUMBER_C, dueAt: T0 - 1 })];
        await insert(...calls);
        const results: UpdateResult[] = [];
        for (const [i, call] of calls.entries()) {
          results.push(await claimOne(call.id, { limit: 1, leaseExpiresAt: T0 + (3 - i) * 1_000 }));
        }
        return results; // leases end at T0+3000, T0+2000, T0+1000 in insertion order
      };

      test('claimExpiredLeases takes over only leases that have expired', async () => {
        const [late, middle, early] = await leased();
        const live = await store.updateCall({
          id: middle!.call.id,
          expect: { token: middle!.call.fencingToken },
          set: { status: 'ringing', providerCallId: 'pc-m' },
          now: T0 + 10,
        });
        expect(live).toBeDefined();
        const now = T0 + 2_000;
        const results = await recover({ now, owner: 'rescuer', leaseExpiresAt: now + 5_000 });
        expect(ids(results.map((r) => r.call))).toEqual([early!.call.id, middle!.call.id]);
        const recovered = results[1]!;
        expect(recovered.call).toEqual({
          ...live!.call,
          fencingToken: live!.call.fencingToken + 1,
          lease: { owner: 'rescuer', token: live!.call.fencingToken + 1, expiresAt: now + 5_000 },
          version: live!.call.version + 1,
          updatedAt: now,
        });
        expect(recovered.call.status).toBe('ringing');
        expect(recovered.events).toHaveLength(1);
        expect(recovered.events[0]).toMatchObject({ callId: middle!.call.id, type: 'recovered', at: now, status: 'ringing', attempt: 1 });
        expect(results[0]!.call.status).toBe('dispatching');
        expect(results[0]!.call.attemptCount).toBe(1);
        // The live lease is untouched.
        expect(await mustGet(late!.call.id)).toEqual(late!.call);
        // No new attempt was started.
        expect((await store.getCallDetails(middle!.call.id))!.attempts).toHaveLength(1);
        expect(await recover({ now })).toEqual([]);
      });

      test('claimExpiredLeases takes the earliest expiry first and honours limit', async () => {
        const [late, middle, early] = await leased();
        const first = await recover({ now: T0 + 10_000, limit: 2 });
        expect(ids(first.map((r) => r.call))).toEqual([early!.call.id, middle!.call.id]);
        const second = await recover({ now: T0 + 10_000, limit: 2 });
        expect(ids(second.map((r) => r.call))).toEqual([late!.call.id]);
      });

      test('after a recovery the old token is rejected and the new one accepted', async () => {
        const [, , early] = await leased();
        const id = early!.call.id;
        const [taken] = await recover({ now: T0 + 1_000 });
        expect(taken!.call.id).toBe(id);
        expect(taken!.call.fencingToken).toBeGreaterThan(early!.call.fencingToken);
        const eventsBefore = await allEvents();
        const stale = await store.updateCall({
          id,
          expect: { token: early!.call.fencingToken },
          set: { status: 'initiated', providerCallId: 'pc-stale' },
          attempt: { number: 1, set: { providerCallId: 'pc-stale' } },
          events: [statusEvent('initiated', T0 + 1_001, 1)],
          now: T0 + 1_001,
        });
        expect(stale).toBeUndefined();
        expect(await mustGet(id)).toEqual(taken!.call);
        expect(await allEvents()).toEqual(eventsBefore);
        expect((await store.getCallDetails(id))!.attempts[0]!.providerCallId).toBeNull();
        const fresh = await store.updateCall({ id, expect: { token: taken!.call.fencingToken }, set: { status: 'initiated' }, now: T0 + 1_002 });
        expect(fresh?.call.status).toBe('initiated');
      });

      test('a released lease is never recovered and a renewed one only after its new expiry', async () => {
        const [late, middle] = await leased();
        const released = await store.updateCall({
          id: middle!.call.id,
          expect: { token: middle!.call.fencingToken },
          set: { status: 'completed', endedAt: T0 + 5, leaseExpiresAt: null },
          now: T0 + 5,
        });
        expect(released?.call.lease).toBeNull();
        const renewed = await store.updateCall({
          id: late!.call.id,
          expect: { token: late!.call.fencingToken },
          set: { leaseExpiresAt: T0 + 60_000 },
          now: T0 + 5,
        });
        expect(renewed?.call.lease).toEqual({ owner: 'scheduler-1', token: late!.call.fencingToken, expiresAt: T0 + 60_000 });
        const [early] = await recover({ now: T0 + 59_999 });
        expect(early).toBeDefined();
        expect(await recover({ now: T0 + 59_999 })).toEqual([]);
        expect(ids((await recover({ now: T0 + 60_000 })).map((r) => r.call))).toEqual([late!.call.id]);
      });

      test('claimExpiredLeases never takes over one call twice in one claim', async () => {
        await leased();
        // A new lease that is already expired must not make the same claim take the call again.
        const results = await recover({ now: T0 + 10_000, leaseExpiresAt: T0 + 10_000, limit: 10 });
        expect(results).toHaveLength(3);
        expect(new Set(ids(results.map((r) => r.call))).size).toBe(3);
        expect(results.every((r) => r.call.fencingToken === 2)).toBe(true);
      });

      test('concurrent claimExpiredLeases never hand one call to two recoverers', async () => {
        const calls = Array.from({ length: 100 }, (_, i) => newCall({ to: `+1415555${String(2000 + i)}` }));
        await store.insertCalls(calls.map(item));
        expect(await claim({ limit: 100, leaseExpiresAt: T0 + 1_000 })).toHaveLength(100);
        const batches = await Promise.all(
          Array.from({ length: 10 }, (_, i) => recover({ now: T0 + 1_000, owner: `rescuer-${i}`, limit: 15 })),
        );
        const all = batches.flatMap((batch) => ids(batch.map((r) => r.call)));
        expect(new Set(all).size).toBe(all.length);
        expect(all).toHaveLength(100);
        batches.forEach((batch, i) => batch.forEach((r) => expect(r.call.lease).toEqual({ owner: `rescuer-${i}`, token: 2, expiresAt: T0 + 1_000 + LEASE_MS })));
        expect((await allEvents()).filter((e) => e.type === 'recovered')).toHaveLength(100);
      });
    });

    // ---------------------------------------------------------------- updateCall

    describe('updateCall', () => {
      const claimed = async (overrides: Partial<NewCallRecord> = {}): Promise<UpdateResult> => {
        const input = newCall(overrides);
        await insert(input);
        return claimOne(input.id);
      };

      test('updateCall applies the patch, the attempt patch and the events when the token matches', async () => {
        const { call } = await claimed();
        const eventsBefore = await allEvents();
        const now = T0 + 777;
        const result = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken, statuses: ['dispatching'], version: call.version },
          set: { status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued', metadata: { step: 2 } },
          attempt: { number: 1, set: { status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued' } },
          events: [statusEvent('initiated', now, 1), { type: 'status', at: now, attempt: 1, status: 'initiated', providerStatus: 'weird', data: { raw: [1, 2] } }],
          now,
        });
        expect(result).toBeDefined();
        expect(result!.call).toEqual({
          ...call,
          status: 'initiated',
          providerCallId: 'pc-1',
          providerStatus: 'queued',
          metadata: { step: 2 },
          version: call.version + 1,
          updatedAt: now,
        });
        expect(result!.events.map((e) => [e.callId, e.type, e.providerStatus, e.data])).toEqual([
          [call.id, 'status', 'initiated', null],
          [call.id, 'status', 'weird', { raw: [1, 2] }],
        ]);
        expect(result!.events[0]!.id).toBeGreaterThan(eventsBefore[eventsBefore.length - 1]!.id);
        expect(result!.events[1]!.id).toBeGreaterThan(result!.events[0]!.id);
        const details = await store.getCallDetails(call.id);
        expect(details!.call).toEqual(result!.call);
        expect(details!.attempts[0]).toMatchObject({ number: 1, status: 'initiated', providerCallId: 'pc-1', providerStatus: 'queued', startedAt: T0 });
        expect(details!.events.slice(-2)).toEqual(result!.events);
      });

      test('updateCall applies an attempt patch with end time, duration and error', async () => {
        const { call } = await claimed();
        const result = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'failed', endedAt: T0 + 90_000, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' }, leaseExpiresAt: null },
          attempt: {
            number: 1,
            set: { status: 'failed', endedAt: T0 + 90_000, durationSeconds: 42, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' } },
          },
          events: [{ type: 'failed', at: T0 + 90_000, attempt: 1, status: 'failed', providerStatus: null, data: { code: 'PROVIDER_REJECTED' } }],
          now: T0 + 90_000,
        });
        expect(result?.call).toMatchObject({ status: 'failed', endedAt: T0 + 90_000, error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' }, lease: null });
        const details = await store.getCallDetails(call.id);
        expect(details!.attempts).toEqual([
          {
            callId: call.id,
            number: 1,
            status: 'failed',
            providerCallId: null,
            providerStatus: null,
            startedAt: T0,
            endedAt: T0 + 90_000,
            durationSeconds: 42,
            error: { code: 'PROVIDER_REJECTED', message: 'Invalid number' },
            schedulerId: 'scheduler-1',
          },
        ]);
      });

      test('updateCall sets and clears nullable fields', async () => {
        const input = newCall({ metadata: { a: 1 }, timeZone: 'Europe/Paris', error: { code: 'X', message: 'y' } });
        const [stored] = await insert(input);
        const set = await store.updateCall({
          id: input.id,
          expect: { version: stored!.version },
          set: {
            at: T0 + 10,
            dueAt: T0 + 20,
            timeZone: null,
            window: { tue: [{ start: '08:00', end: '21:00' }] },
            expiresAt: T0 + 99,
            retry: { failed: { delaysMs: [5], maxAttempts: 2 } },
            metadata: null,
            error: null,
          },
          events: [{ type: 'rescheduled', at: T0 + 1, attempt: null, status: 'scheduled', providerStatus: null, data: null }],
          now: T0 + 1,
        });
        expect(set?.call).toEqual({
          ...stored,
          at: T0 + 10,
          dueAt: T0 + 20,
          timeZone: null,
          window: { tue: [{ start: '08:00', end: '21:00' }] },
          expiresAt: T0 + 99,
          retry: { failed: { delaysMs: [5], maxAttempts: 2 } },
          metadata: null,
          error: null,
          version: stored!.version + 1,
          updatedAt: T0 + 1,
        });
        expect(await mustGet(input.id)).toEqual(set!.call);
      });

      test('updateCall rejects a stale token after a re-claim and writes nothing', async () => {
        const { call } = await claimed();
        await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'scheduled', dueAt: T0 + 1_000, leaseExpiresAt: null },
          now: T0 + 1,
        });
        const reclaimed = await claimOne(call.id, { now: T0 + 1_000 });
        expect(reclaimed.call.fencingToken).toBe(call.fencingToken + 1);
        const eventsBefore = await allEvents();
        const detailsBefore = await store.getCallDetails(call.id);
        const stale = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'failed', endedAt: T0 + 2_000, leaseExpiresAt: null },
          attempt: { number: 1, set: { status: 'failed' } },
          events: [{ type: 'failed', at: T0 + 2_000, attempt: 1, status: 'failed', providerStatus: null, data: null }],
          now: T0 + 2_000,
        });
        expect(stale).toBeUndefined();
        expect(await store.getCallDetails(call.id)).toEqual(detailsBefore);
        expect(await allEvents()).toEqual(eventsBefore);
      });

      test('updateCall with expect.token fails when the call holds no lease', async () => {
        const input = newCall();
        const [stored] = await insert(input);
        expect(stored!.fencingToken).toBe(0);
        expect(await store.updateCall({ id: input.id, expect: { token: 0 }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
        expect(await mustGet(input.id)).toEqual(stored);
      });

      test('updateCall checks expect.statuses', async () => {
        const input = newCall();
        const [stored] = await insert(input);
        expect(await store.updateCall({ id: input.id, expect: { statuses: ['dispatching', 'ringing'] }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
        expect(await mustGet(input.id)).toEqual(stored);
        const ok = await store.updateCall({ id: input.id, expect: { statuses: ['ringing', 'scheduled'] }, set: { status: 'canceled', dueAt: null }, now: T0 });
        expect(ok?.call.status).toBe('canceled');
        expect(ok?.call.dueAt).toBeNull();
      });

      test('updateCall checks expect.version and increments version on every write', async () => {
        const input = newCall();
        const [v0] = await insert(input);
        const v1 = await store.updateCall({ id: input.id, expect: { version: v0!.version }, set: { metadata: { n: 1 } }, now: T0 + 1 });
        expect(v1?.call.version).toBe(v0!.version + 1);
        expect(await store.updateCall({ id: input.id, expect: { version: v0!.version }, set: { metadata: { n: 2 } }, now: T0 + 2 })).toBeUndefined();
        expect((await mustGet(input.id)).metadata).toEqual({ n: 1 });
        const v2 = await store.updateCall({ id: input.id, expect: { version: v1!.call.version }, set: { metadata: { n: 3 } }, now: T0 + 3 });
        expect(v2?.call.version).toBe(v0!.version + 2);
        const [claimResult] = await claim({ now: T0 + 4 });
        expect(claimResult!.call.version).toBe(v0!.version + 3);
        const [recovered] = await recover({ now: T0 + 4 + LEASE_MS });
        expect(recovered!.call.version).toBe(v0!.version + 4);
      });

      test('updateCall requires every condition to hold', async () => {
        const { call } = await claimed();
        const attempts = [
          { token: call.fencingToken, statuses: ['ringing'] as CallStatus[] },
          { token: call.fencingToken, version: call.version + 1 },
          { token: call.fencingToken + 1, statuses: ['dispatching'] as CallStatus[], version: call.version },
        ];
        for (const expectation of attempts) {
          expect(await store.updateCall({ id: call.id, expect: expectation, set: { status: 'initiated' }, now: T0 + 1 })).toBeUndefined();
        }
        expect(await mustGet(call.id)).toEqual(call);
        const ok = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken, statuses: ['dispatching'], version: call.version },
          set: { status: 'initiated' },
          now: T0 + 1,
        });
        expect(ok?.call.status).toBe('initiated');
      });

      test('updateCall renews a lease without changing its owner or token', async () => {
        const { call } = await claimed();
        const renewed = await store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { leaseExpiresAt: T0 + 99_000 }, now: T0 + 10 });
        expect(renewed?.call.lease).toEqual({ owner: call.lease!.owner, token: call.fencingToken, expiresAt: T0 + 99_000 });
        expect(renewed?.call.fencingToken).toBe(call.fencingToken);
        expect(renewed?.call.version).toBe(call.version + 1);
        expect(await store.nextWakeUpAt()).toBe(T0 + 99_000);
        expect(await recover({ now: T0 + LEASE_MS })).toEqual([]);
      });

      test('updateCall with leaseExpiresAt null releases the lease and the old token stops working', async () => {
        const { call } = await claimed();
        const released = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'scheduled', dueAt: T0 + 500_000, leaseExpiresAt: null },
          now: T0 + 10,
        });
        expect(released?.call.lease).toBeNull();
        expect(released?.call.fencingToken).toBe(call.fencingToken);
        expect(await store.nextWakeUpAt()).toBe(T0 + 500_000);
        expect(await store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { metadata: { late: true } }, now: T0 + 11 })).toBeUndefined();
        expect(await mustGet(call.id)).toEqual(released!.call);
      });

      test('updateCall with an attempt that does not exist writes nothing', async () => {
        const { call } = await claimed();
        const eventsBefore = await allEvents();
        let result: unknown;
        try {
          result = await store.updateCall({
            id: call.id,
            expect: { token: call.fencingToken },
            set: { status: 'initiated' },
            attempt: { number: 7, set: { status: 'initiated' } },
            events: [statusEvent('initiated', T0 + 1, 7)],
            now: T0 + 1,
          });
        } catch {
          result = undefined; // rejecting is as good as refusing
        }
        expect(result).toBeUndefined();
        expect(await mustGet(call.id)).toEqual(call);
        expect(await allEvents()).toEqual(eventsBefore);
      });

      test('updateCall returns undefined for an unknown id', async () => {
        await insert(newCall());
        expect(await store.updateCall({ id: nextId(), expect: { version: 1 }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
        expect(await store.updateCall({ id: nextId(), expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 })).toBeUndefined();
        expect(await allEvents()).toHaveLength(1);
      });

      test('a rescheduled call is claimed at its new dueAt only', async () => {
        const later = newCall({ dueAt: T0 });
        const earlier = newCall({ to: NUMBER_B, dueAt: T0 + 10_000 });
        const [l, e] = await insert(later, earlier);
        await store.updateCall({ id: later.id, expect: { version: l!.version }, set: { dueAt: T0 + 20_000 }, now: T0 - 1 });
        await store.updateCall({ id: earlier.id, expect: { version: e!.version }, set: { dueAt: T0 - 5_000 }, now: T0 - 1 });
        expect(await store.nextWakeUpAt()).toBe(T0 - 5_000);
        expect(ids((await claim({ now: T0 })).map((r) => r.call))).toEqual([earlier.id]);
        expect(await claim({ now: T0 + 19_999 })).toEqual([]);
        expect(await store.nextWakeUpAt()).toBe(Math.min(T0 + 20_000, T0 + LEASE_MS));
        expect(ids((await claim({ now: T0 + 20_000 })).map((r) => r.call))).toEqual([later.id]);
      });

      test('a call moved back and forth between due times is claimed once', async () => {
        const input = newCall({ dueAt: T0 });
        await insert(input);
        for (const dueAt of [T0 + 5, T0, T0 + 5, T0]) {
          const current = await mustGet(input.id);
          await store.updateCall({ id: input.id, expect: { version: current.version }, set: { dueAt }, now: T0 - 1 });
        }
        expect(ids((await claim({ now: T0 + 10 })).map((r) => r.call))).toEqual([input.id]);
        expect(await claim({ now: T0 + 10 })).toEqual([]);
      });
    });

    // ---------------------------------------------------------------- nextWakeUpAt

    describe('nextWakeUpAt', () => {
      test('nextWakeUpAt is null for an empty store', async () => {
        expect(await store.nextWakeUpAt()).toBeNull();
      });

      test('nextWakeUpAt is the earliest dueAt of a scheduled call', async () => {
        await insert(newCall({ dueAt: T0 + 3_000 }), newCall({ dueAt: T0 + 1_000 }), newCall({ dueAt: T0 + 2_000 }));
        expect(await store.nextWakeUpAt()).toBe(T0 + 1_000);
      });

      test('nextWakeUpAt ignores terminal calls', async () => {
        const expired = newCall({ status: 'expired', dueAt: null, endedAt: T0 });
        const canceled = newCall({ dueAt: T0 - 1_000 });
        const completed = newCall({ dueAt: T0 - 2_000 });
        const waiting = newCall({ dueAt: T0 + 9_000 });
        await insert(expired, canceled, completed, waiting);
        // Canceled without clearing dueAt: it is still not a scheduled call.
        await store.updateCall({ id: canceled.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', endedAt: T0 }, now: T0 });
        const [claimed] = await claim({ now: T0 - 1_500, limit: 1 });
        expect(claimed!.call.id).toBe(completed.id);
        await store.updateCall({
          id: completed.id,
          expect: { token: claimed!.call.fencingToken },
          set: { status: 'completed', endedAt: T0, leaseExpiresAt: null },
          now: T0,
        });
        expect(await store.nextWakeUpAt()).toBe(T0 + 9_000);
        await store.updateCall({ id: waiting.id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled', dueAt: null, endedAt: T0 }, now: T0 });
        expect(await store.nextWakeUpAt()).toBeNull();
      });

      test('nextWakeUpAt follows claims, renewals, releases and updates', async () => {
        const a = newCall({ dueAt: T0 });
        const b = newCall({ to: NUMBER_B, dueAt: T0 + 45_000 });
        await insert(a, b);
        expect(await store.nextWakeUpAt()).toBe(T0);
        const [claimed] = await claim({ now: T0, leaseExpiresAt: T0 + 30_000 });
        expect(claimed!.call.id).toBe(a.id);
        expect(await store.nextWakeUpAt()).toBe(T0 + 30_000);
        await store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { leaseExpiresAt: T0 + 60_000 }, now: T0 + 1 });
        expect(await store.nextWakeUpAt()).toBe(T0 + 45_000);
        await store.updateCall({ id: b.id, expect: { statuses: ['scheduled'] }, set: { dueAt: T0 + 90_000 }, now: T0 + 2 });
        expect(await store.nextWakeUpAt()).toBe(T0 + 60_000);
        await store.updateCall({ id: a.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'completed', endedAt: T0 + 3, leaseExpiresAt: null }, now: T0 + 3 });
        expect(await store.nextWakeUpAt()).toBe(T0 + 90_000);
        const [recoverable] = await claim({ now: T0 + 90_000, leaseExpiresAt: T0 + 100_000 });
        expect(recoverable!.call.id).toBe(b.id);
        expect(await store.nextWakeUpAt()).toBe(T0 + 100_000);
        await recover({ now: T0 + 100_000, leaseExpiresAt: T0 + 130_000 });
        expect(await store.nextWakeUpAt()).toBe(T0 + 130_000);
      });
    });

    // ---------------------------------------------------------------- countAttempts

    describe('countAttempts', () => {
      test('countAttempts counts attempts to a number started at or after since', async () => {
        const a = newCall({ to: NUMBER_A, dueAt: T0 });
        const a2 = newCall({ to: NUMBER_A, dueAt: T0 + 5_000 });
        const b = newCall({ to: NUMBER_B, dueAt: T0 + 1_000 });
        await insert(a, a2, b);
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
        const [first] = await claim({ now: T0 });
        await store.updateCall({
          id: a.id,
          expect: { token: first!.call.fencingToken },
          set: { status: 'scheduled', dueAt: T0 + 10_000, leaseExpiresAt: null },
          attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 100 } },
          now: T0 + 100,
        });
        await claim({ now: T0 + 1_000 }); // b
        await claim({ now: T0 + 5_000 }); // a2
        await claim({ now: T0 + 10_000 }); // a, attempt 2
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(3);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 })).toBe(3);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 + 1 })).toBe(2);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 + 5_000 })).toBe(2);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 + 5_001 })).toBe(1);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 + 10_001 })).toBe(0);
        expect(await store.countAttempts({ to: NUMBER_B, since: T0 })).toBe(1);
        expect(await store.countAttempts({ to: NUMBER_C, since: 0 })).toBe(0);
      });
    });

    // ---------------------------------------------------------------- time, copies, lifecycle

    describe('time, copies and lifecycle', () => {
      test('results depend only on the now arguments, never on the system clock', async () => {
        vi.useFakeTimers({ toFake: ['Date'] });
        try {
          vi.setSystemTime(new Date('2000-06-15T00:00:00Z'));
          const due = newCall({ dueAt: T0, createdAt: T0 - 7 });
          const notYet = newCall({ to: NUMBER_B, dueAt: T0 + 3_600_000, createdAt: T0 - 7 });
          const [stored] = await insert(due, notYet);
          expect(stored!.createdAt).toBe(T0 - 7);
          expect(stored!.updatedAt).toBe(T0 - 7);
          // In 2000, a call due in 2026 is claimed when the scheduler says it is 2026.
          const [claimed] = await claim({ now: T0, leaseExpiresAt: T0 + 1_000 });
          expect(claimed!.call.id).toBe(due.id);
          expect(claimed!.call.updatedAt).toBe(T0);
          expect(claimed!.events[0]!.at).toBe(T0);
          expect((await store.getCallDetails(due.id))!.attempts[0]!.startedAt).toBe(T0);

          vi.setSystemTime(new Date('2100-01-01T00:00:00Z'));
          // In 2100 nothing else is due or expired when the scheduler says it is still T0.
          expect(await claim({ now: T0 })).toEqual([]);
          expect(await recover({ now: T0 + 999 })).toEqual([]);
          expect(await store.nextWakeUpAt()).toBe(T0 + 1_000);
          const updated = await store.updateCall({ id: due.id, expect: { token: claimed!.call.fencingToken }, set: { status: 'initiated' }, now: T0 + 500 });
          expect(updated!.call.updatedAt).toBe(T0 + 500);
          expect(await store.countAttempts({ to: NUMBER_A, since: T0 })).toBe(1);
          const [recovered] = await recover({ now: T0 + 1_000, leaseExpiresAt: T0 + 2_000 });
          expect(recovered!.call.updatedAt).toBe(T0 + 1_000);
          expect(recovered!.events[0]!.at).toBe(T0 + 1_000);

          vi.setSystemTime(new Date('2000-01-01T00:00:00Z'));
          expect(ids((await claim({ now: T0 + 3_600_000 })).map((r) => r.call))).toEqual([notYet.id]);
        } finally {
          vi.useRealTimers();
        }
      });

      test('records returned are copies that callers cannot use to change the store', async () => {
        const input = newCall({ metadata: { nested: { value: 1 } }, window: { mon: [{ start: '09:00', end: '17:00' }] } });
        const [inserted] = await store.insertCalls([item(input)]);
        const [claimed] = await claim();
        // A deep copy, in case the store hands out its own objects.
        const snapshot = structuredClone(await store.getCallDetails(input.id));
        expect(snapshot).toBeDefined();

        const vandalize = (call: CallRecord): void => {
          const m = call as Mutable<CallRecord>;
          m.status = 'completed';
          m.attemptCount = 99;
          const metadata = m.metadata as { nested?: { value: number } } | null;
          if (metadata?.nested !== undefined) metadata.nested.value = 666;
          if (m.lease !== null) (m.lease as Mutable<NonNullable<CallRecord['lease']>>).token = 666;
          if (m.window?.mon !== undefined) (m.window.mon as unknown as { start: string }[]).push({ start: '00:00' });
        };
        vandalize(inserted!.call);
        vandalize(claimed!.call);
        (claimed!.events[0] as Mutable<CallEventRecord>).type = 'failed';
        vandalize((await mustGet(input.id)));
        const details = await store.getCallDetails(input.id);
        vandalize(details!.call);
        (details!.attempts[0] as Mutable<AttemptRecord>).status = 'completed';
        (details!.attempts as unknown[]).push({});
        (details!.events[0] as Mutable<CallEventRecord>).status = 'failed';
        const page = await store.listCalls({ limit: 10, cursor: null, order: 'asc' });
        vandalize(page.items[0]!);
        (page.items as unknown[]).length = 0;
        const events = await allEvents();
        (events[0] as Mutable<CallEventRecord>).data = { hacked: true };

        expect(await store.getCallDetails(input.id)).toEqual(snapshot);
        expect(await allEvents()).toEqual(snapshot!.events);
        expect((await store.listCalls({ limit: 10, cursor: null, order: 'asc' })).items).toEqual([snapshot!.call]);
      });

      test('the store keeps its own copy of what it is given', async () => {
        const metadata = { nested: { value: 1 } };
        const window = { mon: [{ start: '09:00', end: '17:00' }] };
        const input = newCall({ metadata, window });
        const events = [scheduledEvent(input)];
        await store.insertCalls([{ call: input, events }]);
        const before = structuredClone(await store.getCallDetails(input.id));
        metadata.nested.value = 2;
        window.mon.push({ start: '18:00', end: '19:00' });
        (events[0] as Mutable<NewCallEvent>).type = 'failed';
        (input as Mutable<NewCallRecord>).to = NUMBER_C;
        expect(await store.getCallDetails(input.id)).toEqual(before);

        const patchMetadata = { step: { n: 1 } };
        const updated = await store.updateCall({ id: input.id, expect: { statuses: ['scheduled'] }, set: { metadata: patchMetadata }, now: T0 });
        patchMetadata.step.n = 2;
        expect((await mustGet(input.id)).metadata).toEqual({ step: { n: 1 } });
        expect(updated!.call.metadata).toEqual({ step: { n: 1 } });
      });

      test('init can be called twice', async (ctx) => {
        if (store.init === undefined) {
          ctx.skip('the store has no init()');
          return;
        }
        await store.init();
        await store.init();
        const [stored] = await insert(newCall());
        expect(await store.getCall(stored!.id)).toEqual(stored);
      });

      test('after close every operation rejects with STORE_CLOSED', async (ctx) => {
        if (store.close === undefined) {
          ctx.skip('the store has no close()');
          return;
        }
        const [stored] = await insert(newCall());
        await store.close();
        await store.close(); // a second close is harmless
        const id = stored!.id;
        const operations: Record<string, () => Promise<unknown>> = {
          insertCalls: () => store.insertCalls([item(newCall())]),
          getCall: () => store.getCall(id),
          getCallDetails: () => store.getCallDetails(id),
          findCallByProviderCallId: () => store.findCallByProviderCallId('pc'),
          listCalls: () => store.listCalls({ limit: 10, cursor: null, order: 'asc' }),
          listEvents: () => store.listEvents({ after: null, limit: 10 }),
          eventLogHead: () => store.eventLogHead(),
          claimDueCalls: () => claim(),
          claimExpiredLeases: () => recover({ now: T0 + 10 * LEASE_MS }),
          updateCall: () => store.updateCall({ id, expect: { statuses: ['scheduled'] }, set: { status: 'canceled' }, now: T0 }),
          nextWakeUpAt: () => store.nextWakeUpAt(),
          countAttempts: () => store.countAttempts({ to: NUMBER_A, since: 0 }),
        };
        for (const [name, run] of Object.entries(operations)) {
          try {
            await expectError(run, 'STORE_CLOSED');
          } catch (error) {
            throw new Error(`${name} after close: ${(error as Error).message}`, { cause: error });
          }
        }
      });
    });

    // ---------------------------------------------------------------- updateCall with unclaim

    describe('updateCall unclaim', () => {
      const rescheduledEvent = (at: number, dueAt: number): NewCallEvent => ({
        type: 'rescheduled',
        at,
        attempt: null,
        status: 'scheduled',
        providerStatus: null,
        data: { nextAttemptAt: dueAt },
      });
      const unclaimUpdate = (call: CallRecord, dueAt: number, now: number) => ({
        id: call.id,
        expect: { token: call.fencingToken },
        set: { status: 'scheduled' as const, dueAt, leaseExpiresAt: null },
        events: [rescheduledEvent(now, dueAt)],
        unclaim: true,
        now,
      });

      test('unclaim puts a claimed call back to scheduled and removes the attempt the claim made', async () => {
        const input = newCall({ to: NUMBER_A });
        await insert(input);
        const { call } = await claimOne(input.id);
        expect(call.attemptCount).toBe(1);
        const later = T0 + 3_600_000;
        const result = await store.updateCall(unclaimUpdate(call, later, T0 + 5));
        expect(result).toBeDefined();
        expect(result!.call).toEqual({
          ...call,
          status: 'scheduled',
          dueAt: later,
          attemptCount: 0,
          lease: null,
          version: call.version + 1,
          updatedAt: T0 + 5,
        });
        const details = await store.getCallDetails(call.id);
        expect(details!.call).toEqual(result!.call);
        expect(details!.attempts).toEqual([]);
        expect(details!.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'rescheduled']);
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
        expect(await store.nextWakeUpAt()).toBe(later);
        // Not due before its new time; then claimed again as attempt 1 under a new token.
        expect(await claim({ now: later - 1 })).toEqual([]);
        const again = await claimOne(call.id, { now: later });
        expect(again.call.attemptCount).toBe(1);
        expect(again.call.fencingToken).toBeGreaterThan(call.fencingToken);
        const after = await store.getCallDetails(call.id);
        expect(after!.attempts.map((a) => [a.number, a.startedAt])).toEqual([[1, later]]);
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(1);
      });

      test('unclaim keeps the earlier attempts and removes only the last one', async () => {
        const input = newCall({ to: NUMBER_A });
        await insert(input);
        const first = await claimOne(input.id);
        await store.updateCall({
          id: input.id,
          expect: { token: first.call.fencingToken },
          set: { status: 'scheduled', dueAt: T0 + 60_000, leaseExpiresAt: null },
          attempt: { number: 1, set: { status: 'busy', endedAt: T0 + 100 } },
          now: T0 + 100,
        });
        const second = await claimOne(input.id, { now: T0 + 60_000 });
        expect(second.call.attemptCount).toBe(2);
        const result = await store.updateCall(unclaimUpdate(second.call, T0 + 120_000, T0 + 60_001));
        expect(result!.call).toMatchObject({ status: 'scheduled', attemptCount: 1, dueAt: T0 + 120_000, lease: null });
        const details = await store.getCallDetails(input.id);
        expect(details!.attempts.map((a) => [a.number, a.status])).toEqual([[1, 'busy']]);
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(1);
        expect(await store.countAttempts({ to: NUMBER_A, since: T0 + 1 })).toBe(0);
      });

      test('unclaim releases the number for onePerNumber claims', async () => {
        const a = newCall({ to: NUMBER_A, dueAt: T0 });
        const b = newCall({ to: NUMBER_A, dueAt: T0 + 10 });
        await insert(a, b);
        const [claimedA] = await claim({ now: T0 + 10, onePerNumber: true });
        expect(claimedA!.call.id).toBe(a.id);
        expect(await claim({ now: T0 + 10, onePerNumber: true })).toEqual([]);
        await store.updateCall(unclaimUpdate(claimedA!.call, T0 + 3_600_000, T0 + 10));
        expect(ids((await claim({ now: T0 + 10, onePerNumber: true })).map((r) => r.call))).toEqual([b.id]);
      });

      test('unclaim can also end a claimed call that was never dialed (expired), leaving no attempt', async () => {
        const input = newCall({ to: NUMBER_A });
        await insert(input);
        const { call } = await claimOne(input.id);
        const error = { code: 'CALL_EXPIRED', message: 'too late' };
        const result = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status: 'expired', dueAt: null, leaseExpiresAt: null, endedAt: T0 + 5, error },
          events: [{ type: 'expired', at: T0 + 5, attempt: null, status: 'expired', providerStatus: null, data: { code: 'CALL_EXPIRED' } }],
          unclaim: true,
          now: T0 + 5,
        });
        expect(result!.call).toMatchObject({ status: 'expired', attemptCount: 0, lease: null, dueAt: null, endedAt: T0 + 5, error });
        expect((await store.getCallDetails(call.id))!.attempts).toEqual([]);
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
        expect(await store.nextWakeUpAt()).toBeNull();
      });

      test('unclaim with a stale token changes nothing', async () => {
        const input = newCall();
        await insert(input);
        const { call } = await claimOne(input.id);
        const before = await store.getCallDetails(call.id);
        const stale = { ...call, fencingToken: call.fencingToken + 1 };
        expect(await store.updateCall(unclaimUpdate(stale, T0 + 60_000, T0 + 1))).toBeUndefined();
        expect(await store.getCallDetails(call.id)).toEqual(before);
      });

      test('unclaim of a call without an attempt, or together with an attempt patch, is INVALID_INPUT and writes nothing', async () => {
        const [stored] = await insert(newCall());
        const before = await store.getCallDetails(stored!.id);
        await expectError(
          () =>
            store.updateCall({
              id: stored!.id,
              expect: { statuses: ['scheduled'] },
              set: { dueAt: T0 + 60_000 },
              events: [rescheduledEvent(T0 + 1, T0 + 60_000)],
              unclaim: true,
              now: T0 + 1,
            }),
          'INVALID_INPUT',
          'unclaim',
        );
        expect(await store.getCallDetails(stored!.id)).toEqual(before);
        const { call } = await claimOne(stored!.id);
        const claimedDetails = await store.getCallDetails(call.id);
        await expectError(
          () => store.updateCall({ ...unclaimUpdate(call, T0 + 60_000, T0 + 2), attempt: { number: 1, set: { status: 'failed' } } }),
          'INVALID_INPUT',
          'unclaim',
        );
        expect(await store.getCallDetails(call.id)).toEqual(claimedDetails);
      });
    });

    // ---------------------------------------------------------------- purgeCalls (optional)

    describe('purgeCalls', () => {
      type PurgeOptions = { readonly endedBefore: number; readonly limit: number; readonly statuses?: readonly CallStatus[] };
      const NO_PURGE = 'the store has no purgeCalls() (retention is optional)';

      /** The store's purgeCalls, or `undefined` after announcing the skip. */
      const purgeOf = (ctx: { skip: (note?: string) => void }): ((options: PurgeOptions) => Promise<number>) | undefined => {
        if (store.purgeCalls === undefined) {
          ctx.skip(NO_PURGE);
          return undefined;
        }
        return (options) => (store.purgeCalls as (o: PurgeOptions) => Promise<number>).call(store, options);
      };

      /** A call stored already ended (no attempt): as `schedule` stores an expired call, or after a cancel. */
      const endedCall = (status: CallStatus, endedAt: number, overrides: Partial<NewCallRecord> = {}): NewCallRecord =>
        newCall({ status, dueAt: null, endedAt, ...overrides });

      /**
       * Inserts `input` (due at `now`, the only due call), claims it, and ends its attempt `status` at
       * `endedAt` with a provider id and a status event: a call with an attempt and a history.
       */
      const dialAndEnd = async (input: NewCallRecord, status: CallStatus, endedAt: number, providerCallId: string): Promise<CallRecord> => {
        await insert(input);
        const { call } = await claimOne(input.id, { now: input.dueAt ?? T0 });
        const ended = await store.updateCall({
          id: call.id,
          expect: { token: call.fencingToken },
          set: { status, providerCallId, providerStatus: status, dueAt: null, endedAt, leaseExpiresAt: null },
          attempt: { number: 1, set: { status, providerCallId, providerStatus: status, endedAt } },
          events: [statusEvent(status, endedAt, 1)],
          now: endedAt,
        });
        if (ended === undefined) throw new Error(`could not end call ${call.id}`);
        return ended.call;
      };

      test('purgeCalls deletes terminal calls that ended before the bound, with their attempts and events, and nothing else', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        const completed = await dialAndEnd(newCall({ to: NUMBER_A, dueAt: T0, idempotencyKey: 'purged-key' }), 'completed', T0 + 1_000, 'pc-completed');
        const busy = await dialAndEnd(newCall({ to: NUMBER_B, dueAt: T0 + 10 }), 'busy', T0 + 2_000, 'pc-busy');
        // Ended exactly at the bound: kept (the bound is exclusive).
        const [atBound] = await insert(endedCall('canceled', T0 + 5_000, { to: NUMBER_C }));
        // Ended after the bound: kept.
        const [later] = await insert(endedCall('expired', T0 + 9_000, { to: NUMBER_C }));
        // Live, and scheduled: kept.
        const [live] = await insert(newCall({ to: NUMBER_C, dueAt: T0 + 20 }));
        const { call: claimedLive } = await claimOne(live!.id, { now: T0 + 20, leaseExpiresAt: T0 + 100_000 });
        await store.updateCall({
          id: claimedLive.id,
          expect: { token: claimedLive.fencingToken },
          set: { status: 'ringing', providerCallId: 'pc-live' },
          attempt: { number: 1, set: { status: 'ringing', providerCallId: 'pc-live' } },
          events: [statusEvent('ringing', T0 + 30, 1)],
          now: T0 + 30,
        });
        const [waiting] = await insert(newCall({ to: NUMBER_B, dueAt: T0 + 3_600_000 }));

        const gone = new Set([completed.id, busy.id]);
        const kept = [atBound!.id, later!.id, live!.id, waiting!.id];
        const eventsBefore = await allEvents();
        const keptDetails = await Promise.all(kept.map((id) => store.getCallDetails(id)));
        const wakeUpBefore = await store.nextWakeUpAt();
        expect(eventsBefore.filter((e) => gone.has(e.callId)).length).toBeGreaterThanOrEqual(6);

        expect(await purge({ endedBefore: T0 + 5_000, limit: 100 })).toBe(2);

        for (const id of gone) {
          expect(await store.getCall(id)).toBeUndefined();
          expect(await store.getCallDetails(id)).toBeUndefined();
          expect((await store.listEvents({ after: null, limit: 100, callId: id })).items).toEqual([]);
        }
        // Every other call's history is exactly as it was; the purged events are gone.
        expect(await allEvents()).toEqual(eventsBefore.filter((e) => !gone.has(e.callId)));
        expect(await Promise.all(kept.map((id) => store.getCallDetails(id)))).toEqual(keptDetails);
        expect(ids((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual(kept);
        // The deleted attempts no longer count, and their provider ids lead nowhere.
        expect(await store.countAttempts({ to: NUMBER_A, since: 0 })).toBe(0);
        expect(await store.countAttempts({ to: NUMBER_B, since: 0 })).toBe(0);
        expect(await store.countAttempts({ to: NUMBER_C, since: 0 })).toBe(1);
        expect(await store.findCallByProviderCallId('pc-completed')).toBeUndefined();
        expect(await store.findCallByProviderCallId('pc-busy')).toBeUndefined();
        expect((await store.findCallByProviderCallId('pc-live'))?.id).toBe(live!.id);
        expect(await store.nextWakeUpAt()).toBe(wakeUpBefore);
        // The kept calls still work: the scheduled one is claimed when due.
        expect(ids((await claim({ now: T0 + 3_600_000 })).map((r) => r.call))).toEqual([waiting!.id]);
        // Nothing more matches.
        expect(await purge({ endedBefore: T0 + 5_000, limit: 100 })).toBe(0);
        // A later bound takes the rest of the ended calls, never the live one.
        expect(await purge({ endedBefore: T0 + 3_600_000_000, limit: 100 })).toBe(2);
        expect(ids((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual([live!.id, waiting!.id]);
      });

      test('purgeCalls never deletes a call that is not terminal, whatever its endedAt says', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        // Not states the scheduler writes, but a store must not rely on that.
        const [scheduled] = await insert(newCall({ dueAt: T0 + 60_000, endedAt: T0 - 60_000 }));
        const [dialing] = await insert(newCall({ to: NUMBER_B, dueAt: T0 }));
        const { call } = await claimOne(dialing!.id);
        await store.updateCall({ id: call.id, expect: { token: call.fencingToken }, set: { status: 'connected', endedAt: T0 - 60_000 }, now: T0 + 1 });
        const [ended] = await insert(endedCall('failed', T0 - 60_000, { to: NUMBER_C }));
        expect(await purge({ endedBefore: T0, limit: 100 })).toBe(1);
        expect(await store.getCall(ended!.id)).toBeUndefined();
        expect((await mustGet(scheduled!.id)).status).toBe('scheduled');
        expect((await mustGet(call.id)).status).toBe('connected');
        // Also when every terminal status is named.
        expect(await purge({ endedBefore: T0, limit: 100, statuses: ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'expired'] })).toBe(0);
        // A terminal call without endedAt has no end time to compare: it is kept.
        const [noEnd] = await insert(endedCall('canceled', T0, { endedAt: null }));
        expect(await purge({ endedBefore: T0 + 3_600_000, limit: 100 })).toBe(0);
        expect(await store.getCall(noEnd!.id)).toBeDefined();
      });

      test('purgeCalls deletes at most limit calls, oldest endedAt first, then by id', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        const calls = [
          endedCall('completed', T0 + 500),
          endedCall('failed', T0 + 100),
          endedCall('canceled', T0 + 300),
          endedCall('no-answer', T0 + 100),
          endedCall('expired', T0 + 200),
        ];
        // Stored in shuffled order, so that insertion order cannot stand in for the right one.
        await insert(...shuffle(calls));
        const [first, second, third, fourth, fifth] = calls as [NewCallRecord, NewCallRecord, NewCallRecord, NewCallRecord, NewCallRecord];
        const tie = sorted([second.id, fourth.id]);
        const expectedOrder = [...tie, fifth.id, third.id, first.id];
        const remaining = async (): Promise<string[]> => ids((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items);
        const all = sorted(expectedOrder);

        expect(await purge({ endedBefore: T0 + 1_000, limit: 2 })).toBe(2);
        expect(await remaining()).toEqual(all.filter((id) => !expectedOrder.slice(0, 2).includes(id)));
        expect(await purge({ endedBefore: T0 + 1_000, limit: 1 })).toBe(1);
        expect(await remaining()).toEqual(all.filter((id) => !expectedOrder.slice(0, 3).includes(id)));
        // A bound between two end times stops there.
        expect(await purge({ endedBefore: T0 + 500, limit: 10 })).toBe(1);
        expect(await remaining()).toEqual([first.id]);
        expect(await purge({ endedBefore: T0 + 1_000, limit: 10 })).toBe(1);
        expect(await remaining()).toEqual([]);
      });

      test('purgeCalls with statuses deletes only calls in those statuses', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        const [completed, failed, expired, canceled, busy] = await insert(
          endedCall('completed', T0 + 1),
          endedCall('failed', T0 + 2),
          endedCall('expired', T0 + 3),
          endedCall('canceled', T0 + 4),
          endedCall('busy', T0 + 5),
        );
        expect(await purge({ endedBefore: T0 + 100, limit: 100, statuses: [] })).toBe(0);
        // The limit counts only matching calls; older calls in other statuses are skipped, not lost.
        expect(await purge({ endedBefore: T0 + 100, limit: 1, statuses: ['failed', 'expired'] })).toBe(1);
        expect(await store.getCall(failed!.id)).toBeUndefined();
        expect(await purge({ endedBefore: T0 + 100, limit: 10, statuses: ['failed', 'expired'] })).toBe(1);
        expect(await store.getCall(expired!.id)).toBeUndefined();
        expect(ids((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items)).toEqual(ids([completed!, canceled!, busy!]));
        expect(await purge({ endedBefore: T0 + 100, limit: 10, statuses: ['busy'] })).toBe(1);
        expect(await purge({ endedBefore: T0 + 100, limit: 10 })).toBe(2);
        expect((await store.listCalls({ limit: 100, cursor: null, order: 'asc' })).items).toEqual([]);
      });

      test('the idempotency key of a purged call can be used again, and creates a new call', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        const old = endedCall('completed', T0 - 1_000, { idempotencyKey: 'reused-key' });
        const kept = endedCall('completed', T0 + 1_000, { idempotencyKey: 'kept-key', to: NUMBER_B });
        await insert(old, kept);
        expect(await purge({ endedBefore: T0, limit: 10 })).toBe(1);
        const again = newCall({ idempotencyKey: 'reused-key', to: NUMBER_C });
        const [result] = await store.insertCalls([item(again)]);
        expect(result!.created).toBe(true);
        expect(result!.call.id).toBe(again.id);
        expect(result!.call.to).toBe(NUMBER_C);
        expect(result!.events).toHaveLength(1);
        // A key whose call was not purged still de-duplicates.
        const [dup] = await store.insertCalls([item(newCall({ idempotencyKey: 'kept-key' }))]);
        expect(dup!.created).toBe(false);
        expect(dup!.call.id).toBe(kept.id);
      });

      test('after a purge, keyset pagination has no duplicates or gaps and event ids are never reused', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        // Six calls: the odd ones ended long ago, the even ones are scheduled.
        const calls = Array.from({ length: 6 }, (_, i) =>
          i % 2 === 1 ? endedCall('completed', T0 - 60_000 + i, { to: NUMBER_B }) : newCall({ dueAt: T0 + 60_000 + i }),
        );
        await insert(...calls);
        const page1 = await store.listCalls({ limit: 2, cursor: null, order: 'asc' });
        expect(ids(page1.items)).toEqual([calls[0]!.id, calls[1]!.id]);
        const descPage1 = await store.listCalls({ limit: 1, cursor: null, order: 'desc' });
        expect(ids(descPage1.items)).toEqual([calls[5]!.id]);
        const events = await allEvents();
        const lastEvent = events[events.length - 1]!;
        expect(lastEvent.callId).toBe(calls[5]!.id);
        // The cursor's own call, one not yet seen and the one with the newest event are purged.
        expect(await purge({ endedBefore: T0, limit: 10 })).toBe(3);
        const seen = [...ids(page1.items)];
        let cursor = page1.nextCursor;
        while (cursor !== null) {
          const page = await store.listCalls({ limit: 2, cursor, order: 'asc' });
          seen.push(...ids(page.items));
          cursor = page.nextCursor;
        }
        expect(seen).toEqual([calls[0]!.id, calls[1]!.id, calls[2]!.id, calls[4]!.id]);
        // Newest first, on from a cursor that names a purged call.
        const descPage2 = await store.listCalls({ limit: 10, cursor: descPage1.nextCursor, order: 'desc' });
        expect(ids(descPage2.items)).toEqual([calls[4]!.id, calls[2]!.id, calls[0]!.id]);
        expect(descPage2.nextCursor).toBeNull();
        // Event ids go on increasing: a new event never takes the id of a purged one.
        const [next] = await store.insertCalls([item(newCall({ to: NUMBER_C }))]);
        expect(next!.events[0]!.id).toBeGreaterThan(lastEvent.id);
        const after = await allEvents();
        for (let i = 1; i < after.length; i++) expect(after[i]!.id).toBeGreaterThan(after[i - 1]!.id);
        expect(after.map((e) => e.callId)).toEqual([calls[0]!.id, calls[2]!.id, calls[4]!.id, next!.call.id]);
        expect((await store.listEvents({ after: events[1]!.cursor, limit: 10 })).items).toEqual(after.slice(1));
      });

      test('purgeCalls depends only on endedBefore, never on the system clock', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        vi.useFakeTimers({ toFake: ['Date'] });
        try {
          vi.setSystemTime(new Date('2100-01-01T00:00:00Z'));
          const [old, recent] = await insert(endedCall('completed', T0 - 1), endedCall('completed', T0 + 1));
          expect(await purge({ endedBefore: T0, limit: 10 })).toBe(1);
          expect(await store.getCall(old!.id)).toBeUndefined();
          expect(await store.getCall(recent!.id)).toBeDefined();
        } finally {
          vi.useRealTimers();
        }
      });

      test('purgeCalls rejects bad options with INVALID_INPUT naming the field and deletes nothing', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        const [stored] = await insert(endedCall('completed', T0 - 1));
        const bad: [PurgeOptions, string][] = [
          [{ endedBefore: T0, limit: 0 }, 'limit'],
          [{ endedBefore: T0, limit: 1.5 }, 'limit'],
          [{ endedBefore: Number.NaN, limit: 10 }, 'endedBefore'],
          [{ endedBefore: '2026-01-01' as unknown as number, limit: 10 }, 'endedBefore'],
          [{ endedBefore: T0, limit: 10, statuses: ['scheduled'] }, 'statuses'],
          [{ endedBefore: T0, limit: 10, statuses: ['completed', 'ringing'] }, 'statuses'],
        ];
        for (const [options, field] of bad) {
          try {
            await expectError(() => purge(options), 'INVALID_INPUT', field);
          } catch (error) {
            throw new Error(`purgeCalls(${JSON.stringify(options)}): ${(error as Error).message}`, { cause: error });
          }
        }
        expect(await store.getCall(stored!.id)).toBeDefined();
      });

      test('after close purgeCalls rejects with STORE_CLOSED', async (ctx) => {
        const purge = purgeOf(ctx);
        if (purge === undefined) return;
        if (store.close === undefined) {
          ctx.skip('the store has no close()');
          return;
        }
        await store.close();
        await expectError(() => purge({ endedBefore: T0, limit: 10 }), 'STORE_CLOSED');
      });
    });

    if (Object.keys(skip).length > 0) {
      // Checked when it runs: nested describe blocks register their tests after this line.
      it('skip option names only existing tests', () => {
        const unknown = Object.keys(skip).filter((name) => !registered.has(name));
        expect(unknown, 'options.skip names tests that do not exist').toEqual([]);
      });
    }
  });
}

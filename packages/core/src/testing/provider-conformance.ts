import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectedDwellOf } from '../polling/dwell-hint.js';
import type { CallProvider, PlaceCallRequest, ProviderCallInfo } from '../provider/call-provider.js';
import { isFinalProviderStatus, providerStatusRank, type ProviderCallStatus } from '../provider/provider-status.js';
import { isProviderError, type ProviderError } from '../errors/provider-error.js';
import { ErrorCode } from '../errors/error-codes.js';

/** Options of {@link testCallProvider}. */
export interface CallProviderConformanceOptions {
  /** A number the provider dials successfully, e.g. `+14155550123`. */
  readonly validNumber: string;
  /** A number the provider refuses permanently, e.g. `+1`. */
  readonly invalidNumber: string;
  /**
   * Moves the provider's time forward by `ms` (e.g. `(ms) => clock.advance(ms)` for a provider on
   * a `FakeClock`). Without it, the test that follows a call to its end is skipped (and says so).
   */
  readonly advance?: (ms: number) => Promise<void>;
  /** How far `advance` moves between two status reads. @default 1_000 */
  readonly advanceStepMs?: number;
  /** How long (in `advance`d time) a call to `validNumber` may take to end. @default 120_000 */
  readonly maxCallMs?: number;
  /** An id the provider has never given out. @default a random UUID v4 */
  readonly unknownCallId?: string;
  /** The longest real time an aborted request may take to reject, in ms. @default 2_000 */
  readonly abortBoundMs?: number;
  /**
   * Tests to switch off, by their exact title, each with the reason. A skipped test is still
   * reported (as skipped, with the reason in its title); a name that matches no test makes the
   * suite fail.
   * @default {}
   */
  readonly skip?: Readonly<Record<string, string>>;
  /** The title of the `describe` block. @default 'CallProvider conformance' */
  readonly name?: string;
}

/** The titles of the tests {@link testCallProvider} registers, for `options.skip`. */
export const CALL_PROVIDER_TESTS = Object.freeze({
  /** `name`, the methods and `capabilities` have the right shape. */
  shape: 'has a name and well-formed capabilities',
  /** A dial answers with an id and a known, non-final initial status. */
  place: 'placeCall returns a provider call id and a known initial status',
  /** Two dials give two ids. */
  distinct: 'placeCall gives each dial its own provider call id',
  /** A status read right after the dial: same id, status of equal or higher rank. */
  get: 'getCall reports the call with a status of equal or higher rank',
  /** With `advance`: statuses never move backwards and the call ends. */
  progress: 'statuses only move forward and the call reaches an end',
  /** An unknown id is `PROVIDER_CALL_NOT_FOUND`. */
  unknown: 'getCall of an unknown id throws PROVIDER_CALL_NOT_FOUND',
  /** An invalid number is `PROVIDER_REJECTED`, not retryable, with a message. */
  invalid: 'placeCall rejects an invalid number permanently, with a message',
  /** A dial with an aborted signal rejects promptly with a `ProviderError`. */
  abortPlace: 'placeCall with an aborted signal rejects promptly with a ProviderError',
  /** A status read with an aborted signal rejects promptly with a `ProviderError`. */
  abortGet: 'getCall with an aborted signal rejects promptly with a ProviderError',
  /** With `idempotentPlaceCall`: the same key gives the same call. */
  idempotent: 'a repeated idempotency key gives the same call when idempotentPlaceCall is declared',
} as const);

const KNOWN_INITIAL: readonly ProviderCallStatus[] = ['queued', 'initiated', 'ringing', 'connected'];

let sequence = 0;

function request(to: string, attempt = 1): PlaceCallRequest {
  sequence += 1;
  const callId = `conformance-${process.pid}-${sequence}`;
  return { to, callId, attempt, idempotencyKey: `${callId}:${attempt}`, metadata: null };
}

function live(): { signal: AbortSignal } {
  return { signal: new AbortController().signal };
}

function expectCallInfo(info: ProviderCallInfo): void {
  expect(typeof info.providerCallId, 'providerCallId').toBe('string');
  expect(info.providerCallId.length, 'providerCallId length').toBeGreaterThan(0);
  expect(typeof info.rawStatus, 'rawStatus').toBe('string');
  expect(providerStatusRank(info.status), `status ${info.status} (raw ${info.rawStatus})`).toBeGreaterThanOrEqual(0);
  if (info.durationSeconds !== undefined && info.durationSeconds !== null) {
    expect(info.durationSeconds, 'durationSeconds').toBeGreaterThanOrEqual(0);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to be rejected, but it resolved');
}

function expectProviderError(error: unknown): asserts error is ProviderError {
  expect(isProviderError(error), `expected a ProviderError, got ${String(error)}`).toBe(true);
  expect(typeof (error as ProviderError).message).toBe('string');
  expect((error as ProviderError).message.length).toBeGreaterThan(0);
}

/** Rejects with a clear message if `promise` has not settled after `ms` of real time. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    handle = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms); // clock-ok: a real-time bound on a test
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(handle); // clock-ok
  }
}

/**
 * The conformance suite every {@link CallProvider} must pass. Call it at the top level of a vitest
 * test file; it registers one `describe` block. `makeProvider` is called at the start of each test.
 *
 * It checks: a dial returns an id and a known initial status; a status read returns a status of
 * equal or higher rank, statuses never move backwards and a call ends (when `advance` is given);
 * an unknown id is `PROVIDER_CALL_NOT_FOUND`; an invalid number is rejected with `retryable:
 * false` and a message; an aborted signal rejects promptly; every failure is a `ProviderError`;
 * a provider that declares `idempotentPlaceCall` returns the same call for a repeated key.
 *
 * @example
 * ```ts
 * import { FakeClock, FakeCallProvider, testCallProvider } from '@call-scheduler/core/testing';
 * const clock = new FakeClock();
 * testCallProvider(() => new FakeCallProvider({ clock }), {
 *   validNumber: '+14155550123',
 *   invalidNumber: '+1',
 *   advance: (ms) => clock.advance(ms),
 * });
 * ```
 */
export function testCallProvider(
  makeProvider: () => CallProvider | Promise<CallProvider>,
  options: CallProviderConformanceOptions,
): void {
  const skip = options.skip ?? {};
  const step = options.advanceStepMs ?? 1_000;
  const maxCallMs = options.maxCallMs ?? 120_000;
  const abortBoundMs = options.abortBoundMs ?? 2_000;
  const registered = new Set<string>();

  const test = (name: string, fn: (ctx: { skip: (note?: string) => void }) => Promise<void>): void => {
    registered.add(name);
    const reason = skip[name];
    // Switched off by the adapter, by name, with its reason in the title: reported, never silent.
    if (reason !== undefined) it.skip(`${name} [skipped: ${reason}]`, async () => {}); // skip-ok: an adapter switched this test off by name; the reason is in the title
    else it(name, fn);
  };

  describe(options.name ?? 'CallProvider conformance', () => {
    test(CALL_PROVIDER_TESTS.shape, async () => {
      const provider = await makeProvider();
      expect(typeof provider.name).toBe('string');
      expect(provider.name.length).toBeGreaterThan(0);
      expect(typeof provider.placeCall).toBe('function');
      expect(typeof provider.getCall).toBe('function');
      if (provider.cancelCall !== undefined) expect(typeof provider.cancelCall).toBe('function');
      if (provider.capabilities !== undefined) {
        expect(typeof provider.capabilities).toBe('object');
        expect(provider.capabilities).not.toBeNull();
        const flag = provider.capabilities.idempotentPlaceCall;
        expect(flag === undefined || typeof flag === 'boolean', 'capabilities.idempotentPlaceCall is a boolean or absent').toBe(true);
        // The scheduler's constructor checks the polling hint the same way (INVALID_INPUT).
        expect(() => expectedDwellOf(provider), 'capabilities.expectedDwellMs is absent or whole ms per live status').not.toThrow();
      }
    });

    test(CALL_PROVIDER_TESTS.place, async () => {
      const provider = await makeProvider();
      const info = await provider.placeCall(request(options.validNumber), live());
      expectCallInfo(info);
      expect(KNOWN_INITIAL, `initial status ${info.status}`).toContain(info.status);
    });

    test(CALL_PROVIDER_TESTS.distinct, async () => {
      const provider = await makeProvider();
      const first = await provider.placeCall(request(options.validNumber), live());
      const second = await provider.placeCall(request(options.validNumber), live());
      expect(second.providerCallId).not.toBe(first.providerCallId);
    });

    test(CALL_PROVIDER_TESTS.get, async () => {
      const provider = await makeProvider();
      const placed = await provider.placeCall(request(options.validNumber), live());
      const read = await provider.getCall(placed.providerCallId, live());
      expectCallInfo(read);
      expect(read.providerCallId).toBe(placed.providerCallId);
      expect(providerStatusRank(read.status)).toBeGreaterThanOrEqual(providerStatusRank(placed.status));
    });

    test(CALL_PROVIDER_TESTS.progress, async (ctx) => {
      const advance = options.advance;
      if (advance === undefined) {
        ctx.skip('no advance option: cannot move the provider through a call');
        return;
      }
      const provider = await makeProvider();
      const placed = await provider.placeCall(request(options.validNumber), live());
      const seen: string[] = [placed.status];
      let rank = providerStatusRank(placed.status);
      let last = placed;
      for (let elapsed = 0; !isFinalProviderStatus(last.status) && elapsed < maxCallMs; elapsed += step) {
        await advance(step);
        last = await provider.getCall(placed.providerCallId, live());
        expectCallInfo(last);
        seen.push(last.status);
        expect(providerStatusRank(last.status), `statuses went backwards: ${seen.join(' → ')}`).toBeGreaterThanOrEqual(rank);
        rank = providerStatusRank(last.status);
      }
      expect(isFinalProviderStatus(last.status), `no end within ${maxCallMs} ms: ${seen.join(' → ')}`).toBe(true);
    });

    test(CALL_PROVIDER_TESTS.unknown, async () => {
      const provider = await makeProvider();
      const error = await rejection(provider.getCall(options.unknownCallId ?? randomUUID(), live()));
      expectProviderError(error);
      expect(error.code).toBe(ErrorCode.PROVIDER_CALL_NOT_FOUND);
      expect(error.retryable).toBe(false);
    });

    test(CALL_PROVIDER_TESTS.invalid, async () => {
      const provider = await makeProvider();
      const error = await rejection(provider.placeCall(request(options.invalidNumber), live()));
      expectProviderError(error);
      expect(error.code).toBe(ErrorCode.PROVIDER_REJECTED);
      expect(error.retryable).toBe(false);
      expect(error.ambiguous).toBe(false);
      expect(typeof error.providerMessage === 'string' && error.providerMessage.length > 0, 'providerMessage').toBe(true);
    });

    test(CALL_PROVIDER_TESTS.abortPlace, async () => {
      const provider = await makeProvider();
      const controller = new AbortController();
      controller.abort(new Error('the test aborted'));
      const error = await within(abortBoundMs, 'placeCall with an aborted signal', rejection(provider.placeCall(request(options.validNumber), { signal: controller.signal })));
      expectProviderError(error);
    });

    test(CALL_PROVIDER_TESTS.abortGet, async () => {
      const provider = await makeProvider();
      const placed = await provider.placeCall(request(options.validNumber), live());
      const controller = new AbortController();
      controller.abort(new Error('the test aborted'));
      const error = await within(abortBoundMs, 'getCall with an aborted signal', rejection(provider.getCall(placed.providerCallId, { signal: controller.signal })));
      expectProviderError(error);
    });

    test(CALL_PROVIDER_TESTS.idempotent, async (ctx) => {
      const provider = await makeProvider();
      if (provider.capabilities?.idempotentPlaceCall !== true) {
        ctx.skip('the provider does not declare idempotentPlaceCall');
        return;
      }
      const dial = request(options.validNumber);
      const first = await provider.placeCall(dial, live());
      const again = await provider.placeCall(dial, live());
      expect(again.providerCallId).toBe(first.providerCallId);
      const other = await provider.placeCall(request(options.validNumber), live());
      expect(other.providerCallId).not.toBe(first.providerCallId);
    });

    const unknownSkips = Object.keys(skip).filter((name) => !registered.has(name));
    if (unknownSkips.length > 0) {
      it('skip option names only existing tests', () => {
        throw new Error(`testCallProvider: options.skip names no test: ${unknownSkips.map((n) => JSON.stringify(n)).join(', ')}`);
      });
    }
  });
}

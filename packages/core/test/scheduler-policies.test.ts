import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { describe, expect, it } from 'vitest';
import {
  CallScheduler,
  ErrorCode,
  ProviderError,
  dailyWindow,
  tcpa,
  type Call,
  type CallSchedulerOptions,
  type CallStore,
  type Clock,
  type TimerHandle,
} from '../src/index.js';
import { FakeCallProvider, FakeClock, type FakeCallBehavior, type FakeCallProviderOptions } from '../src/testing/index.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NUMBER = '+14155550123';
const Z = (iso: string): number => Date.parse(iso);

type StoreKind = 'memory' | 'sqlite';
const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite'];

const cleanup = cleanupAfterEach();

function tempDatabaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'call-scheduler-policies-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'calls.db');
}

function openStore(kind: StoreKind, filename?: string): CallStore {
  if (kind === 'memory') return new MemoryStore();
  const store = new SqliteStore({ filename: filename ?? tempDatabaseFile() });
  cleanup.add(() => store.close());
  return store;
}

/** A call that is answered at once and ends after a second. */
const QUICK: FakeCallBehavior = { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 1000, status: 'completed', durationSeconds: 1 }] };
const BUSY: FakeCallBehavior = { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 2000, status: 'busy' }] };

interface RigOptions extends Partial<Omit<CallSchedulerOptions, 'clock'>> {
  readonly start?: string | number;
  readonly kind?: StoreKind;
  readonly clock?: FakeClock;
  readonly schedulerClock?: Clock;
  readonly providerOptions?: Partial<FakeCallProviderOptions>;
}

/** A scheduler on a fake clock and a fake provider, with every event recorded. */
function rig(options: RigOptions = {}) {
  const { start = '2026-11-21T09:00:00Z', kind = 'memory', clock: givenClock, schedulerClock, providerOptions, store: givenStore, ...rest } = options;
  const clock = givenClock ?? new FakeClock(start);
  const provider = new FakeCallProvider({ clock, defaultBehavior: QUICK, ...providerOptions });
  const store = givenStore ?? openStore(kind);
  const scheduler = new CallScheduler({
    store,
    provider,
    clock: schedulerClock ?? clock,
    polling: { minIntervalMs: 500, maxIntervalMs: 500 },
    // One scheduler per store here: no need to re-read a shared SQLite file every second of fake days.
    storeRereadIntervalMs: null,
    ...rest,
    id: rest.id ?? 'scheduler-a',
  });
  const events: { name: string; at: number; payload: { call?: Call } & Record<string, unknown> }[] = [];
  for (const name of ['call:scheduled', 'call:rescheduled', 'call:dispatching', 'call:completed', 'call:failed', 'call:retrying', 'call:expired', 'scheduler:error'] as const) {
    scheduler.on(name, (payload: unknown) => events.push({ name, at: clock.now(), payload: payload as { call?: Call } }));
  }
  cleanup.stop(scheduler);
  const named = (name: string, callId?: string) => events.filter((e) => e.name === name && (callId === undefined || e.payload.call?.id === callId));
  const errors = () => named('scheduler:error').map((e) => e.payload);
  /** Times of the `placeCall` requests that started a call. */
  const dials = (to?: string) => provider.placeRequests(to).filter((r) => r.result === 'ok').map((r) => r.at);
  return { clock, provider, store, scheduler, events, named, errors, dials };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

// ------------------------------------------------------------------------------------------------

describe.each(STORE_KINDS)('calling windows across the 2026 DST changes (%s store)', (kind) => {
  const nineToFive = dailyWindow([{ start: '09:00', end: '17:00' }]);
  // Scheduled at 20:00 local the evening before; the 09:00 opening in UTC, worked out by hand
  // (EST -5, EDT -4, CET +1, CEST +2). The middle day is the day the clocks change.
  const cases = [
    {
      title: 'America/New_York, March 8 (EST -> EDT)',
      zone: 'America/New_York',
      start: '2026-03-05T00:00:00Z',
      days: [
        ['2026-03-06T20:00', '2026-03-07T14:00:00.000Z'],
        ['2026-03-07T20:00', '2026-03-08T13:00:00.000Z'],
        ['2026-03-08T20:00', '2026-03-09T13:00:00.000Z'],
      ],
    },
    {
      title: 'America/New_York, November 1 (EDT -> EST)',
      zone: 'America/New_York',
      start: '2026-10-29T00:00:00Z',
      days: [
        ['2026-10-30T20:00', '2026-10-31T13:00:00.000Z'],
        ['2026-10-31T20:00', '2026-11-01T14:00:00.000Z'],
        ['2026-11-01T20:00', '2026-11-02T14:00:00.000Z'],
      ],
    },
    {
      title: 'Europe/Berlin, March 29 (CET -> CEST)',
      zone: 'Europe/Berlin',
      start: '2026-03-26T00:00:00Z',
      days: [
        ['2026-03-27T20:00', '2026-03-28T08:00:00.000Z'],
        ['2026-03-28T20:00', '2026-03-29T07:00:00.000Z'],
        ['2026-03-29T20:00', '2026-03-30T07:00:00.000Z'],
      ],
    },
    {
      title: 'Europe/Berlin, October 25 (CEST -> CET)',
      zone: 'Europe/Berlin',
      start: '2026-10-22T00:00:00Z',
      days: [
        ['2026-10-23T20:00', '2026-10-24T07:00:00.000Z'],
        ['2026-10-24T20:00', '2026-10-25T08:00:00.000Z'],
        ['2026-10-25T20:00', '2026-10-26T08:00:00.000Z'],
      ],
    },
  ] as const;

  for (const c of cases) {
    it(`a 09:00-local daily window opens at the right UTC instant on both sides: ${c.title}`, async () => {
      const { clock, scheduler, dials, errors } = rig({ kind, start: c.start });
      await scheduler.start();
      const numbers = c.days.map((_, i) => `+1415555${String(3000 + i)}`);
      const calls = await Promise.all(
        c.days.map(([evening], i) => scheduler.schedule({ to: numbers[i]!, at: { local: evening, timeZone: c.zone }, window: nineToFive })),
      );
      // The zone came from `at`; the window snapped the time to the next morning.
      expect(calls.map((call) => call.timeZone)).toEqual(c.days.map(() => c.zone));
      expect(calls.map((call) => iso(call.nextAttemptAt?.getTime()))).toEqual(c.days.map(([, opening]) => opening));
      for (const [i, [, opening]] of c.days.entries()) {
        await clock.advanceTo(Z(opening) - 1);
        expect(dials(numbers[i]), `${numbers[i]} before ${opening}`).toEqual([]);
        await clock.advance(1);
        expect(dials(numbers[i]).map(iso), `${numbers[i]} at ${opening}`).toEqual([opening]);
      }
      await clock.advance(HOUR);
      for (const call of calls) expect((await scheduler.get(call.id))?.status).toBe('completed');
      expect(errors()).toEqual([]);
    });
  }

  it('a call at a non-existent or an ambiguous local time is dialed where the documented rule says', async () => {
    const { clock, scheduler, dials, errors } = rig({ kind, start: '2026-03-01T00:00:00Z' });
    await scheduler.start();
    // Gap (spring forward): `compatible` (the default) and `later` move forward by the gap, `earlier` back.
    // Overlap (fall back): `compatible` and `earlier` take the first (summer time) instant, `later` the second.
    const cases = [
      ['America/New_York', '2026-03-08T02:30', undefined, '2026-03-08T07:30:00.000Z'], // 03:30 EDT
      ['America/New_York', '2026-03-08T02:30', 'earlier', '2026-03-08T06:30:00.000Z'], // 01:30 EST
      ['America/New_York', '2026-03-08T02:30', 'later', '2026-03-08T07:30:00.000Z'],
      ['Europe/Berlin', '2026-03-29T02:30', undefined, '2026-03-29T01:30:00.000Z'], // 03:30 CEST
      ['Europe/Berlin', '2026-03-29T02:30', 'earlier', '2026-03-29T00:30:00.000Z'], // 01:30 CET
      ['America/New_York', '2026-11-01T01:30', undefined, '2026-11-01T05:30:00.000Z'], // first 01:30 (EDT)
      ['America/New_York', '2026-11-01T01:30', 'later', '2026-11-01T06:30:00.000Z'], // second 01:30 (EST)
      ['Europe/Berlin', '2026-10-25T02:30', undefined, '2026-10-25T00:30:00.000Z'], // first 02:30 (CEST)
      ['Europe/Berlin', '2026-10-25T02:30', 'later', '2026-10-25T01:30:00.000Z'], // second 02:30 (CET)
    ] as const;
    const calls = [];
    for (const [i, [zone, local, disambiguation]] of cases.entries()) {
      const at = disambiguation === undefined ? { local, timeZone: zone } : { local, timeZone: zone, disambiguation };
      calls.push(await scheduler.schedule({ to: `+1415555${String(4000 + i)}`, at }));
    }
    expect(calls.map((call) => call.at.toISOString())).toEqual(cases.map((c) => c[3]));
    await clock.advanceTo('2026-11-02T00:00:00Z');
    for (const [i, c] of cases.entries()) expect(dials(`+1415555${String(4000 + i)}`).map(iso)).toEqual([c[3]]);
    // `reject` refuses both, naming the field, and stores nothing.
    for (const [zone, local] of [['America/New_York', '2026-03-08T02:30'], ['Europe/Berlin', '2026-10-25T02:30']] as const) {
      await expect(scheduler.schedule({ to: NUMBER, at: { local, timeZone: zone, disambiguation: 'reject' } })).rejects.toMatchObject({
        code: ErrorCode.INVALID_INPUT,
        issues: [expect.objectContaining({ path: 'at' })],
      });
    }
    expect((await scheduler.list({ limit: 100 })).items).toHaveLength(cases.length);
    expect(errors()).toEqual([]);
  });
});

describe.each(STORE_KINDS)('the TCPA preset and expiresAt (%s store)', (kind) => {
  // America/Chicago on 2026-11-21/22 is CST (-6): 23:00 local = 05:00Z, 08:00 local = 14:00Z.
  const CHICAGO = 'America/Chicago';

  it('a call due at 23:00 local is dialed at 08:00 the next day', async () => {
    const { clock, scheduler, dials, named } = rig({ kind, start: '2026-11-21T12:00:00Z' });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER, at: { local: '2026-11-21T23:00', timeZone: CHICAGO }, window: tcpa() });
    expect(call.at.toISOString()).toBe('2026-11-22T05:00:00.000Z');
    expect(call.nextAttemptAt?.toISOString()).toBe('2026-11-22T14:00:00.000Z');
    expect(named('call:scheduled')[0]?.payload.event).toMatchObject({ data: { at: Z('2026-11-22T05:00:00Z'), nextAttemptAt: Z('2026-11-22T14:00:00Z') } });
    await clock.advanceTo('2026-11-22T13:59:59.999Z');
    expect(dials()).toEqual([]);
    await clock.advance(1);
    expect(dials().map(iso)).toEqual(['2026-11-22T14:00:00.000Z']);
  });

  it('with expiresAt at 07:00 it ends expired at once and is never dialed', async () => {
    const { clock, scheduler, provider, named } = rig({ kind, start: '2026-11-21T12:00:00Z' });
    await scheduler.start();
    const call = await scheduler.schedule({
      to: NUMBER,
      at: { local: '2026-11-21T23:00', timeZone: CHICAGO },
      window: tcpa(),
      expiresAt: '2026-11-22T07:00:00-06:00',
    });
    expect(call.status).toBe('expired');
    expect(call.nextAttemptAt).toBeNull();
    expect(call.error?.code).toBe(ErrorCode.CALL_EXPIRED);
    expect(named('call:expired').map((e) => e.payload.call?.id)).toEqual([call.id]);
    await clock.advance(3 * DAY);
    expect(provider.placeRequests()).toEqual([]);
    const stored = await scheduler.get(call.id);
    expect(stored?.status).toBe('expired');
    expect(stored?.attempts).toEqual([]);
    expect(stored?.events.map((e) => e.type)).toEqual(['scheduled', 'expired']);
  });

  it("the scheduler's default window applies to a call with a zone (its own or the default zone) and no window", async () => {
    const { clock, scheduler, dials } = rig({ kind, start: '2026-11-21T12:00:00Z', window: tcpa(), defaultTimeZone: CHICAGO });
    await scheduler.start();
    const zoneless = await scheduler.schedule({ to: NUMBER, at: '2026-11-22T05:00:00Z' }); // 23:00 in Chicago
    const berlin = await scheduler.schedule({ to: '+4930123456', at: '2026-11-22T05:00:00Z', timeZone: 'Europe/Berlin' }); // 06:00 in Berlin
    const ownWindow = await scheduler.schedule({ to: '+14155550999', at: '2026-11-22T05:00:00Z', timeZone: CHICAGO, window: dailyWindow([{ start: '00:00', end: '24:00' }]) });
    expect(zoneless.timeZone).toBeNull();
    expect(zoneless.nextAttemptAt?.toISOString()).toBe('2026-11-22T14:00:00.000Z');
    expect(berlin.nextAttemptAt?.toISOString()).toBe('2026-11-22T07:00:00.000Z'); // 08:00 CET
    expect(ownWindow.nextAttemptAt?.toISOString()).toBe('2026-11-22T05:00:00.000Z');
    await clock.advanceTo('2026-11-23T00:00:00Z');
    expect(dials(NUMBER).map(iso)).toEqual(['2026-11-22T14:00:00.000Z']);
    expect(dials('+4930123456').map(iso)).toEqual(['2026-11-22T07:00:00.000Z']);
    expect(dials('+14155550999').map(iso)).toEqual(['2026-11-22T05:00:00.000Z']);
  });

  it('a call claimed outside its window (the scheduler was down) goes back to the next opening without a phantom attempt', async () => {
    const { clock, scheduler, dials, named } = rig({ kind, start: '2026-11-21T12:00:00Z' });
    const call = await scheduler.schedule({ to: NUMBER, at: { local: '2026-11-21T20:30', timeZone: CHICAGO }, window: tcpa() });
    const late = await scheduler.schedule({
      to: '+14155550124',
      at: { local: '2026-11-21T20:30', timeZone: CHICAGO },
      window: tcpa(),
      expiresAt: '2026-11-22T07:00:00-06:00',
    });
    expect(call.nextAttemptAt?.toISOString()).toBe('2026-11-22T02:30:00.000Z'); // inside the window
    await clock.advanceTo('2026-11-22T03:30:00Z'); // 21:30 local: the scheduler was not running
    await scheduler.start();
    await clock.advance(0);
    expect(dials()).toEqual([]);
    const waiting = await scheduler.get(call.id);
    expect(waiting).toMatchObject({ status: 'scheduled', attemptCount: 0, attempts: [] });
    expect(waiting?.nextAttemptAt?.toISOString()).toBe('2026-11-22T14:00:00.000Z');
    expect(waiting?.events.map((e) => e.type)).toEqual(['scheduled', 'dispatching', 'rescheduled']);
    expect(waiting?.events[2]?.data).toMatchObject({ code: ErrorCode.OUTSIDE_CALLING_WINDOW, nextAttemptAt: Z('2026-11-22T14:00:00Z') });
    expect(named('call:rescheduled', call.id)).toHaveLength(1);
    const expired = await scheduler.get(late.id);
    expect(expired).toMatchObject({ status: 'expired', attemptCount: 0, attempts: [], error: { code: ErrorCode.CALL_EXPIRED } });
    expect(named('call:expired', late.id)).toHaveLength(1);
    await clock.advanceTo('2026-11-22T14:00:00Z');
    expect(dials(NUMBER).map(iso)).toEqual(['2026-11-22T14:00:00.000Z']);
    expect(dials('+14155550124')).toEqual([]);
    await clock.advance(MINUTE);
    const done = await scheduler.get(call.id);
    expect(done).toMatchObject({ status: 'completed', attemptCount: 1 });
    expect(done?.attempts.map((a) => a.number)).toEqual([1]);
  });

  it('reschedule re-snaps into the window, and expires a call that can no longer be dialed in time', async () => {
    const { clock, scheduler, dials, named } = rig({ kind, start: '2026-11-21T12:00:00Z' });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER, at: { local: '2026-11-22T10:00', timeZone: CHICAGO }, window: tcpa() });
    expect(call.nextAttemptAt?.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    const late = await scheduler.reschedule(call.id, { local: '2026-11-22T22:00', timeZone: CHICAGO });
    expect(late.at.toISOString()).toBe('2026-11-23T04:00:00.000Z');
    expect(late.nextAttemptAt?.toISOString()).toBe('2026-11-23T14:00:00.000Z'); // 08:00 the next day
    const anyTime = await scheduler.reschedule(call.id, { window: null });
    expect(anyTime.nextAttemptAt?.toISOString()).toBe('2026-11-23T04:00:00.000Z');
    const back = await scheduler.reschedule(call.id, { window: tcpa() });
    expect(back.nextAttemptAt?.toISOString()).toBe('2026-11-23T14:00:00.000Z');
    const expired = await scheduler.reschedule(call.id, { expiresAt: '2026-11-23T07:00:00-06:00' });
    expect(expired).toMatchObject({ status: 'expired', nextAttemptAt: null, error: { code: ErrorCode.CALL_EXPIRED } });
    expect(named('call:expired', call.id)).toHaveLength(1);
    await clock.advance(3 * DAY);
    expect(dials()).toEqual([]);
  });
});

describe.each(STORE_KINDS)('retries by outcome (%s store)', (kind) => {
  it('busy twice then completed: completed after 3 attempts at exactly the configured delays (scheduler default policy)', async () => {
    const { clock, provider, scheduler, dials, named } = rig({ kind, retry: { busy: { delaysMs: [10 * MINUTE, 30 * MINUTE], maxAttempts: 3 } } });
    provider.script(NUMBER, BUSY, BUSY, QUICK);
    await scheduler.start();
    const start = clock.now();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(DAY);
    const done = await scheduler.get(call.id);
    expect(done).toMatchObject({ status: 'completed', attemptCount: 3 });
    expect(done?.attempts.map((a) => a.status)).toEqual(['busy', 'busy', 'completed']);
    // busy is seen 2 s after each dial; the next dial is exactly the delay after that.
    const expected = [0, 2000 + 10 * MINUTE, 2000 + 10 * MINUTE + 2000 + 30 * MINUTE];
    expect(dials(NUMBER).map((t) => t - start)).toEqual(expected);
    const retrying = named('call:retrying', call.id);
    expect(retrying.map((e) => (e.payload['nextAttemptAt'] as Date).getTime() - start)).toEqual(expected.slice(1));
    expect(retrying.map((e) => e.payload['outcome'])).toEqual(['busy', 'busy']);
    expect(retrying.map((e) => (e.payload['event'] as { data: unknown }).data)).toEqual([
      expect.objectContaining({ outcome: 'busy', delayMs: 10 * MINUTE, nextAttemptAt: start + expected[1]!, plannedAt: start + expected[1]! }),
      expect.objectContaining({ outcome: 'busy', delayMs: 30 * MINUTE, nextAttemptAt: start + expected[2]!, plannedAt: start + expected[2]! }),
    ]);
  });

  it('never answered: ends no-answer after the maximum attempts', async () => {
    const { clock, provider, scheduler, named } = rig({ kind, maxRingMs: 20 * SECOND, retry: { 'no-answer': { delaysMs: [HOUR], maxAttempts: 3 } } });
    provider.script(NUMBER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 1000, status: 'ringing' }] });
    await scheduler.start();
    const call = await scheduler.schedule({ to: NUMBER });
    await clock.advance(DAY);
    const done = await scheduler.get(call.id);
    expect(done).toMatchObject({ status: 'no-answer', attemptCount: 3 });
    expect(provider.dials(NUMBER)).toBe(3);
    expect(named('call:failed', call.id)).toHaveLength(1);
    expect(done?.events.at(-1)?.data).toMatchObject({ retry: 'max-attempts' });
  });

  it("a call's own policy replaces the default as a whole: `{}` never retries", async () => {
    const { clock, provider, scheduler } = rig({ kind, retry: { busy: { delaysMs: [MINUTE], maxAttempts: 3 } } });
    provider.script(NUMBER, BUSY);
    provider.script('+14155550124', BUSY);
    await scheduler.start();
    const byDefault = await scheduler.schedule({ to: NUMBER });
    const never = await scheduler.schedule({ to: '+14155550124', retry: {} });
    await clock.advance(HOUR);
    expect(await scheduler.get(byDefault.id)).toMatchObject({ status: 'busy', attemptCount: 3 });
    expect(await scheduler.get(never.id)).toMatchObject({ status: 'busy', attemptCount: 1, retry: {} });
  });

  it('a retry is snapped into the window; one that would land at or after expiresAt ends the call with its outcome', async () => {
    // 20:50 CST = 02:50Z; busy at 20:50:02; +30 min = 21:20:02, after the 21:00 close -> 08:00 (14:00Z).
    const { clock, provider, scheduler, dials, named } = rig({ kind, start: '2026-11-21T12:00:00Z' });
    provider.script(NUMBER, BUSY, QUICK);
    provider.script('+14155550124', BUSY);
    await scheduler.start();
    const retry = { busy: { delaysMs: [30 * MINUTE], maxAttempts: 3 } };
    const at = { local: '2026-11-21T20:50', timeZone: 'America/Chicago' };
    const call = await scheduler.schedule({ to: NUMBER, at, window: tcpa(), retry });
    const short = await scheduler.schedule({ to: '+14155550124', at, window: tcpa(), retry, expiresAt: '2026-11-22T07:00:00-06:00' });
    await clock.advanceTo('2026-11-22T03:00:00Z');
    const [retrying] = named('call:retrying', call.id);
    expect((retrying?.payload['nextAttemptAt'] as Date).toISOString()).toBe('2026-11-22T14:00:00.000Z');
    expect((retrying?.payload['event'] as { data: unknown }).data).toMatchObject({ plannedAt: Z('2026-11-22T03:20:02Z'), delayMs: 30 * MINUTE });
    const ended = await scheduler.get(short.id);
    expect(ended).toMatchObject({ status: 'busy', attemptCount: 1 });
    expect(ended?.events.at(-1)).toMatchObject({ type: 'failed', data: expect.objectContaining({ retry: 'expires-first' }) });
    await clock.advanceTo('2026-11-22T15:00:00Z');
    expect(dials(NUMBER).map(iso)).toEqual(['2026-11-22T02:50:00.000Z', '2026-11-22T14:00:00.000Z']);
    expect(dials('+14155550124')).toHaveLength(1);
    expect((await scheduler.get(call.id))?.status).toBe('completed');
  });

  it('an unknown outcome is retried only when the provider de-duplicates', async () => {
    const retry = { unknown: { delaysMs: [MINUTE], maxAttempts: 2 } };
    const hang: FakeCallBehavior = { hang: true };
    const plain = rig({ kind, dispatchTimeoutMs: 5000, retry });
    plain.provider.script(NUMBER, hang);
    await plain.scheduler.start();
    const a = await plain.scheduler.schedule({ to: NUMBER });
    await plain.clock.advance(HOUR);
    expect(await plain.scheduler.get(a.id)).toMatchObject({ status: 'failed', attemptCount: 1, error: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN } });
    expect(plain.provider.placeRequests(NUMBER)).toHaveLength(1);

    const dedup = rig({ kind, dispatchTimeoutMs: 5000, retry, transientRetry: { maxRetries: 1, initialDelayMs: 1000, jitter: 0 }, providerOptions: { capabilities: { idempotentPlaceCall: true } } });
    dedup.provider.script(NUMBER, hang);
    await dedup.scheduler.start();
    const b = await dedup.scheduler.schedule({ to: NUMBER });
    await dedup.clock.advance(HOUR);
    const done = await dedup.scheduler.get(b.id);
    expect(done).toMatchObject({ status: 'failed', attemptCount: 1, error: { code: ErrorCode.DISPATCH_OUTCOME_UNKNOWN } });
    // Two tries per round, two rounds a minute apart, all the same dial: the same key throughout
    // (a new attempt would carry a new key, and the provider could ring the person twice).
    const requests = dedup.provider.placeRequests(NUMBER);
    expect(requests.map((r) => r.idempotencyKey)).toEqual([`${b.id}:1`, `${b.id}:1`, `${b.id}:1`, `${b.id}:1`]);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(MINUTE);
    expect(dedup.named('call:retrying', b.id)).toEqual([]);
  });
});

/** A clock that counts the timers the scheduler sets (to show it never polls in a tight loop). */
class CountingClock implements Clock {
  timers = 0;
  constructor(readonly inner: FakeClock) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timers += 1;
    return this.inner.setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
}

/** Largest number of `times` in any half-open span [t, t + spanMs). */
function maxInSpan(times: readonly number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= spanMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Throws when two attempts to one number overlap in time (claim to end). */
async function expectNoOverlapPerNumber(scheduler: CallScheduler, calls: readonly Call[]): Promise<void> {
  const byNumber = new Map<string, [number, number][]>();
  for (const call of calls) {
    const details = await scheduler.get(call.id);
    for (const attempt of details!.attempts) {
      const list = byNumber.get(call.to) ?? [];
      list.push([attempt.startedAt.getTime(), attempt.endedAt!.getTime()]);
      byNumber.set(call.to, list);
    }
  }
  for (const [to, spans] of byNumber) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0], `two live calls to ${to}`).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  }
}

describe('rate and concurrency shaping', () => {
  it.each(STORE_KINDS)('1,000 calls due at once with callsPerSecond 10 are dialed over 100 s, never more than 10 in any second, never two live calls to one number (%s store)', async (kind) => {
    const clock = new FakeClock('2026-11-21T09:00:00Z');
    const counting = new CountingClock(clock);
    const { scheduler, provider, dials, errors } = rig({ kind, clock, schedulerClock: counting, callsPerSecond: 10, maxLiveCalls: 1000, claimBatchSize: 100 });
    // The first 100 calls go to 10 numbers (10 calls each); the other 900 to distinct numbers.
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ to: `+1415555${String(i < 100 ? 5000 + (i % 10) : 5000 + i)}`, metadata: { i } }));
    const calls = await scheduler.scheduleMany(inputs);
    const start = clock.now();
    let live = 0;
    let maxLive = 0;
    const liveByNumber = new Map<string, number>();
    let maxPerNumber = 0;
    scheduler.on('call:dispatching', ({ call }) => {
      live++;
      maxLive = Math.max(maxLive, live);
      const n = (liveByNumber.get(call.to) ?? 0) + 1;
      liveByNumber.set(call.to, n);
      maxPerNumber = Math.max(maxPerNumber, n);
    });
    const ended = ({ call }: { call: Call }) => {
      live--;
      liveByNumber.set(call.to, liveByNumber.get(call.to)! - 1);
    };
    scheduler.on('call:completed', ended);
    scheduler.on('call:failed', ended);
    await scheduler.start();
    await clock.advance(120 * SECOND);
    const times = dials();
    expect(times).toHaveLength(1000);
    expect(provider.placeRequests()).toHaveLength(1000);
    expect(Math.min(...times) - start).toBe(0);
    expect(Math.max(...times) - start).toBe(99_900);
    expect(maxInSpan(times, 1000)).toBe(10);
    expect(maxPerNumber).toBe(1);
    expect(live).toBe(0);
    for (const to of ['+14155555000', '+14155555009']) expect(dials(to)).toHaveLength(10);
    await expectNoOverlapPerNumber(scheduler, calls);
    const page = await scheduler.list({ status: 'completed', limit: 1000 });
    expect(page.items).toHaveLength(1000);
    expect(errors()).toEqual([]);
    // One wake-up per token and a few per call (polls), not a loop.
    expect(counting.timers).toBeLessThan(6 * 1000);
    expect(maxLive).toBeLessThanOrEqual(20);
  }, 60_000);

  it('burst lets that many dials start at once after a quiet spell, then the rate spaces them', async () => {
    const { clock, scheduler, dials } = rig({ callsPerSecond: 5, burst: 5 });
    await scheduler.scheduleMany(Array.from({ length: 12 }, (_, i) => ({ to: `+1415555${String(6000 + i)}` })));
    const start = clock.now();
    await scheduler.start();
    await clock.advance(10 * SECOND);
    expect(dials().map((t) => t - start)).toEqual([0, 0, 0, 0, 0, 200, 400, 600, 800, 1000, 1200, 1400]);
  });

  it('a 429 with Retry-After pauses all dialing for that long and spends no attempt, however often it comes', async () => {
    const { clock, provider, scheduler, dials, named } = rig({ transientRetry: { maxRetries: 1, jitter: 0 } });
    provider.script(NUMBER, { ...QUICK, placeErrors: [ProviderError.rateLimited(30_000), ProviderError.rateLimited(10_000), ProviderError.rateLimited(5_000)] });
    await scheduler.start();
    const start = clock.now();
    const limited = await scheduler.schedule({ to: NUMBER });
    const others = await scheduler.scheduleMany([
      { to: '+14155550124', at: start + SECOND },
      { to: '+14155550125', at: start + 20 * SECOND },
    ]);
    await clock.advance(29_999);
    expect(provider.placeRequests().map((r) => [r.to, r.at - start, r.result])).toEqual([[NUMBER, 0, ErrorCode.PROVIDER_RATE_LIMITED]]);
    await clock.advance(1);
    // At the end of the pause every waiting dial goes (no rate limit is set); the provider says 429 again to one.
    expect(dials('+14155550124').map((t) => t - start)).toEqual([30_000]);
    expect(dials('+14155550125').map((t) => t - start)).toEqual([30_000]);
    await clock.advance(20 * SECOND);
    expect(provider.placeRequests(NUMBER).map((r) => [r.at - start, r.result])).toEqual([
      [0, ErrorCode.PROVIDER_RATE_LIMITED],
      [30_000, ErrorCode.PROVIDER_RATE_LIMITED],
      [40_000, ErrorCode.PROVIDER_RATE_LIMITED],
      [45_000, 'ok'],
    ]);
    await clock.advance(MINUTE);
    // Three 429s with maxRetries 1: none of them counted, and the call has its one attempt.
    expect(await scheduler.get(limited.id)).toMatchObject({ status: 'completed', attemptCount: 1 });
    for (const other of others) expect((await scheduler.get(other.id))?.status).toBe('completed');
    expect(named('call:failed')).toEqual([]);
  });

  it('a 429 on a status request pauses new dials too', async () => {
    const { clock, provider, scheduler, dials } = rig();
    provider.script(NUMBER, { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 3000, status: 'completed' }], getErrors: [ProviderError.rateLimited(20_000)] });
    await scheduler.start();
    const start = clock.now();
    await scheduler.schedule({ to: NUMBER });
    await scheduler.schedule({ to: '+14155550124', at: start + 5 * SECOND });
    await clock.advance(30 * SECOND);
    // The first poll (at 500 ms) is answered 429 with Retry-After 20 s: no dial before 20.5 s.
    expect(provider.getRequests()[0]).toMatchObject({ at: start + 500, result: ErrorCode.PROVIDER_RATE_LIMITED });
    expect(dials('+14155550124').map((t) => t - start)).toEqual([20_500]);
  });

  it('a 429 pause holds back a rate-limited scheduler too, then one dial at a time', async () => {
    const { clock, provider, scheduler, dials } = rig({ callsPerSecond: 2 });
    provider.script(NUMBER, { ...QUICK, placeErrors: [ProviderError.rateLimited(10_000)] });
    await scheduler.start();
    const start = clock.now();
    await scheduler.schedule({ to: NUMBER });
    await scheduler.scheduleMany(Array.from({ length: 4 }, (_, i) => ({ to: `+1415555${String(7000 + i)}`, at: start + 1 })));
    await clock.advance(20 * SECOND);
    expect(provider.placeRequests().map((r) => r.at - start)).toEqual([0, 10_000, 10_500, 11_000, 11_500, 12_000]);
    expect(dials()).toHaveLength(5);
  });

  it('per-number cap: a call over the cap waits until the oldest attempt leaves the period, without a phantom attempt', async () => {
    const { clock, scheduler, dials, named } = rig({ perNumberCap: { maxAttempts: 2, periodMs: DAY } });
    await scheduler.start();
    const start = clock.now();
    const calls = await scheduler.scheduleMany([
      { to: NUMBER, at: start },
      { to: NUMBER, at: start + HOUR },
      { to: NUMBER, at: start + 2 * HOUR },
      { to: NUMBER, at: start + 2 * HOUR, expiresAt: start + 12 * HOUR },
    ]);
    await clock.advance(2 * HOUR + MINUTE);
    expect(dials(NUMBER).map((t) => t - start)).toEqual([0, HOUR]);
    const third = await scheduler.get(calls[2]!.id);
    expect(third).toMatchObject({ status: 'scheduled', attemptCount: 0, attempts: [] });
    const waitUntil = third!.nextAttemptAt!.getTime() - start;
    expect(waitUntil).toBeGreaterThanOrEqual(DAY); // never early
    expect(waitUntil).toBeLessThan(DAY + SECOND);
    expect(named('call:rescheduled', calls[2]!.id)[0]?.payload.event).toMatchObject({ data: expect.objectContaining({ code: ErrorCode.NUMBER_ATTEMPT_CAP }) });
    expect(await scheduler.get(calls[3]!.id)).toMatchObject({ status: 'expired', attemptCount: 0, error: { code: ErrorCode.CALL_EXPIRED } });
    await clock.advance(DAY);
    expect(dials(NUMBER).map((t) => t - start)).toEqual([0, HOUR, waitUntil]);
    expect(await scheduler.get(calls[2]!.id)).toMatchObject({ status: 'completed', attemptCount: 1 });
  });

  it('per-number cap counts retries too', async () => {
    const { clock, provider, scheduler, dials } = rig({ perNumberCap: { maxAttempts: 3, periodMs: DAY } });
    provider.script(NUMBER, BUSY);
    await scheduler.start();
    const start = clock.now();
    const call = await scheduler.schedule({ to: NUMBER, retry: { busy: { delaysMs: [MINUTE], maxAttempts: 4 } } });
    await clock.advance(2 * DAY);
    const attempts = dials(NUMBER).map((t) => t - start);
    expect(attempts.slice(0, 3)).toEqual([0, 2000 + MINUTE, 2 * (2000 + MINUTE)]);
    expect(attempts).toHaveLength(4);
    expect(attempts[3]).toBeGreaterThanOrEqual(DAY);
    expect(attempts[3]).toBeLessThan(DAY + SECOND);
    expect(await scheduler.get(call.id)).toMatchObject({ status: 'busy', attemptCount: 4 });
  });
});

describe('a restart keeps every decision (SQLite file)', () => {
  it('a new scheduler on the same file dials at the stored time, under the stored window, retry policy and per-number cap', async () => {
    const filename = tempDatabaseFile();
    const clock = new FakeClock('2026-11-21T12:00:00Z');
    const cap = { maxAttempts: 2, periodMs: DAY };
    const storeA = new SqliteStore({ filename });
    const a = rig({ clock, store: storeA, perNumberCap: cap, id: 'scheduler-a' });
    a.provider.script(NUMBER, BUSY);
    await a.scheduler.start();
    const call = await a.scheduler.schedule({
      to: NUMBER,
      at: { local: '2026-11-21T20:50', timeZone: 'America/Chicago' },
      window: tcpa(),
      retry: { busy: { delaysMs: [30 * MINUTE], maxAttempts: 3 } },
      metadata: { order: 7 },
    });
    await a.clock.advanceTo('2026-11-22T03:00:00Z'); // attempt 1: busy at 20:50:02; the retry snaps to 08:00
    expect(a.dials(NUMBER).map(iso)).toEqual(['2026-11-22T02:50:00.000Z']);
    await a.scheduler.stop();
    await storeA.close();

    // A new process: another scheduler (no default retry policy) on the same file, the clock going on.
    const storeB = new SqliteStore({ filename });
    cleanup.add(() => storeB.close());
    const b = rig({ clock, store: storeB, perNumberCap: cap, id: 'scheduler-b' });
    b.provider.script(NUMBER, BUSY, QUICK);
    await b.scheduler.start();
    const reopened = await b.scheduler.get(call.id);
    expect(reopened).toMatchObject({ status: 'scheduled', attemptCount: 1, timeZone: 'America/Chicago', window: tcpa(), retry: { busy: { delaysMs: [30 * MINUTE], maxAttempts: 3 } }, metadata: { order: 7 } });
    expect(reopened?.nextAttemptAt?.toISOString()).toBe('2026-11-22T14:00:00.000Z');
    await clock.advanceTo('2026-11-22T13:59:59.999Z');
    expect(b.dials()).toEqual([]);
    await clock.advance(1);
    expect(b.dials(NUMBER).map(iso)).toEqual(['2026-11-22T14:00:00.000Z']);
    // Attempt 2 is busy too; the stored policy retries it at 08:30:02, but the cap (2 a day,
    // counting attempt 1 made before the restart) holds it until 20:50 local, still in the window.
    await clock.advanceTo('2026-11-23T04:00:00Z');
    const dialsB = b.dials(NUMBER);
    expect(dialsB).toHaveLength(2);
    expect(dialsB[1]).toBeGreaterThanOrEqual(Z('2026-11-23T02:50:00Z'));
    expect(dialsB[1]).toBeLessThan(Z('2026-11-23T02:50:01Z'));
    const done = await b.scheduler.get(call.id);
    expect(done).toMatchObject({ status: 'completed', attemptCount: 3 });
    expect(done?.attempts.map((x) => x.status)).toEqual(['busy', 'busy', 'completed']);
    expect(done?.events.map((e) => e.type)).toContain('rescheduled');
    expect(a.errors()).toEqual([]);
    expect(b.errors()).toEqual([]);
  });
});

import { CallScheduler, tcpa, type CallingWindow } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterAll, expect, it } from 'vitest';

const HOUR = 3_600_000;
const clock = new FakeClock('2026-11-02T04:00:00Z'); // 22:00 on Sunday in Chicago
const provider = new FakeCallProvider({ clock });
const scheduler = new CallScheduler({
  store: new MemoryStore(),
  provider,
  clock,
  window: tcpa(), // 08:00-21:00 local, for every call that has a time zone
  retry: {
    busy: { delaysMs: [10 * 60_000, HOUR], maxAttempts: 3 }, // 10 min after the 1st attempt, then 1 h
    'no-answer': { delaysMs: [2 * HOUR], maxAttempts: 2 },
  },
});
afterAll(() => scheduler.stop());

it('waits for the window to open in the recipient time zone', async () => {
  await scheduler.start();
  const call = await scheduler.schedule({ to: '+1 312 555 0123', timeZone: 'America/Chicago' }); // "now" is 22:00 there
  expect(call.nextAttemptAt?.toISOString()).toBe('2026-11-02T14:00:00.000Z'); // 08:00 CST on Monday

  const businessHours: CallingWindow = { mon: [{ start: '09:00', end: '12:00' }, { start: '14:00', end: '17:30' }] };
  const own = await scheduler.schedule({
    to: '+49 30 901820',
    at: { local: '2026-11-02T12:30', timeZone: 'Europe/Berlin' }, // a local time; also gives the call its zone
    window: businessHours, // the call's own window replaces the scheduler's
    expiresAt: '2026-11-02T17:00:00Z', // 18:00 in Berlin: not dialed after that
  });
  expect(own.nextAttemptAt?.toISOString()).toBe('2026-11-02T13:00:00.000Z'); // 14:00 in Berlin, after lunch

  await clock.advanceTo('2026-11-02T14:00:30Z');
  expect(provider.placeRequests().map((r) => [r.to, new Date(r.at).toISOString()])).toEqual([
    ['+4930901820', '2026-11-02T13:00:00.000Z'],
    ['+13125550123', '2026-11-02T14:00:00.000Z'],
  ]);
});

it('snaps a retry into the window too', async () => {
  await scheduler.start(); // (already running: start() is idempotent)
  provider.script('+13125550199', { steps: [{ afterMs: 0, status: 'initiated' }, { afterMs: 4_000, status: 'busy' }] }, {});
  const call = await scheduler.schedule({ to: '+1 312 555 0199', at: { local: '2026-11-02T20:50', timeZone: 'America/Chicago' } });
  await clock.advanceTo('2026-11-03T02:51:00Z'); // 20:51 in Chicago: the first attempt was busy
  const retrying = await scheduler.get(call.id);
  expect(retrying?.status).toBe('scheduled');
  expect(retrying?.nextAttemptAt?.toISOString()).toBe('2026-11-03T14:00:00.000Z'); // not 21:00, which is closed: 08:00 next morning
});

import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { afterEach, expect, it } from 'vitest';
import { createCalls } from './calls.js';
import { cancelReminder, scheduleReminder } from './reminders.js';

const clock = new FakeClock('2026-03-02T09:00:00Z');
const provider = new FakeCallProvider({ clock });
const calls = createCalls({ dataFile: ':memory:', provider, clock });
afterEach(async () => {
  await calls.stop();
  await calls.store.close?.();
});

it('phones the patient a day before, and only once', async () => {
  await calls.start();
  const appointment = { id: 'apt-1', phone: '+1 (415) 555-0123', startsAt: new Date('2026-03-04T15:00:00Z') };
  const call = await scheduleReminder(calls, appointment);
  const again = await scheduleReminder(calls, appointment); // booked twice: still one call
  expect(again.id).toBe(call.id);

  await clock.advanceTo('2026-03-03T14:59:59Z'); // a day and a half in no time
  expect(provider.dials()).toBe(0);
  await clock.advance(15_000); // the fake call rings and completes within 10 s
  expect(provider.placeRequests('+14155550123').map((r) => new Date(r.at).toISOString())).toEqual(['2026-03-03T15:00:00.000Z']);
  expect((await calls.get(call.id))?.status).toBe('completed');
  expect(await cancelReminder(calls, call.id)).toBe(false); // too late to cancel
});

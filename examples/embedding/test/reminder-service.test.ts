import { CallScheduler, type CallSchedulerEventName } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { AppointmentReminders, type Appointment } from '../src/reminder-service.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-02T09:00:00Z');
const PATIENT = '+14155550123';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A scheduler on a fake clock and a fake provider: days pass in no time, nothing really rings. */
async function setup({ start = true } = {}) {
  const clock = new FakeClock(NOW);
  const provider = new FakeCallProvider({ clock });
  const scheduler = new CallScheduler({ store: new MemoryStore(), provider, clock });
  const errors: unknown[] = [];
  scheduler.on('scheduler:error', ({ error }) => errors.push(error));
  stops.push(() => scheduler.stop({ timeoutMs: 0 }));
  if (start) await scheduler.start();
  const reminders = new AppointmentReminders(scheduler);
  /** When each dial of `PATIENT` was placed, on the fake clock. */
  const dialTimes = () => provider.placeRequests(PATIENT).map((r) => new Date(r.at).toISOString());
  return { clock, provider, scheduler, reminders, dialTimes, errors };
}

function appointment(startsAt: string, id = 'apt-1'): Appointment {
  return { id, patientPhone: PATIENT, startsAt: new Date(startsAt), timeZone: 'America/Los_Angeles' };
}

describe('a reminder call goes out 24 hours before the appointment', () => {
  it('dials exactly at appointment − 24 h, not a millisecond earlier, and follows the call to its end', async () => {
    const { clock, scheduler, reminders, dialTimes, errors } = await setup();
    const visit = appointment('2026-03-10T15:00:00Z');
    const call = await reminders.scheduleAppointmentReminder(visit);
    expect(call.at.toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(call.metadata).toEqual({ kind: 'appointment-reminder', appointmentId: 'apt-1', startsAt: '2026-03-10T15:00:00.000Z' });

    await clock.advanceTo(Date.parse('2026-03-09T15:00:00Z') - 1);
    expect(dialTimes()).toEqual([]);
    await clock.advance(1);
    expect(dialTimes()).toEqual(['2026-03-09T15:00:00.000Z']);

    await clock.advance(15_000); // the fake provider's call rings, connects and completes in 10 s
    const done = await scheduler.get(call.id);
    expect(done?.status).toBe('completed');
    expect(done?.attempts).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('books the same appointment twice as one call, dialed once', async () => {
    const { clock, reminders, dialTimes } = await setup();
    const first = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    const again = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    expect(again.id).toBe(first.id);
    await clock.advance(9 * DAY);
    expect(dialTimes()).toEqual(['2026-03-09T15:00:00.000Z']);
  });

  it('moves the call when the appointment moves', async () => {
    const { clock, scheduler, reminders, dialTimes } = await setup();
    const call = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    await clock.advance(3 * DAY);
    const moved = await reminders.appointmentMoved(appointment('2026-03-12T10:30:00Z'));
    expect(moved.id).toBe(call.id);
    expect(moved.nextAttemptAt?.toISOString()).toBe('2026-03-11T10:30:00.000Z');

    await clock.advanceTo('2026-03-11T10:29:59.999Z'); // past the old reminder time
    expect(dialTimes()).toEqual([]);
    await clock.advance(1);
    expect(dialTimes()).toEqual(['2026-03-11T10:30:00.000Z']);
    const events = (await scheduler.get(call.id))?.events.map((e) => e.type);
    expect(events?.slice(0, 3)).toEqual(['scheduled', 'rescheduled', 'dispatching']);
  });

  it('schedules a new reminder when the appointment moves after the first one went out', async () => {
    const { clock, reminders, dialTimes } = await setup();
    const first = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    await clock.advanceTo('2026-03-09T15:01:00Z');
    const second = await reminders.appointmentMoved(appointment('2026-03-17T15:00:00Z'));
    expect(second.id).not.toBe(first.id);
    expect(reminders.reminderCallId('apt-1')).toBe(second.id);
    await clock.advanceTo('2026-03-16T15:00:00Z');
    expect(dialTimes()).toEqual(['2026-03-09T15:00:00.000Z', '2026-03-16T15:00:00.000Z']);
  });

  it('cancels the call when the appointment is canceled', async () => {
    const { clock, provider, reminders } = await setup();
    const call = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    const canceled = await reminders.appointmentCanceled('apt-1');
    expect(canceled).toMatchObject({ id: call.id, status: 'canceled' });
    await clock.advance(30 * DAY);
    expect(provider.dials()).toBe(0);
    expect(await reminders.appointmentCanceled('never-booked')).toBeUndefined();
  });

  it('calls at once when the appointment is booked less than 24 hours ahead', async () => {
    const { clock, reminders, dialTimes } = await setup();
    const call = await reminders.scheduleAppointmentReminder(appointment('2026-03-02T15:00:00Z')); // in 6 hours
    expect(call.at.getTime()).toBe(NOW);
    await clock.advance(0);
    expect(dialTimes()).toEqual(['2026-03-02T09:00:00.000Z']);
    await expect(reminders.scheduleAppointmentReminder(appointment('2026-03-01T09:00:00Z', 'apt-past'))).rejects.toThrow(/has passed/);
  });

  it('never calls once the appointment has started, even if the scheduler was down at reminder time', async () => {
    const { clock, scheduler, reminders, provider } = await setup({ start: false });
    const seen: CallSchedulerEventName[] = [];
    scheduler.on('call:expired', () => seen.push('call:expired'));
    const call = await reminders.scheduleAppointmentReminder(appointment('2026-03-10T15:00:00Z'));
    clock.setSystemTime('2026-03-10T15:00:00Z'); // the service comes back as the appointment starts
    await scheduler.start();
    await clock.advance(1_000);
    expect(provider.dials()).toBe(0);
    expect((await scheduler.get(call.id))?.status).toBe('expired');
    expect(seen).toEqual(['call:expired']);
  });
});

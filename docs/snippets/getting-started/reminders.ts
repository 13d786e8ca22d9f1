import type { Call, CallScheduler } from '@call-scheduler/core';

export interface Appointment {
  id: string;
  phone: string;
  startsAt: Date;
}

const DAY_MS = 24 * 60 * 60_000;

/** Phones the patient a day before the appointment. Booking the same appointment twice schedules one call. */
export function scheduleReminder(calls: CallScheduler, appointment: Appointment): Promise<Call> {
  return calls.schedule({
    to: appointment.phone, // any format libphonenumber understands; stored as E.164
    at: new Date(appointment.startsAt.getTime() - DAY_MS),
    expiresAt: appointment.startsAt, // never dial once the appointment has started
    idempotencyKey: `reminder:${appointment.id}`,
    metadata: { appointmentId: appointment.id },
  });
}

/** Cancels the reminder if it has not been dialed yet; returns whether it was. */
export async function cancelReminder(calls: CallScheduler, callId: string): Promise<boolean> {
  const call = await calls.get(callId);
  if (call?.status !== 'scheduled') return false;
  await calls.cancel(callId);
  return true;
}

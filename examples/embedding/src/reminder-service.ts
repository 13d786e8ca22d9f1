import { ErrorCode, isCallSchedulerError, type Call, type CallScheduler } from '@call-scheduler/core';

/** An appointment, as the booking system of this example knows it. */
export interface Appointment {
  /** The booking system's id. */
  readonly id: string;
  /** The patient's phone number, international format. */
  readonly patientPhone: string;
  /** When the appointment starts. */
  readonly startsAt: Date;
  /** The patient's IANA time zone, stored with the call for people reading it. */
  readonly timeZone?: string;
}

/** How long before an appointment its reminder call goes out. */
export const REMINDER_LEAD_MS = 24 * 60 * 60 * 1000;

/** Options of {@link AppointmentReminders}. */
export interface AppointmentRemindersOptions {
  /** How long before the appointment to call. @default {@link REMINDER_LEAD_MS} (24 hours) */
  readonly leadMs?: number;
}

/**
 * The business rule of this example, written against the scheduler's API: **a reminder call goes
 * out 24 hours before each appointment**. Booking, moving and canceling an appointment schedule,
 * move and cancel its call; the scheduler does the waiting, dialing, following and storing.
 *
 * A real service would keep the reminder's call id in its own appointment row; this one keeps
 * it in a `Map`.
 *
 * @example
 * ```ts
 * const scheduler = new CallScheduler({ store: new SqliteStore({ filename: 'calls.db' }), provider });
 * await scheduler.start();
 * const reminders = new AppointmentReminders(scheduler);
 * await reminders.scheduleAppointmentReminder({ id: 'apt-1', patientPhone: '+14155550123', startsAt: new Date('2026-03-10T15:00:00Z') });
 * ```
 */
export class AppointmentReminders {
  readonly #scheduler: CallScheduler;
  readonly #leadMs: number;
  readonly #callIds = new Map<string, string>();

  constructor(scheduler: CallScheduler, options: AppointmentRemindersOptions = {}) {
    const leadMs = options.leadMs ?? REMINDER_LEAD_MS;
    if (!Number.isInteger(leadMs) || leadMs < 0) throw new RangeError(`leadMs must be a whole, non-negative number of ms, got ${leadMs}`);
    this.#scheduler = scheduler;
    this.#leadMs = leadMs;
  }

  /**
   * Schedules the reminder of a newly booked appointment: a call `leadMs` before it starts, or at
   * once when it was booked later than that, and never once it has started (`expiresAt`).
   * Booking the same appointment twice (a retried request, a redelivered message) gives the same
   * call: the appointment id is the idempotency key.
   */
  async scheduleAppointmentReminder(appointment: Appointment): Promise<Call> {
    return this.#schedule(appointment, `appointment-reminder:${appointment.id}`);
  }

  /**
   * The appointment moved: its reminder moves with it. If the reminder for the old time already
   * went out (or was canceled), a new one is scheduled for the new time.
   */
  async appointmentMoved(appointment: Appointment): Promise<Call> {
    const callId = this.#callIds.get(appointment.id);
    if (callId === undefined) return this.scheduleAppointmentReminder(appointment);
    try {
      return await this.#scheduler.reschedule(callId, {
        at: this.#reminderTime(appointment),
        expiresAt: appointment.startsAt,
        metadata: metadataOf(appointment),
      });
    } catch (error) {
      if (isCallSchedulerError(error) && error.code === ErrorCode.INVALID_STATE) {
        return this.#schedule(appointment, `appointment-reminder:${appointment.id}:${appointment.startsAt.toISOString()}`);
      }
      throw error;
    }
  }

  /**
   * The appointment was canceled: so is its reminder, unless it already went out. Returns the
   * call as it is now, or `undefined` when the appointment had no reminder.
   */
  async appointmentCanceled(appointmentId: string): Promise<Call | undefined> {
    const callId = this.#callIds.get(appointmentId);
    if (callId === undefined) return undefined;
    try {
      return await this.#scheduler.cancel(callId);
    } catch (error) {
      if (isCallSchedulerError(error) && error.code === ErrorCode.INVALID_STATE) return this.#scheduler.get(callId);
      throw error;
    }
  }

  /** The id of the appointment's current reminder call, if it has one. */
  reminderCallId(appointmentId: string): string | undefined {
    return this.#callIds.get(appointmentId);
  }

  async #schedule(appointment: Appointment, idempotencyKey: string): Promise<Call> {
    const call = await this.#scheduler.schedule({
      to: appointment.patientPhone,
      at: this.#reminderTime(appointment),
      expiresAt: appointment.startsAt,
      idempotencyKey,
      metadata: metadataOf(appointment),
      ...(appointment.timeZone === undefined ? {} : { timeZone: appointment.timeZone }),
    });
    this.#callIds.set(appointment.id, call.id);
    return call;
  }

  /** `leadMs` before the appointment, or now if that has passed. */
  #reminderTime(appointment: Appointment): Date {
    const startsAt = appointment.startsAt.getTime();
    const now = this.#scheduler.clock.now();
    if (!Number.isFinite(startsAt)) throw new RangeError(`appointment ${appointment.id}: startsAt is not a valid date`);
    if (startsAt <= now) throw new RangeError(`appointment ${appointment.id}: startsAt ${appointment.startsAt.toISOString()} has passed; no reminder`);
    return new Date(Math.max(startsAt - this.#leadMs, now));
  }
}

function metadataOf(appointment: Appointment): { kind: string; appointmentId: string; startsAt: string } {
  return { kind: 'appointment-reminder', appointmentId: appointment.id, startsAt: appointment.startsAt.toISOString() };
}

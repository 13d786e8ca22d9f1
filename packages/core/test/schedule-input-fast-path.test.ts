import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallSchedulerError } from '../src/errors/call-scheduler-error.js';
import { parseCommonScheduleCallInput, parseScheduleCallInput, scheduleCallInputSchema } from '../src/schema/schedule-input.js';

/** What the zod schema alone answers: the parsed call, or the issues it reports. */
function slowPath(value: unknown): { ok: true; data: unknown } | { ok: false; issues: unknown } {
  const result = scheduleCallInputSchema.safeParse(value);
  if (result.success) {
    const d = result.data;
    return {
      ok: true,
      data: { to: d.to, at: d.at, timeZone: d.timeZone, window: d.window, expiresAt: d.expiresAt, retry: d.retry, idempotencyKey: d.idempotencyKey, metadata: d.metadata },
    };
  }
  return { ok: false, issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })) };
}

/** What `parseScheduleCallInput` (fast path first) answers, in the same shape. */
function publicPath(value: unknown): { ok: true; data: unknown } | { ok: false; issues: unknown } {
  try {
    return { ok: true, data: { ...parseScheduleCallInput(value) } };
  } catch (error) {
    if (!(error instanceof CallSchedulerError)) throw error;
    return { ok: false, issues: error.issues.map((i) => ({ path: i.path, message: i.message, code: i.rule })) };
  }
}

const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Phone numbers: valid E.164, E.164-shaped but invalid, formatted, 00-prefixed, junk. */
const phone = fc.oneof(
  fc.constantFrom('+14155550123', '+14152000000', '+442079460000', '+4915112345678', '+33612345678', '+81312345678', '+10000000000', '+999123456', '+1', '+0123456789'),
  fc.stringMatching(/^\+[1-9]\d{1,14}$/),
  fc.stringMatching(/^\+[0-9]\d{0,16}$/),
  fc.stringMatching(/^(\+|00)1 ?\(?[2-9]\d{2}\)? ?\d{3}-?\d{4}$/),
  fc.stringMatching(/^ ?\+44 ?\d{10} ?$/),
  fc.string({ maxLength: 20 }),
  fc.constant(''),
);

const at = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -5, max: MAX_EPOCH_MS + 5 }),
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: MAX_EPOCH_MS - 3, max: MAX_EPOCH_MS + 3 }),
  fc.constantFrom(0, -0, MAX_EPOCH_MS, MAX_EPOCH_MS + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60),
  fc.date({ noInvalidDate: false }),
  fc.constant(new Date(-1)),
  fc.constantFrom('2026-11-21T10:00:00Z', '2026-11-21T10:00:00', 'soon', null, { local: '2026-11-01T09:00', timeZone: 'America/Chicago' }),
);

const key = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 8 }), fc.string({ minLength: 250, maxLength: 260 }), fc.constantFrom('', 'k\u00e9', 'ok-1', 5));

/** Inputs around the fast path's edges: its own fields, other fields, non-plain objects. */
const input = fc.oneof(
  fc.record({ to: phone, at, idempotencyKey: key }, { requiredKeys: [] }),
  fc.record({ to: phone }),
  fc.record({ to: phone, at, timeZone: fc.constantFrom('America/Chicago', 'Nowhere/Else') }, { requiredKeys: ['to'] }),
  fc.record({ to: phone, metadata: fc.constantFrom({ a: 1 }, 'x') }),
  fc.record({ to: phone, tz: fc.constant('UTC') }),
  fc.constantFrom(null, undefined, 5, 'x', [], ['+14155550123']),
);

describe('parseScheduleCallInput fast path', () => {
  it('answers exactly what the schema answers (same call, same issues), whatever the input', () => {
    fc.assert(
      fc.property(input, (value) => {
        expect(publicPath(value)).toEqual(slowPath(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts only what the schema accepts, with the same result', () => {
    fc.assert(
      fc.property(input, (value) => {
        const fast = parseCommonScheduleCallInput(value);
        if (fast === undefined) return;
        const slow = slowPath(value);
        expect(slow).toEqual({ ok: true, data: { ...fast } });
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the common inputs itself: E.164 numbers with epoch ms, a Date or a key', () => {
    const date = new Date(Date.UTC(2026, 10, 21, 10));
    expect(parseCommonScheduleCallInput({ to: '+14155550123' })).toMatchObject({ to: '+14155550123', at: undefined });
    expect(parseCommonScheduleCallInput({ to: '+14155550123', at: date.getTime() })).toMatchObject({ at: date.getTime() });
    expect(parseCommonScheduleCallInput({ to: '+14155550123', at: date, idempotencyKey: 'order-7' })).toMatchObject({ at: date.getTime(), idempotencyKey: 'order-7' });
    // Anything else is left to the schema.
    expect(parseCommonScheduleCallInput({ to: '+1 415 555 0123' })).toBeUndefined();
    expect(parseCommonScheduleCallInput({ to: '+10000000000' })).toBeUndefined();
    expect(parseCommonScheduleCallInput({ to: '+14155550123', at: '2026-11-21T10:00:00Z' })).toBeUndefined();
    expect(parseCommonScheduleCallInput({ to: '+14155550123', metadata: {} })).toBeUndefined();
  });
});

import { z } from 'zod';
import type { CallProvider, ExpectedDwellMs } from '../provider/call-provider.js';
import { parseInput } from '../schema/schedule-input.js';

/** The longest dwell a provider may declare for one status: one day. */
export const MAX_EXPECTED_DWELL_MS = 86_400_000;

const dwellMsSchema = z.number().int().min(1).max(MAX_EXPECTED_DWELL_MS);

/**
 * A declared dwell per live status: a strict object whose values are whole ms from 1 to
 * {@link MAX_EXPECTED_DWELL_MS}; parses to a frozen object without absent keys.
 */
export const expectedDwellSchema = z
  .strictObject({
    initiated: dwellMsSchema.optional(),
    ringing: dwellMsSchema.optional(),
    connected: dwellMsSchema.optional(),
  })
  .transform((value): ExpectedDwellMs => {
    const hint: { -readonly [K in keyof ExpectedDwellMs]: number } = {};
    if (value.initiated !== undefined) hint.initiated = value.initiated;
    if (value.ringing !== undefined) hint.ringing = value.ringing;
    if (value.connected !== undefined) hint.connected = value.connected;
    return Object.freeze(hint);
  });

/**
 * The provider's declared dwell per live status (`CallProviderCapabilities.expectedDwellMs`),
 * checked: an empty object when it declares none.
 *
 * @throws CallSchedulerError `INVALID_INPUT` naming `provider.capabilities.expectedDwellMs.<status>`
 *   for a value that is not a whole number of ms from 1 to {@link MAX_EXPECTED_DWELL_MS}, or an
 *   unknown status.
 */
export function expectedDwellOf(provider: Pick<CallProvider, 'capabilities'>): ExpectedDwellMs {
  const declared: unknown = provider.capabilities?.expectedDwellMs;
  return parseInput(expectedDwellSchema.optional(), declared, 'provider', ['provider', 'capabilities', 'expectedDwellMs']) ?? {};
}

import { parseInput } from '@call-scheduler/core/internal';
import { z } from 'zod';
import type { PostgresStoreOptions, PostgresStorePool } from './postgres-store-options.js';

/** A plain SQL identifier; short enough that `<schema>_changes` (the NOTIFY channel) stays under 63 bytes. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

const delay = z.number().int().min(0).max(3_600_000);

const optionsSchema = z
  .object({
    pool: z.custom<PostgresStorePool>(
      (value) => typeof value === 'object' && value !== null && typeof (value as { connect?: unknown }).connect === 'function',
      { message: 'must be a pg Pool (an object with connect())' },
    ).optional(),
    connectionString: z.string().min(1).optional(),
    poolSize: z.number().int().min(2).max(1000).optional(),
    schema: z.string().regex(SCHEMA_NAME, 'must be a plain identifier (letters, digits, _; not starting with a digit; at most 40 characters)').optional(),
    groupCommit: z.boolean().optional(),
    notify: z.boolean().optional(),
    preparedStatements: z.boolean().optional(),
    eventsNotifyIntervalMs: delay.optional(),
    listenReconnectDelayMs: delay.min(1).optional(),
    listenMaxReconnectDelayMs: delay.min(1).optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    const hasPool = options.pool !== undefined;
    const hasUrl = options.connectionString !== undefined;
    if (hasPool === hasUrl) {
      ctx.addIssue({ code: 'custom', path: [hasPool ? 'connectionString' : 'pool'], message: 'give either pool or connectionString, not both or neither' });
    }
    if (hasPool && options.poolSize !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['poolSize'], message: 'only goes with connectionString (size your own pool yourself)' });
    }
    const min = options.listenReconnectDelayMs ?? 100;
    if (options.listenMaxReconnectDelayMs !== undefined && options.listenMaxReconnectDelayMs < min) {
      ctx.addIssue({ code: 'custom', path: ['listenMaxReconnectDelayMs'], message: `must be at least listenReconnectDelayMs (${min})` });
    }
  });

/** Where the store's database comes from. */
export type PoolSource =
  | { readonly kind: 'caller'; readonly pool: PostgresStorePool }
  | { readonly kind: 'owned'; readonly connectionString: string; readonly poolSize: number };

/** The checked options of a store, with their defaults. */
export interface PostgresStoreConfig {
  readonly source: PoolSource;
  readonly schema: string;
  readonly groupCommit: boolean;
  readonly notify: boolean;
  readonly preparedStatements: boolean;
  readonly eventsNotifyIntervalMs: number;
  readonly listenReconnectDelayMs: number;
  readonly listenMaxReconnectDelayMs: number;
}

/**
 * Checks `options` and returns them frozen with their defaults.
 * @throws CallSchedulerError `INVALID_INPUT` naming each option at fault.
 */
export function resolveOptions(options: PostgresStoreOptions): PostgresStoreConfig {
  if (typeof options !== 'object' || options === null) {
    parseInput(z.object({}), options, 'PostgresStore options');
  }
  const parsed = parseInput(optionsSchema, options, 'PostgresStore options');
  const source: PoolSource =
    parsed.pool !== undefined
      ? { kind: 'caller', pool: parsed.pool }
      : { kind: 'owned', connectionString: parsed.connectionString as string, poolSize: parsed.poolSize ?? 10 };
  return Object.freeze({
    source: Object.freeze(source),
    schema: parsed.schema ?? 'call_scheduler',
    groupCommit: parsed.groupCommit ?? true,
    notify: parsed.notify ?? true,
    preparedStatements: parsed.preparedStatements ?? true,
    eventsNotifyIntervalMs: parsed.eventsNotifyIntervalMs ?? 25,
    listenReconnectDelayMs: parsed.listenReconnectDelayMs ?? 100,
    listenMaxReconnectDelayMs: parsed.listenMaxReconnectDelayMs ?? 5000,
  });
}

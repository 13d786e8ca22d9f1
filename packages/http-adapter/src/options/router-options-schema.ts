import { CallSchedulerError, ErrorCode, MAX_TIMER_DELAY_MS } from '@call-scheduler/core';
import { z } from 'zod';
import type { CallRouterOptions } from '../call-router-options.js';
import type { CallRouterScheduler } from '../call-router-scheduler.js';
import { toFieldProblems } from '../schemas/field-problems.js';

/** The members a scheduler must have, for the check of `options.scheduler`. */
const SCHEDULER_METHODS = ['schedule', 'get', 'list', 'cancel', 'reschedule', 'listEvents', 'handleProviderStatus', 'health', 'on', 'off'] as const;

const isFunction = (value: unknown): boolean => typeof value === 'function';
const fn = <T>(message = 'must be a function'): z.ZodType<T> => z.custom<T>(isFunction, { message });
const wholeMs = (max: number): z.ZodNumber =>
  z.number({ message: 'must be a number of milliseconds' }).int({ message: 'must be a whole number' }).min(0, { message: 'must not be negative' }).max(max, { message: `must be at most ${max}` });
const secret = (what: string): z.ZodType<string | readonly string[]> =>
  z.union([z.string().min(1, { message: `must be a non-empty ${what}` }), z.array(z.string().min(1, { message: `must be a non-empty ${what}` })).min(1, { message: `must list at least one ${what}` })], {
    message: `must be a ${what} or a list of them`,
  });

const schedulerSchema = z.custom<CallRouterScheduler>(
  (value) => {
    if (typeof value !== 'object' || value === null) return false;
    const record = value as Record<string, unknown>;
    const clock = record['clock'] as Record<string, unknown> | undefined;
    return (
      SCHEDULER_METHODS.every((name) => typeof record[name] === 'function') &&
      typeof clock === 'object' &&
      clock !== null &&
      typeof clock['now'] === 'function' &&
      typeof clock['setTimeout'] === 'function' &&
      typeof clock['clearTimeout'] === 'function'
    );
  },
  { message: `must be a CallScheduler, or have clock and ${SCHEDULER_METHODS.join(', ')}` },
);

const corsSchema = z
  .strictObject({
    origin: z.union([z.string().min(1), z.array(z.string().min(1)), fn<(origin: string) => boolean>()], {
      message: "must be an origin, a list of origins, '*' or a function",
    }),
    credentials: z.boolean().optional(),
    allowedHeaders: z.array(z.string().min(1)).optional(),
    exposedHeaders: z.array(z.string().min(1)).optional(),
    maxAge: z.number().int().min(0).max(86_400 * 365).optional(),
  })
  .refine((cors) => !(cors.origin === '*' && cors.credentials === true), {
    message: "origin '*' cannot be combined with credentials: list the origins",
    path: ['origin'],
  });

const webhookOptionsSchema = z.strictObject({
  parse: fn().optional(),
  twilio: z
    .strictObject({
      authToken: secret('auth token'),
      publicOrigin: z
        .string()
        .regex(/^https?:\/\/[^/?#\s]+\/?$/, { message: 'must be a scheme and host such as https://calls.example.com' })
        .optional(),
    })
    .optional(),
  hmac: z
    .strictObject({
      secret: secret('secret'),
      toleranceMs: wholeMs(86_400_000).min(1_000, { message: 'must be at least 1000' }).optional(),
    })
    .optional(),
  unsigned: z.boolean().optional(),
});

const optionsSchema = z.strictObject({
  scheduler: schedulerSchema,
  authorize: fn().optional(),
  bodyLimit: z.number().int({ message: 'must be a whole number of bytes' }).min(1, { message: 'must be at least 1' }).max(2 ** 31, { message: `must be at most ${2 ** 31}` }).optional(),
  cors: corsSchema.optional(),
  basePath: z
    .string()
    .refine((path) => path === '' || (path.startsWith('/') && !/[?#\s]/.test(path)), { message: 'must be a path such as "/api"' })
    .optional(),
  sseHeartbeatMs: wholeMs(MAX_TIMER_DELAY_MS).min(1, { message: 'must be at least 1' }).optional(),
  sseRereadMs: wholeMs(MAX_TIMER_DELAY_MS).min(10, { message: 'must be at least 10' }).optional(),
  webhook: z.union([z.boolean(), fn(), webhookOptionsSchema], { message: 'must be true, a parser function or webhook options' }).optional(),
  purge: z.strictObject({ unprotected: z.boolean().optional() }).optional(),
  health: z.strictObject({ maxOverdueMs: wholeMs(MAX_TIMER_DELAY_MS).optional() }).optional(),
  onError: fn().optional(),
  openapi: z.strictObject({ title: z.string().optional(), version: z.string().optional(), description: z.string().optional() }).optional(),
});

function invalid(path: string, message: string): CallSchedulerError {
  return new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid createCallRouter options: ${path} ${message}`, {
    issues: [{ path, message, rule: 'custom' }],
  });
}

/**
 * Checks the options of `createCallRouter` like inputs: a `CallSchedulerError` `INVALID_INPUT`
 * naming each option at fault. Also refuses a webhook route that nothing protects.
 */
export function checkRouterOptions(options: CallRouterOptions): void {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const issues = toFieldProblems(result.error);
    const summary = issues
      .slice(0, 5)
      .map((issue) => `${issue.path} ${issue.message}`)
      .join('; ');
    throw new CallSchedulerError(ErrorCode.INVALID_INPUT, `Invalid createCallRouter options: ${summary}`, { issues });
  }
  const webhook = options.webhook;
  if (webhook === undefined || webhook === false) return;
  const settings = typeof webhook === 'object' ? webhook : {};
  const signed = settings.twilio !== undefined || settings.hmac !== undefined;
  if (settings.unsigned === true && signed) {
    throw invalid('webhook.unsigned', 'cannot be combined with twilio or hmac: a configured secret is always checked');
  }
  if (!signed && options.authorize === undefined && settings.unsigned !== true) {
    throw invalid(
      'webhook',
      'needs a signature check or an authorize hook: anyone who can reach an unprotected webhook route can end calls. ' +
        'Set webhook.twilio ({ authToken }) or webhook.hmac ({ secret }), an authorize hook, or webhook: { unsigned: true } (with a parser: { parse, unsigned: true }) to serve it unprotected',
    );
  }
}

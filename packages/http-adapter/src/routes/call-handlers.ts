import type { Call, CallEventPayload, ListCallsQuery, RescheduleInput, ScheduleCallInput } from '@call-scheduler/core';
import { ErrorCode, idempotencyKeySchema } from '@call-scheduler/core';
import { withTimeZoneFromLocalAt } from '@call-scheduler/core/internal';
import { HttpProblem, invalidInputProblem, type FieldProblem } from '../http/problem.js';
import { missingBodyProblem, readJsonBody } from '../http/read-json-body.js';
import { sendJson } from '../http/send.js';
import type { z } from 'zod';
import { parseOrProblem, toFieldProblems } from '../schemas/field-problems.js';
import { createCallBodySchema, listCallsQuerySchema, rescheduleBodySchema } from '../schemas/request-schemas.js';
import { callToJson, callWithHistoryToJson } from '../schemas/to-json.js';
import type { RouteContext } from './route-context.js';

/** Drops the keys whose value is `undefined` (for `exactOptionalPropertyTypes`). */
export function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * Parses the query with `schema`. A parameter given twice is refused unless it is in
 * `repeatable` (its values are then joined with commas). Every problem is reported at once.
 */
export function parseQuery<S extends z.ZodType>(ctx: RouteContext, schema: S, repeatable: readonly string[] = []): z.output<S> {
  const values: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const [name, list] of ctx.query) {
    if (list.length > 1 && !repeatable.includes(name)) {
      problems.push({ path: `query.${name}`, message: 'must be given once', rule: 'duplicate' });
      continue;
    }
    Object.defineProperty(values, name, { value: list.join(','), enumerable: true, writable: true, configurable: true });
  }
  const result = schema.safeParse(values);
  if (!result.success) problems.push(...toFieldProblems(result.error, 'query'));
  if (problems.length > 0) throw invalidInputProblem(problems, 'query');
  return (result as { data: z.output<S> }).data;
}

function singleHeader(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  if (Array.isArray(value)) {
    throw invalidInputProblem([{ path: `headers.${name}`, message: 'must be given once', rule: 'duplicate' }], 'headers');
  }
  return value;
}

function location(ctx: RouteContext, id: string): string {
  return `${ctx.url.mountPath}${ctx.settings.basePath}/calls/${encodeURIComponent(id)}`;
}

function callId(ctx: RouteContext): string {
  const id = ctx.params['id'];
  if (id === undefined) throw new Error('route without an id parameter');
  return id;
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, ErrorCode.CALL_NOT_FOUND, `No call with id ${JSON.stringify(id.slice(0, 128))}`, { callId: id });
}

/**
 * What `POST /calls` hands the scheduler, which parses it again: the body as sent (validated
 * above), except that `to` is its E.164 form and an instant `at` its epoch milliseconds (the same
 * call, in the form the scheduler parses quickest). A local `at` stays as sent, so that its
 * wall-clock time keeps its meaning.
 */
function scheduleInputOf(
  prepared: Record<string, unknown>,
  input: z.output<typeof createCallBodySchema>,
  idempotencyKey: string | undefined,
): ScheduleCallInput {
  const scheduleInput: Record<string, unknown> = { ...prepared, to: input.to };
  if (typeof prepared['at'] === 'string' || typeof prepared['at'] === 'number') scheduleInput['at'] = input.at;
  if (idempotencyKey !== undefined) scheduleInput['idempotencyKey'] = idempotencyKey;
  return scheduleInput as unknown as ScheduleCallInput;
}

/**
 * `POST /calls`: 201 with the new call and a `Location`; 200 with the earlier call when the
 * idempotency key was used before.
 */
export async function createCall(ctx: RouteContext): Promise<void> {
  const { scheduler, bodyLimit } = ctx.settings;
  const headerKeyRaw = singleHeader(ctx, 'idempotency-key');
  const body = await readJsonBody(ctx.req, { limit: bodyLimit });
  if (!body.present) throw missingBodyProblem();
  // A local `at` gives a call without `timeZone` its zone, as in `CallScheduler.schedule`.
  const prepared = withTimeZoneFromLocalAt(body.value) as Record<string, unknown>;
  const input = parseOrProblem(createCallBodySchema, prepared, 'call');
  let idempotencyKey = input.idempotencyKey;
  if (headerKeyRaw !== undefined) {
    const headerKey = parseOrProblem(idempotencyKeySchema, headerKeyRaw, 'Idempotency-Key header', 'headers.idempotency-key');
    if (idempotencyKey !== undefined && idempotencyKey !== headerKey) {
      throw invalidInputProblem([{ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header', rule: 'custom' }], 'call');
    }
    idempotencyKey = headerKey;
  }
  const scheduleInput = scheduleInputOf(prepared, input, idempotencyKey);

  // The scheduler returns the earlier call for a used key without saying so: a call is new when
  // its `call:scheduled` event was emitted during this request (or, failing that, when it was
  // created no earlier than this request by the scheduler's clock).
  const requestedAt = scheduler.clock.now();
  const scheduledIds = new Set<string>();
  const onScheduled = (payload: CallEventPayload): void => {
    scheduledIds.add(payload.call.id);
  };
  let call: Call;
  if (idempotencyKey === undefined) {
    call = await scheduler.schedule(scheduleInput);
  } else {
    scheduler.on('call:scheduled', onScheduled);
    try {
      call = await scheduler.schedule(scheduleInput);
    } finally {
      scheduler.off('call:scheduled', onScheduled);
    }
  }
  const created = idempotencyKey === undefined || scheduledIds.has(call.id) || call.createdAt.getTime() > requestedAt;
  sendJson(ctx.res, created ? 201 : 200, callToJson(call), created ? { Location: location(ctx, call.id) } : {});
}

/**
 * A number in a query string as a person typed it: `URLSearchParams` (and HTML forms) write a
 * space as `+`, so `+1 212 555 0199` arrives as `+1+212+555+0199`. A phone number has a `+` only
 * in front, so every later `+` is read as the space it stands for.
 */
function numberAsTyped(value: string): string {
  return value.slice(0, 1) + value.slice(1).replace(/\+/g, ' ');
}

/** `GET /calls`. */
export async function listCalls(ctx: RouteContext): Promise<void> {
  const to = ctx.query.get('to');
  const query = parseQuery(
    to === undefined ? ctx : { ...ctx, query: new Map([...ctx.query, ['to', to.map(numberAsTyped)]]) },
    listCallsQuerySchema,
    ['status'],
  );
  const listQuery: ListCallsQuery = withoutUndefined({
    status: query.status,
    to: query.to,
    from: query.from,
    until: query.until,
    limit: query.limit,
    cursor: query.cursor ?? undefined,
    order: query.order,
  });
  const page = await ctx.settings.scheduler.list(listQuery);
  sendJson(ctx.res, 200, { items: page.items.map(callToJson), nextCursor: page.nextCursor });
}

/** `GET /calls/{id}`. */
export async function getCall(ctx: RouteContext): Promise<void> {
  const id = callId(ctx);
  const call = await ctx.settings.scheduler.get(id);
  if (call === undefined) throw notFound(id);
  sendJson(ctx.res, 200, callWithHistoryToJson(call));
}

/** `PATCH /calls/{id}`: reschedule; 409 when the call is no longer `scheduled`. */
export async function rescheduleCall(ctx: RouteContext): Promise<void> {
  const id = callId(ctx);
  const body = await readJsonBody(ctx.req, { limit: ctx.settings.bodyLimit });
  if (!body.present) throw missingBodyProblem();
  parseOrProblem(rescheduleBodySchema, body.value, 'change');
  // As sent (validated above), so that a local `at` keeps its meaning for the scheduler.
  const call = await ctx.settings.scheduler.reschedule(id, body.value as RescheduleInput);
  sendJson(ctx.res, 200, callToJson(call));
}

/** `POST /calls/{id}/cancel`: 409 with `currentStatus` when the call is past `scheduled`. */
export async function cancelCall(ctx: RouteContext): Promise<void> {
  const id = callId(ctx);
  const call = await ctx.settings.scheduler.cancel(id);
  sendJson(ctx.res, 200, callToJson(call));
}

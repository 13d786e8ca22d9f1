import { ErrorCode, isCallSchedulerError, type ProviderStatusUpdate } from '@call-scheduler/core';
import { HttpProblem, invalidInputProblem } from '../http/problem.js';
import { missingBodyProblem, readJsonBody } from '../http/read-json-body.js';
import { sendJson } from '../http/send.js';
import { parseOrProblem } from '../schemas/field-problems.js';
import { providerStatusBodySchema, purgeBodySchema } from '../schemas/request-schemas.js';
import { callToJson, healthToJson } from '../schemas/to-json.js';
import { withoutUndefined } from './call-handlers.js';
import type { RouteContext } from './route-context.js';

/**
 * `GET /health`: what `scheduler.health()` says. 503 when the store does not answer, or when the
 * `health.maxOverdueMs` option is set and the oldest overdue call (`oldestOverdueMs`) is later than it.
 */
export async function getHealth(ctx: RouteContext): Promise<void> {
  const health = await ctx.settings.scheduler.health();
  const limit = ctx.settings.maxOverdueMs;
  const overdue = health.oldestOverdueMs;
  const tooLate = limit !== undefined && typeof overdue === 'number' && overdue > limit;
  sendJson(ctx.res, health.store === 'ok' && !tooLate ? 200 : 503, healthToJson(health));
}

/** `GET /openapi.json`, with `servers` set to where the router is mounted. */
export async function getOpenApi(ctx: RouteContext): Promise<void> {
  const document = ctx.settings.openApiDocument();
  const base = `${ctx.url.mountPath}${ctx.settings.basePath}`;
  sendJson(ctx.res, 200, { ...document, servers: [{ url: base === '' ? '/' : base }] }, { 'Cache-Control': 'no-cache' });
}

/**
 * `POST /webhooks/call-status`: a provider's status report. The signature is checked (when a
 * secret is configured) before the body is parsed, and nothing reaches the store unless it passes.
 */
export async function receiveProviderStatus(ctx: RouteContext): Promise<void> {
  const parser = ctx.settings.webhookParser;
  if (parser === undefined) throw new Error('webhook route without a parser');
  const body = await readJsonBody(ctx.req, { limit: ctx.settings.bodyLimit, allowForm: true });
  if (!body.present) throw missingBodyProblem();
  ctx.settings.webhookGuard?.verify(ctx.req, { raw: body.raw, form: body.kind === 'form' ? (body.value as Record<string, string>) : undefined });
  let update: ProviderStatusUpdate | undefined;
  try {
    update = await parser(body.value, ctx.req);
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    if (isCallSchedulerError(error) && error.code === ErrorCode.INVALID_INPUT) throw error;
    throw new HttpProblem(400, ErrorCode.INVALID_INPUT, 'The status report could not be read', { cause: error });
  }
  if (update === undefined) throw invalidInputProblem([{ path: '', message: 'is not a status report', rule: 'custom' }], 'status report');
  const checked = parseOrProblem(providerStatusBodySchema, update, 'status report');
  const call = await ctx.settings.scheduler.handleProviderStatus(withoutUndefined(checked));
  if (call === undefined) {
    throw new HttpProblem(404, ErrorCode.CALL_NOT_FOUND, `No call with provider call id ${JSON.stringify(checked.providerCallId.slice(0, 256))}`);
  }
  sendJson(ctx.res, 200, callToJson(call));
}

/**
 * `POST /calls/purge`: deletes the calls that ended before `endedBefore` (retention), through
 * `scheduler.purge`. The route exists only when the router has an `authorize` hook (which decides)
 * or the `purge.unprotected` option; 501 when the scheduler or its store cannot delete.
 */
export async function purgeCalls(ctx: RouteContext): Promise<void> {
  const { scheduler } = ctx.settings;
  const body = await readJsonBody(ctx.req, { limit: ctx.settings.bodyLimit });
  if (!body.present) throw missingBodyProblem();
  const input = parseOrProblem(purgeBodySchema, body.value, 'purge request');
  if (scheduler.purge === undefined) {
    throw new HttpProblem(501, ErrorCode.NOT_SUPPORTED, 'This scheduler cannot delete calls');
  }
  const deleted = await scheduler.purge(withoutUndefined({ endedBefore: input.endedBefore, statuses: input.statuses }));
  sendJson(ctx.res, 200, { deleted });
}

import type { IncomingMessage } from 'node:http';
import { ErrorCode, type ProviderStatusUpdate } from '@call-scheduler/core';
import { HttpProblem, invalidInputProblem } from '../http/problem.js';
import { missingBodyProblem, readJsonBody } from '../http/read-json-body.js';
import { sendJson } from '../http/send.js';
import { parseOrProblem } from '../schemas/field-problems.js';
import { providerStatusBodySchema } from '../schemas/request-schemas.js';
import { callToJson, healthToJson } from '../schemas/to-json.js';
import { withoutUndefined } from './call-handlers.js';
import type { RouteContext } from './route-context.js';

/** `GET /health`: 200 when the store answers, 503 otherwise. */
export async function getHealth(ctx: RouteContext): Promise<void> {
  const health = await ctx.settings.scheduler.health();
  sendJson(ctx.res, health.store === 'ok' ? 200 : 503, healthToJson(health));
}

/** `GET /openapi.json`, with `servers` set to where the router is mounted. */
export async function getOpenApi(ctx: RouteContext): Promise<void> {
  const document = ctx.settings.openApiDocument();
  const base = `${ctx.url.mountPath}${ctx.settings.basePath}`;
  sendJson(ctx.res, 200, { ...document, servers: [{ url: base === '' ? '/' : base }] }, { 'Cache-Control': 'no-cache' });
}

const TWILIO_FIELDS = ['CallSid', 'CallStatus'] as const;

/**
 * The default webhook parser: JSON `{ providerCallId, status, durationSeconds? }`, or Twilio's
 * form fields `CallSid`, `CallStatus`, `CallDuration`.
 */
export function defaultWebhookParser(body: unknown, _req?: IncomingMessage): ProviderStatusUpdate {
  if (typeof body === 'object' && body !== null && TWILIO_FIELDS.every((f) => typeof (body as Record<string, unknown>)[f] === 'string')) {
    const form = body as Record<string, string>;
    const duration = form['CallDuration'];
    const durationSeconds = duration === undefined || !/^\d{1,9}$/.test(duration) ? undefined : Number(duration);
    return withoutUndefined({ providerCallId: form['CallSid'] ?? '', status: form['CallStatus'] ?? '', durationSeconds });
  }
  return withoutUndefined(parseOrProblem(providerStatusBodySchema, body, 'status report'));
}

/** `POST /webhooks/call-status`: a provider's status report, fed to the status machine. */
export async function receiveProviderStatus(ctx: RouteContext): Promise<void> {
  const parser = ctx.settings.webhookParser;
  if (parser === undefined) throw new Error('webhook route without a parser');
  const body = await readJsonBody(ctx.req, { limit: ctx.settings.bodyLimit, allowForm: true });
  if (!body.present) throw missingBodyProblem();
  let update: ProviderStatusUpdate | undefined;
  try {
    update = await parser(body.value, ctx.req);
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
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

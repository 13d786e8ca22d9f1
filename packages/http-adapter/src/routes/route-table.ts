import { z } from 'zod';
import { callApiWebhookBodySchema } from '@call-scheduler/core/http';
import {
  callIdParamSchema,
  createCallBodySchema,
  eventIdSchema,
  eventsQuerySchema,
  listCallsQueryTextSchema,
  purgeBodySchema,
  rescheduleBodySchema,
} from '../schemas/request-schemas.js';
import { callEventMessageSchema, callPageSchema, callSchema, callWithHistorySchema, healthSchema, purgeResultSchema } from '../schemas/response-schemas.js';
import { cancelCall, createCall, getCall, listCalls, rescheduleCall } from './call-handlers.js';
import { idempotentScheduling, type CallRoute } from './call-route.js';
import { streamEvents } from './events-handler.js';
import { getHealth, getOpenApi, purgeCalls, receiveProviderStatus } from './service-handlers.js';
import { SERIES_ROUTES } from './series-routes.js';

const idParam = { id: callIdParamSchema };
const headerText = z.string().min(1);

/** The routes every router serves. */
const CORE_ROUTES: readonly CallRoute[] = [
  {
    method: 'POST',
    path: '/calls',
    operationId: 'scheduleCall',
    summary: 'Schedule a call',
    description: 'No `at` means now. An `Idempotency-Key` header (or `idempotencyKey` field) de-duplicates: a repeat answers 200 with the first call.',
    tags: ['calls'],
    ...idempotentScheduling('call', callSchema),
    body: { schema: createCallBodySchema, required: true },
    problems: [400, 409, 413, 415],
    handle: createCall,
  },
  {
    method: 'GET',
    path: '/calls',
    operationId: 'listCalls',
    summary: 'List calls, newest first, a page at a time',
    tags: ['calls'],
    query: listCallsQueryTextSchema,
    repeatableQuery: ['status'],
    responses: { 200: { description: 'A page of calls.', schema: callPageSchema } },
    problems: [400],
    handle: listCalls,
  },
  {
    method: 'GET',
    path: '/calls/{id}',
    operationId: 'getCall',
    summary: 'One call with its attempts and events',
    tags: ['calls'],
    params: idParam,
    responses: { 200: { description: 'The call.', schema: callWithHistorySchema } },
    problems: [404],
    handle: getCall,
  },
  {
    method: 'PATCH',
    path: '/calls/{id}',
    operationId: 'rescheduleCall',
    summary: 'Reschedule a call that is still scheduled',
    tags: ['calls'],
    params: idParam,
    body: { schema: rescheduleBodySchema, required: true },
    responses: { 200: { description: 'The changed call.', schema: callSchema } },
    problems: [400, 404, 409, 413, 415],
    handle: rescheduleCall,
  },
  {
    method: 'POST',
    path: '/calls/{id}/cancel',
    operationId: 'cancelCall',
    summary: 'Cancel a call that is still scheduled',
    description: 'Answers 409 with `currentStatus` when the call is already being dialed or has ended.',
    tags: ['calls'],
    params: idParam,
    responses: { 200: { description: 'The canceled call.', schema: callSchema } },
    problems: [404, 409],
    handle: cancelCall,
  },
  {
    method: 'GET',
    path: '/events',
    operationId: 'streamEvents',
    summary: 'Every call event, as Server-Sent Events',
    description:
      "Each event has `id:` (the event's log cursor), `event:` (the scheduler event name, e.g. `call:status`) and `data:` (a JSON `CallEventMessage`). " +
      'Resume with the `Last-Event-ID` header (or `lastEventId`): stored events after that cursor are replayed first (`replayed: true`), then live ones follow, with no gap and no duplicate. ' +
      "When the store can watch (PostgreSQL), the stream follows the store's event log and shows every host's events. " +
      "With recurring calls, the `series:*` events of this process are sent too (`data:` a `SeriesEventMessage`, no `id:`, never replayed). " +
      'A comment line is sent as a heartbeat.',
    tags: ['events'],
    query: eventsQuerySchema,
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id (a cursor the stream sent).', schema: eventIdSchema }],
    responses: { 200: { description: 'A text/event-stream whose `data:` lines are `CallEventMessage` JSON.', schema: callEventMessageSchema, contentType: 'text/event-stream' } },
    problems: [400],
    handle: streamEvents,
  },
  {
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Store and scheduler state',
    tags: ['service'],
    responses: {
      200: { description: 'The store answers (and no call is overdue past `health.maxOverdueMs`).', schema: healthSchema },
      503: { description: 'The store does not answer, or the oldest overdue call is later than `health.maxOverdueMs`.', schema: healthSchema },
    },
    problems: [],
    handle: getHealth,
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tags: ['service'],
    responses: { 200: { description: 'The document.' } },
    problems: [],
    handle: getOpenApi,
  },
];

/** The retention route, served when an `authorize` hook is set or `purge.unprotected` is on. */
const PURGE_ROUTE: CallRoute = {
  method: 'POST',
  path: '/calls/purge',
  operationId: 'purgeCalls',
  summary: 'Delete the calls that ended before a time (retention)',
  description:
    'Deletes ended calls (`completed`, `busy`, `no-answer`, `failed`, `canceled`, `expired`) whose `endedAt` is before `endedBefore`, with their attempts and events; a scheduled or live call is never deleted. ' +
    'Served only when the router has an `authorize` hook, which decides (operation id `purgeCalls`), or the `purge: { unprotected: true }` option. 501 when the store cannot delete.',
  tags: ['calls'],
  body: { schema: purgeBodySchema, required: true },
  responses: { 200: { description: 'How many calls were deleted.', schema: purgeResultSchema } },
  problems: [400, 413, 415, 501],
  handle: purgeCalls,
};

/** The provider webhook route, served when the `webhook` option is on. */
const WEBHOOK_ROUTE: CallRoute = {
  method: 'POST',
  path: '/webhooks/call-status',
  operationId: 'receiveProviderStatus',
  summary: "A provider's status report for a call",
  description:
    'Feeds the status machine like a status poll does. JSON `{ providerCallId, status, durationSeconds? }`, `{ call: CALL }`, `{ id | call_id, status, duration? }`, or Twilio form fields `CallSid`, `CallStatus`, `CallDuration` (unless a custom parser is configured). ' +
    'With a secret configured, the push must carry a valid `X-Twilio-Signature`, or `X-Signature` (`sha256=<hex>`, HMAC-SHA256 over `${X-Signature-Timestamp}.${body}`) within the tolerance window and not seen before; otherwise 401 and nothing is stored.',
  tags: ['webhooks'],
  headers: [
    { name: 'X-Twilio-Signature', description: "Twilio's signature (with `webhook.twilio`).", schema: headerText },
    { name: 'X-Signature', description: 'The generic signature `sha256=<hex>` (with `webhook.hmac`).', schema: headerText },
    { name: 'X-Signature-Timestamp', description: 'Seconds since the epoch, signed with the body (with `webhook.hmac`).', schema: headerText },
  ],
  body: { schema: callApiWebhookBodySchema, required: true, contentTypes: ['application/json', 'application/x-www-form-urlencoded'] },
  responses: { 200: { description: 'The call after the report.', schema: callSchema } },
  problems: [400, 401, 404, 413, 415],
  handle: receiveProviderStatus,
};

/**
 * The route table of a router: the core routes, then the retention and webhook routes when they
 * are on, then the recurring-call routes when the scheduler has series.
 */
export function buildRouteTable(options: { readonly webhook: boolean; readonly purge?: boolean; readonly series?: boolean }): readonly CallRoute[] {
  return Object.freeze([
    ...CORE_ROUTES,
    ...(options.purge === true ? [PURGE_ROUTE] : []),
    ...(options.webhook ? [WEBHOOK_ROUTE] : []),
    ...(options.series === true ? SERIES_ROUTES : []),
  ]);
}

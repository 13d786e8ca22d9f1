import { idempotencyKeySchema } from '@call-scheduler/core';
import {
  callIdParamSchema,
  createCallBodySchema,
  eventsQuerySchema,
  listCallsQuerySchema,
  providerStatusBodySchema,
  rescheduleBodySchema,
} from '../schemas/request-schemas.js';
import { callEventMessageSchema, callPageSchema, callSchema, callWithHistorySchema, healthSchema } from '../schemas/response-schemas.js';
import { eventIdSchema } from '../schemas/request-schemas.js';
import { cancelCall, createCall, getCall, listCalls, rescheduleCall } from './call-handlers.js';
import type { CallRoute } from './call-route.js';
import { streamEvents } from './events-handler.js';
import { getHealth, getOpenApi, receiveProviderStatus } from './service-handlers.js';

const idParam = { id: callIdParamSchema };

/** The routes every router serves. */
const CORE_ROUTES: readonly CallRoute[] = [
  {
    method: 'POST',
    path: '/calls',
    operationId: 'scheduleCall',
    summary: 'Schedule a call',
    description: 'No `at` means now. An `Idempotency-Key` header (or `idempotencyKey` field) de-duplicates: a repeat answers 200 with the first call.',
    tags: ['calls'],
    headers: [{ name: 'Idempotency-Key', description: 'De-duplicates scheduling (1 to 255 printable ASCII characters).', schema: idempotencyKeySchema }],
    body: { schema: createCallBodySchema, required: true },
    responses: {
      201: { description: 'The new call.', schema: callSchema, headers: { Location: 'The URL of the new call.' } },
      200: { description: 'The call first scheduled with this idempotency key.', schema: callSchema },
    },
    problems: [400, 409, 413, 415],
    handle: createCall,
  },
  {
    method: 'GET',
    path: '/calls',
    operationId: 'listCalls',
    summary: 'List calls, newest first, a page at a time',
    tags: ['calls'],
    query: listCallsQuerySchema,
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
      'Each event has `id:` (the stored event id), `event:` (the scheduler event name, e.g. `call:status`) and `data:` (a JSON `CallEventMessage`). ' +
      'Resume with the `Last-Event-ID` header (or `lastEventId`): stored events after that id are replayed first (`replayed: true`), then live ones follow, with no gap and no duplicate. ' +
      'A comment line is sent as a heartbeat.',
    tags: ['events'],
    query: eventsQuerySchema,
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id.', schema: eventIdSchema }],
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
      200: { description: 'The store answers.', schema: healthSchema },
      503: { description: 'The store does not answer.', schema: healthSchema },
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

/** The provider webhook route, served when the `webhook` option is on. */
const WEBHOOK_ROUTE: CallRoute = {
  method: 'POST',
  path: '/webhooks/call-status',
  operationId: 'receiveProviderStatus',
  summary: "A provider's status report for a call",
  description:
    'Feeds the status machine like a status poll does. JSON `{ providerCallId, status, durationSeconds? }`, or Twilio-style form fields `CallSid`, `CallStatus`, `CallDuration` (unless a custom parser is configured).',
  tags: ['webhooks'],
  body: { schema: providerStatusBodySchema, required: true, contentTypes: ['application/json', 'application/x-www-form-urlencoded'] },
  responses: { 200: { description: 'The call after the report.', schema: callSchema } },
  problems: [400, 404, 413, 415],
  handle: receiveProviderStatus,
};

/** The route table of a router: the core routes, and the webhook route when it is on. */
export function buildRouteTable(options: { readonly webhook: boolean }): readonly CallRoute[] {
  return Object.freeze(options.webhook ? [...CORE_ROUTES, WEBHOOK_ROUTE] : [...CORE_ROUTES]);
}

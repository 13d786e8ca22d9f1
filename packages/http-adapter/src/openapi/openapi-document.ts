import {
  callingWindowSchema,
  jsonTimeSchema,
  localTimeInputSchema,
  outcomeRetrySchema,
  retryPolicySchema,
  timeRangeSchema,
} from '@call-scheduler/core';
import { z } from 'zod';
import type { CallRoute } from '../routes/call-route.js';
import { callApiWebhookBodySchema } from '@call-scheduler/core/http';
import { createCallBodySchema, MAX_HTTP_TIME_MS, purgeBodySchema, rescheduleBodySchema } from '../schemas/request-schemas.js';
import {
  callAttemptSchema,
  callErrorSchema,
  callEventMessageSchema,
  callEventSchema,
  callPageSchema,
  callSchema,
  callWithHistorySchema,
  fieldProblemSchema,
  healthSchema,
  problemSchema,
  purgeResultSchema,
} from '../schemas/response-schemas.js';
import {
  changeSeriesBodySchema,
  createSeriesBodySchema,
  previewSeriesBodySchema,
  seriesEventMessageSchema,
  seriesPageSchema,
  seriesPreviewOccurrenceSchema,
  seriesPreviewSchema,
  seriesSchema,
  seriesWithOccurrencesSchema,
} from '../schemas/series-schemas.js';

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Readonly<Record<string, unknown>>;

/** What the `info` object of the generated document says. */
export interface OpenApiInfo {
  /** @default 'Call Scheduler API' */
  readonly title?: string;
  /** @default '1.0.0' */
  readonly version?: string;
  /** A description in Markdown. */
  readonly description?: string;
}

type Json = Record<string, unknown>;
type Registry = z.core.$ZodRegistry<{ id: string; description?: string }>;

const COMPONENT_PREFIX = '#/components/schemas/';

/** Shared building blocks, named in both the request and the response components. */
function addBuildingBlocks(registry: Registry): Registry {
  registry.add(callingWindowSchema, {
    id: 'CallingWindow',
    description: 'Allowed local calling hours per weekday (`mon` ... `sun`) in the call time zone; a missing day allows no calls.',
  });
  registry.add(timeRangeSchema, { id: 'TimeRange', description: 'Local time `HH:MM` to `HH:MM` (end excluded, `24:00` allowed), not crossing midnight.' });
  registry.add(retryPolicySchema, { id: 'RetryPolicy', description: 'Retries by outcome; a missing outcome is not retried.' });
  registry.add(outcomeRetrySchema, {
    id: 'OutcomeRetry',
    description: 'Delays before each retry (the last one repeats) and the most attempts in all.',
  });
  return registry;
}

/** The request schemas (documented as zod's input: what a client may send). */
function requestRegistry(): Registry {
  const registry = addBuildingBlocks(z.registry<{ id: string; description?: string }>());
  registry.add(createCallBodySchema, { id: 'ScheduleCallRequest' });
  registry.add(rescheduleBodySchema, { id: 'RescheduleCallRequest' });
  registry.add(callApiWebhookBodySchema, { id: 'ProviderStatusReport' });
  registry.add(purgeBodySchema, { id: 'PurgeCallsRequest' });
  registry.add(createSeriesBodySchema, { id: 'ScheduleSeriesRequest' });
  registry.add(changeSeriesBodySchema, { id: 'ChangeSeriesRequest' });
  registry.add(previewSeriesBodySchema, { id: 'PreviewSeriesRequest' });
  registry.add(jsonTimeSchema, {
    id: 'Instant',
    description: 'An ISO 8601 date-time with `Z` or an offset (`2026-11-21T10:00:00Z`), or epoch milliseconds (up to the end of the year 9999).',
  });
  registry.add(localTimeInputSchema, {
    id: 'LocalTime',
    description:
      'A wall-clock time `YYYY-MM-DDTHH:MM[:SS]` read in `timeZone`; `disambiguation` resolves DST gaps and overlaps (default `compatible`).',
  });
  return registry;
}

/** The response schemas (documented as zod's output: what the server sends). */
function responseRegistry(): Registry {
  const registry = addBuildingBlocks(z.registry<{ id: string; description?: string }>());
  registry.add(callSchema, { id: 'Call' });
  registry.add(callAttemptSchema, { id: 'CallAttempt' });
  registry.add(callEventSchema, { id: 'CallEvent' });
  registry.add(callWithHistorySchema, { id: 'CallWithHistory' });
  registry.add(callPageSchema, { id: 'CallPage' });
  registry.add(callEventMessageSchema, { id: 'CallEventMessage' });
  registry.add(callErrorSchema, { id: 'CallError' });
  registry.add(healthSchema, { id: 'Health' });
  registry.add(purgeResultSchema, { id: 'PurgeCallsResult' });
  registry.add(seriesSchema, { id: 'CallSeries' });
  registry.add(seriesWithOccurrencesSchema, { id: 'CallSeriesWithOccurrences' });
  registry.add(seriesPageSchema, { id: 'CallSeriesPage' });
  registry.add(seriesPreviewSchema, { id: 'SeriesPreview' });
  registry.add(seriesPreviewOccurrenceSchema, { id: 'SeriesPreviewOccurrence' });
  registry.add(seriesEventMessageSchema, { id: 'SeriesEventMessage' });
  registry.add(problemSchema, { id: 'Problem' });
  registry.add(fieldProblemSchema, { id: 'FieldProblem' });
  return registry;
}

function mapDeep(value: unknown, fn: (node: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((item) => mapDeep(item, fn));
  if (typeof value !== 'object' || value === null) return value;
  const mapped: Json = {};
  for (const [key, child] of Object.entries(value)) mapped[key] = mapDeep(child, fn);
  return fn(mapped);
}

function isJsonValueSchema(schema: unknown): boolean {
  const anyOf = (schema as { anyOf?: unknown[] }).anyOf;
  if (!Array.isArray(anyOf)) return false;
  const types = anyOf.map((s) => (s as { type?: unknown }).type).sort();
  return JSON.stringify(types) === JSON.stringify(['array', 'boolean', 'null', 'number', 'object', 'string']);
}

/**
 * Components from a registry. zod puts schemas used in several places into a `__shared` entry
 * referenced as `__shared#/$defs/schemaN`, which is not a valid OpenAPI reference: those are lifted
 * into components of their own (the recursive JSON value schema becomes `JsonValue`).
 */
function componentsOf(registry: Registry, io: 'input' | 'output', sharedPrefix: string): Record<string, Json> {
  const generated = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
  }) as { schemas: Record<string, Json> };
  const shared = (generated.schemas['__shared']?.['$defs'] ?? {}) as Record<string, Json>;
  const renames = new Map<string, string>();
  Object.entries(shared).forEach(([name, schema], index) => {
    renames.set(name, isJsonValueSchema(schema) ? 'JsonValue' : `${sharedPrefix}Shared${index}`);
  });
  const fix = (node: Json): Json => {
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      const match = /^#\/components\/schemas\/__shared#\/\$defs\/(.+)$/.exec(ref);
      if (match?.[1] !== undefined) return { ...node, $ref: `${COMPONENT_PREFIX}${renames.get(match[1]) ?? match[1]}` };
    }
    return node;
  };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    if (id === '__shared') continue;
    const { $schema: _schema, $id: _id, ...rest } = schema;
    out[id] = mapDeep(rest, fix) as Json;
  }
  for (const [name, schema] of Object.entries(shared)) out[renames.get(name) ?? name] = mapDeep(schema, fix) as Json;
  return out;
}

/** The largest epoch ms core's `jsonTimeSchema` accepts, as its JSON Schema says. */
const CORE_MAX_EPOCH_MS = 8.64e15;

/**
 * The HTTP schemas refine core's times to {@link MAX_HTTP_TIME_MS}; a refinement does not show in
 * JSON Schema, so the limit is written into every epoch-ms branch here (tested).
 */
function withHttpTimeLimit(value: unknown): unknown {
  return mapDeep(value, (node) =>
    node['type'] === 'integer' && node['maximum'] === CORE_MAX_EPOCH_MS ? { ...node, maximum: MAX_HTTP_TIME_MS } : node,
  );
}

function mergeComponents(...sets: Record<string, Json>[]): Record<string, Json> {
  const merged: Record<string, Json> = {};
  for (const set of sets) {
    for (const [name, schema] of Object.entries(set)) {
      const existing = merged[name];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(schema)) {
        throw new Error(`OpenAPI component ${name} differs between requests and responses`);
      }
      merged[name] = schema;
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** A schema as inline JSON Schema (for parameters), or a `$ref` when it is registered. */
function schemaFor(schema: z.ZodType, registries: readonly Registry[], io: 'input' | 'output'): Json {
  for (const registry of registries) {
    const id = registry.get(schema)?.id;
    if (id !== undefined) return { $ref: `${COMPONENT_PREFIX}${id}` };
  }
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  return rest;
}

function unwrapOptional(schema: z.ZodType): { inner: z.ZodType; required: boolean; description: string | undefined } {
  const description = schema.description;
  if (schema instanceof z.ZodOptional) return { inner: schema.unwrap() as z.ZodType, required: false, description };
  return { inner: schema, required: true, description };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Invalid input or malformed JSON; `errors` names each field.',
  401: 'The `authorize` hook refused the request, or a webhook push is not signed as configured.',
  403: 'The `authorize` hook threw.',
  404: 'No such call (or series).',
  409: 'The call (or series) is not in a state that allows this (`currentStatus`), or the idempotency key conflicts.',
  413: 'The body is larger than the limit.',
  415: 'The body is not JSON.',
  501: 'The store cannot do this (e.g. delete calls).',
  500: 'An internal error (details are logged, not sent).',
  503: 'The scheduler or its store is not available.',
};

function operationOf(route: CallRoute, requests: Registry, responses: Registry): Json {
  const parameters: Json[] = [];
  for (const [name, schema] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: 'path', required: true, description: schema.description, schema: schemaFor(schema, [], 'input') });
  }
  for (const [name, field] of Object.entries(route.query?.shape ?? {})) {
    const { inner, required, description } = unwrapOptional(field as z.ZodType);
    parameters.push({
      name,
      in: 'query',
      required,
      ...(description === undefined ? {} : { description }),
      schema: schemaFor(inner, [], 'input'),
    });
  }
  for (const header of route.headers ?? []) {
    parameters.push({ name: header.name, in: 'header', required: false, description: header.description, schema: schemaFor(header.schema, [], 'input') });
  }
  const result: Json = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const contentType = response.contentType ?? 'application/json';
    const body =
      response.schema === undefined
        ? { schema: { type: 'object' } }
        : contentType === 'text/event-stream'
          ? { schema: { type: 'string', description: `Server-Sent Events; each data line is a ${responses.get(response.schema)?.id ?? 'JSON'} object.` } }
          : { schema: schemaFor(response.schema, [responses], 'output') };
    result[status] = {
      description: response.description,
      ...(response.headers === undefined
        ? {}
        : { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }),
      content: { [contentType]: body },
    };
  }
  for (const status of [...route.problems, 401, 403, 500, 503]) {
    if (result[String(status)] !== undefined) continue; // e.g. the 503 of /health has its own body
    result[String(status)] = {
      description: STATUS_TEXT[status] ?? 'An error.',
      content: { 'application/problem+json': { schema: { $ref: `${COMPONENT_PREFIX}Problem` } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [...route.tags],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: route.body.required,
            content: Object.fromEntries(
              (route.body.contentTypes ?? ['application/json']).map((type) => [type, { schema: schemaFor(route.body?.schema ?? z.unknown(), [requests], 'input') }]),
            ),
          },
        }),
    responses: result,
  };
}

/**
 * Builds the OpenAPI 3.1 document of a route table from the same zod schemas that validate the
 * requests, so that the document and the validation cannot drift.
 */
export function openApiDocumentOf(routes: readonly CallRoute[], info: OpenApiInfo = {}): OpenApiDocument {
  const requests = requestRegistry();
  const responses = responseRegistry();
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operationOf(route, requests, responses);
  }
  return withHttpTimeLimit({
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Call Scheduler API',
      version: info.version ?? '1.0.0',
      description:
        info.description ??
        'Schedule outbound phone calls, follow them live, and read their history. Errors are RFC 9457 `application/problem+json` with a stable `code`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'calls', description: 'Schedule, list, read, reschedule and cancel calls.' },
      { name: 'events', description: 'Live call events (Server-Sent Events).' },
      { name: 'service', description: 'Health and this document.' },
      ...(routes.some((r) => r.tags.includes('series'))
        ? [{ name: 'series', description: 'Recurring calls: each occurrence of a cron pattern in the recipient\'s zone becomes an ordinary call.' }]
        : []),
      ...(routes.some((r) => r.tags.includes('webhooks')) ? [{ name: 'webhooks', description: 'Status reports pushed by a call provider.' }] : []),
    ],
    paths,
    components: { schemas: mergeComponents(componentsOf(requests, 'input', 'Request'), componentsOf(responses, 'output', 'Response')) },
  }) as OpenApiDocument;
}

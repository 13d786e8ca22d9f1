import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOpenApiDocument,
  createCallBodySchema,
  createCallRouter,
  listCallsQuerySchema,
  MAX_HTTP_TIME_MS,
  rescheduleBodySchema,
} from '../src/index.js';
import { call, startHarness, type Harness } from './support/harness.js';

/** Every `$ref` in `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push(child);
      else refs(child, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  let h: Harness;
  let served: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  beforeAll(async () => {
    h = await startHarness({ flavor: 'node', router: { webhook: { unsigned: true } } });
    served = (await call(`${h.api}/openapi.json`)).body;
  });
  afterAll(async () => {
    await h.close();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(served));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator does catch a broken document.
    const broken = structuredClone(served);
    broken.paths['/calls'].get.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('describes every route the router serves, and nothing else', () => {
    const documented = Object.entries(served.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served_ = h.router.routes.map((r) => `${r.method} ${r.path}`);
    expect(served_).toContain('POST /webhooks/call-status');
    expect(documented.sort()).toEqual(served_.sort());
    for (const route of h.router.routes) {
      expect(served.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.operationId);
    }
  });

  it('resolves every $ref to a component', () => {
    const components = served.components.schemas as Record<string, unknown>;
    for (const ref of refs(served)) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9_]+$/);
      expect(components[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    for (const name of ['Call', 'CallWithHistory', 'CallPage', 'Problem', 'ScheduleCallRequest', 'RescheduleCallRequest', 'JsonValue', 'CallingWindow', 'Instant', 'LocalTime']) {
      expect(components[name], name).toBeDefined();
    }
  });

  it('documents the request bodies with the rules core validates (generated, not hand-written)', () => {
    const create = served.components.schemas.ScheduleCallRequest;
    expect(create.required).toEqual(['to']);
    expect(create.additionalProperties).toBe(false);
    expect(Object.keys(create.properties).sort()).toEqual(['at', 'expiresAt', 'idempotencyKey', 'metadata', 'retry', 'timeZone', 'to', 'window'].sort());
    expect(create.properties.idempotencyKey).toMatchObject({ maxLength: 255, pattern: expect.any(String) });
    const list = served.paths['/calls'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(['status', 'to', 'from', 'until', 'limit', 'cursor', 'order']);
    const outcome = served.components.schemas.OutcomeRetry;
    expect(outcome.properties.maxAttempts).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(served.paths['/health'].get.responses['503'].content['application/json'].schema.$ref).toBe('#/components/schemas/Health');
  });

  it('documents the same time limit it enforces (a refinement zod cannot express is written in)', () => {
    const maxima = JSON.stringify(served).match(/"maximum":\d+/g) ?? [];
    expect(maxima).not.toContain('"maximum":8640000000000000');
    expect(maxima).toContain(`"maximum":${MAX_HTTP_TIME_MS}`);
    const to = '+14155550123';
    for (const field of ['at', 'expiresAt'] as const) {
      expect(createCallBodySchema.safeParse({ to, [field]: MAX_HTTP_TIME_MS }).success, field).toBe(true);
      expect(createCallBodySchema.safeParse({ to, [field]: MAX_HTTP_TIME_MS + 1 }).success, field).toBe(false);
      expect(rescheduleBodySchema.safeParse({ [field]: MAX_HTTP_TIME_MS + 1 }).success, field).toBe(false);
    }
    expect(listCallsQuerySchema.safeParse({ from: String(MAX_HTTP_TIME_MS + 1) }).success).toBe(false);
    expect(listCallsQuerySchema.safeParse({ until: String(MAX_HTTP_TIME_MS) }).success).toBe(true);
    expect(served.components.schemas.LocalTime.required).toEqual(['local', 'timeZone']);
  });

  it('leaves the webhook route out unless it is on', () => {
    const router = createCallRouter({ scheduler: h.scheduler });
    expect(router.routes.map((r) => r.path)).not.toContain('/webhooks/call-status');
    expect(Object.keys(router.openApiDocument()['paths'] as object)).not.toContain('/webhooks/call-status');
    const standalone = buildOpenApiDocument({ info: { title: 'Mine' }, serverUrl: '/v2', webhook: true });
    expect(standalone['info']).toMatchObject({ title: 'Mine' });
    expect(standalone['servers']).toEqual([{ url: '/v2' }]);
    expect(standalone['paths']).toEqual(served.paths);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, healthSchema } from '../src/index.js';
import { expectProblem } from './support/expect-problem.js';
import { call, forwardingScheduler, startHarness, type Harness } from './support/harness.js';

const TO = '+14155550123';

describe('POST /calls/purge', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const purge = (body: unknown, headers: Record<string, string> = {}) => call(`${h?.api}/calls/purge`, { method: 'POST', json: body, headers });

  it('deletes the calls that ended before endedBefore, and nothing else', async () => {
    h = await startHarness({ flavor: 'node', router: { purge: { unprotected: true } } });
    const ended = await h.scheduler.schedule({ to: TO });
    const canceled = await h.scheduler.schedule({ to: '+442079460000', at: '2026-03-03T09:00:00Z' });
    await h.scheduler.cancel(canceled.id);
    const waiting = await h.scheduler.schedule({ to: '+14155550199', at: '2026-03-09T09:00:00Z' });
    await h.clock.advance(60_000);
    expect((await h.scheduler.get(ended.id))?.status).toBe('completed');
    const cutoff = new Date(h.clock.now()).toISOString();
    await h.clock.advance(1_000);

    const onlyCanceled = await purge({ endedBefore: cutoff, statuses: ['canceled'] });
    expect([onlyCanceled.status, onlyCanceled.body]).toEqual([200, { deleted: 1 }]);
    expect(await h.scheduler.get(canceled.id)).toBeUndefined();
    expect(await h.scheduler.get(ended.id)).toBeDefined();
    const rest = await purge({ endedBefore: Date.parse(cutoff) });
    expect(rest.body).toEqual({ deleted: 1 });
    expect(await h.scheduler.get(ended.id)).toBeUndefined();
    expect((await h.scheduler.get(waiting.id))?.status).toBe('scheduled');
    expectProblem(await call(`${h.api}/calls/${ended.id}`), 404, 'CALL_NOT_FOUND');
  });

  it('refuses bad input by field, a future endedBefore, and answers 501 for a scheduler that cannot purge', async () => {
    h = await startHarness({ flavor: 'node', router: { purge: { unprotected: true } } });
    const paths = async (body: unknown): Promise<string[]> =>
      expectProblem(await purge(body), 400, 'INVALID_INPUT').errors.map((e: { path: string }) => e.path);
    expect(await paths({})).toEqual(['endedBefore']);
    expect(await paths({ endedBefore: 'yesterday', statuses: ['scheduled'] })).toEqual(['endedBefore', 'statuses.0']);
    expect(await paths({ endedBefore: 0, statuses: [] })).toEqual(['statuses']);
    expect(await paths({ endedBefore: 0, olderThan: 5 })).toEqual(['olderThan']);
    expect(await paths({ endedBefore: '2026-03-09T00:00:00Z' })).toEqual(['endedBefore']);
    expectProblem(await call(`${h.api}/calls/purge`, { method: 'POST' }), 400, 'INVALID_INPUT');
    await h.close();

    h = await startHarness({
      flavor: 'node',
      router: { purge: { unprotected: true } },
      wrapScheduler: (scheduler) => {
        const { purge: _purge, ...rest } = forwardingScheduler(scheduler);
        return rest;
      },
    });
    expectProblem(await purge({ endedBefore: 0 }), 501, 'NOT_SUPPORTED');
  });

  it('is not served without an authorize hook or purge.unprotected; an authorize hook decides', async () => {
    h = await startHarness({ flavor: 'node' });
    // Not served: POST there is refused like any method the router does not serve on /calls/{id}.
    expectProblem(await purge({ endedBefore: 0 }), 405, 'METHOD_NOT_ALLOWED');
    await h.close();

    const seen: string[] = [];
    h = await startHarness({
      flavor: 'express5',
      router: {
        authorize: (req, { operationId }) => {
          seen.push(operationId);
          return operationId !== 'purgeCalls' || req.headers['x-admin'] === 'yes';
        },
      },
    });
    expectProblem(await purge({ endedBefore: 0 }), 401, 'UNAUTHORIZED');
    expect((await purge({ endedBefore: 0 }, { 'x-admin': 'yes' })).body).toEqual({ deleted: 0 });
    expect(seen).toEqual(['purgeCalls', 'purgeCalls']);
    const document = (await call(`${h.api}/openapi.json`)).body;
    expect(document.paths['/calls/purge'].post.operationId).toBe('purgeCalls');
    expect(buildOpenApiDocument()['paths']).not.toHaveProperty(['/calls/purge']);
    expect(buildOpenApiDocument({ purge: true })['paths']).toHaveProperty(['/calls/purge']);
  });
});

describe('GET /health', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('passes health() through, and answers 503 past health.maxOverdueMs', async () => {
    let oldestOverdueMs: number | null = null;
    h = await startHarness({
      flavor: 'node',
      router: { health: { maxOverdueMs: 5_000 } },
      schedulerOverrides: (scheduler) => ({ health: async () => ({ ...(await scheduler.health()), oldestOverdueMs, dueNextMinute: 3 }) }),
    });
    const calm = await call(`${h.api}/health`);
    expect(calm.status).toBe(200);
    expect(healthSchema.parse(calm.body)).toMatchObject({ store: 'ok', oldestOverdueMs: null, dueNextMinute: 3 });
    oldestOverdueMs = 5_000;
    expect((await call(`${h.api}/health`)).status).toBe(200);
    oldestOverdueMs = 5_001;
    const late = await call(`${h.api}/health`);
    expect(late.status).toBe(503);
    expect(late.body).toMatchObject({ store: 'ok', oldestOverdueMs: 5_001 });
  });

  it('without the option, an overdue call does not fail the check', async () => {
    h = await startHarness({
      flavor: 'node',
      schedulerOverrides: (scheduler) => ({ health: async () => ({ ...(await scheduler.health()), oldestOverdueMs: 3_600_000 }) }),
    });
    expect((await call(`${h.api}/health`)).status).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CallJson } from '@call-scheduler/http-adapter';
import { eventually, startTestServer, tempDir } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The value of the first sample of `name` whose labels include every `labels` pair, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = new Map([...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[4]);
  }
  return undefined;
}

describe('GET /metrics on the example server', () => {
  it('shows, in Prometheus format, the dials, calls by status, live calls and provider requests that happened', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { running } = await startTestServer(dir.path);
    cleanups.push(() => running.close(2_000));
    const api = `${running.url}api`;
    const post = (body: unknown): Promise<Response> => fetch(`${api}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const calls = [(await (await post({ to: '+14155550123' })).json()) as CallJson, (await (await post({ to: '+14155550124' })).json()) as CallJson];
    const later = (await (await post({ to: '+14155550125', at: new Date(Date.now() + 3_600_000).toISOString() })).json()) as CallJson;
    expect((await fetch(`${api}/calls/${later.id}/cancel`, { method: 'POST' })).status).toBe(200);
    await eventually(10_000, 'both calls completed', async () => {
      const statuses = await Promise.all(calls.map(async (c) => ((await (await fetch(`${api}/calls/${c.id}`)).json()) as CallJson).status));
      return statuses.every((s) => s === 'completed') ? true : undefined;
    });

    const response = await fetch(`${running.url}metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    const host = { call_scheduler_scheduler_id: running.scheduler.id };
    // Two dials, both completed, each sent once (no error) and timed from its due time.
    expect(sample(text, 'call_scheduler_dials_total', { ...host, call_scheduler_outcome: 'completed' })).toBe(2);
    expect(sample(text, 'call_scheduler_dial_lateness_count', host)).toBe(2);
    expect(sample(text, 'call_scheduler_provider_request_duration_count', { call_scheduler_provider_operation: 'place_call', call_scheduler_outcome: 'ok' })).toBe(2);
    expect(sample(text, 'call_scheduler_provider_errors_total')).toBeUndefined();
    // Read from the store when scraped: two completed, one canceled; nothing live any more.
    expect(sample(text, 'call_scheduler_calls', { call_scheduler_call_status: 'completed' })).toBe(2);
    expect(sample(text, 'call_scheduler_calls', { call_scheduler_call_status: 'canceled' })).toBe(1);
    expect(sample(text, 'call_scheduler_live_calls', host)).toBe(0);
    // SqliteStore answers the next wake-up with each claim: the scheduler claims with claimDueCallsWithWakeUp.
    expect(sample(text, 'call_scheduler_store_operation_duration_count', { call_scheduler_store_operation: 'claimDueCallsWithWakeUp' })).toBeGreaterThan(0);
  });
});

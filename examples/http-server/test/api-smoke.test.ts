import { createMockCallApi, type MockCallApi } from '@call-scheduler/mock-call-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallJson, CallWithHistoryJson, HealthJson, ProblemDetails } from '@call-scheduler/http-adapter';
import type { RunningServer } from '../src/server.js';
import { eventually, openEventStream, startTestServer, tempDir, within } from './support.js';

const NUMBER = '+14155550123';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(running: RunningServer): RunningServer {
  cleanups.push(() => running.close(2_000));
  return running;
}

async function json<T = CallJson>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('the example server, through HTTP on 127.0.0.1', () => {
  it('serves the page, schedules a call now, streams it to completed, and keeps its history', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { running, logs, errors } = await startTestServer(dir.path);
    track(running);
    const api = `${running.url}api`;

    const page = await fetch(running.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>Call Scheduler</title>');
    const script = await fetch(`${running.url}app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${running.url}nothing-here`)).status).toBe(404);

    const health = await json<HealthJson>(await fetch(`${api}/health`));
    expect(health).toMatchObject({ state: 'running', store: 'ok' });

    const stream = await openEventStream(`${api}/events`);
    cleanups.push(() => stream.close());
    const created = await post(`${api}/calls`, { to: '+1 (415) 555-0123', metadata: { from: 'smoke test' } });
    expect(created.status).toBe(201);
    const call = await json(created);
    expect(created.headers.get('location')).toBe(`/api/calls/${call.id}`);
    expect(call).toMatchObject({ to: NUMBER, status: 'scheduled', metadata: { from: 'smoke test' } });

    const done = await stream.waitFor(10_000, 'call:completed over SSE', (e) => e.event === 'call:completed' && e.data.call?.id === call.id);
    expect(done.data.call?.status).toBe('completed');
    const seen = stream.events.filter((e) => e.data.call?.id === call.id);
    const ids = seen.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // in history order
    expect(seen[0]?.event).toBe('call:scheduled');
    expect(seen.map((e) => e.event)).toContain('call:dispatching');

    const details = await json<CallWithHistoryJson>(await fetch(`${api}/calls/${call.id}`));
    expect(details.status).toBe('completed');
    expect(details.attempts).toHaveLength(1);
    expect(details.attempts[0]).toMatchObject({ number: 1, status: 'completed', durationSeconds: 10 });
    expect(details.events.map((e) => e.type)).toEqual(expect.arrayContaining(['scheduled', 'dispatching', 'status', 'completed']));
    expect(running.mock?.dialsTo(NUMBER)).toHaveLength(1);

    // One readable log line per call event, e.g. "10:02:03 call …9c2e41d0 +14155550123 completed (attempt 1)".
    const short = `…${String(call.id).slice(-8)}`;
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d call ${short} \\+14155550123 scheduled for `)));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d call ${short} \\+14155550123 dialing \\(attempt 1\\)$`)));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d call ${short} \\+14155550123 completed \\(attempt 1\\)$`)));
    expect(logs.filter((line) => line.endsWith('completed (attempt 1)'))).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('answers bad input with problem+json naming the field, and cancels and reschedules scheduled calls', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { running } = await startTestServer(dir.path);
    track(running);
    const api = `${running.url}api`;

    const bad = await post(`${api}/calls`, { to: '12345', at: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = await json<ProblemDetails>(bad);
    expect(problem.code).toBe('INVALID_INPUT');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['at', 'to']);

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await json(await post(`${api}/calls`, { to: NUMBER, at: later, timeZone: 'America/Chicago' }));
    expect(scheduled).toMatchObject({ status: 'scheduled', at: later, timeZone: 'America/Chicago' });

    const evenLater = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await fetch(`${api}/calls/${scheduled.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: evenLater }) });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toMatchObject({ status: 'scheduled', nextAttemptAt: evenLater });

    const canceled = await post(`${api}/calls/${scheduled.id}/cancel`, {});
    expect(canceled.status).toBe(200);
    expect((await json(canceled)).status).toBe('canceled');
    const again = await post(`${api}/calls/${scheduled.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(await json<ProblemDetails>(again)).toMatchObject({ code: 'INVALID_STATE', currentStatus: 'canceled' });

    const list = await json<{ items: CallJson[]; nextCursor: string | null }>(await fetch(`${api}/calls?status=canceled`));
    expect(list.items.map((c) => c.id)).toEqual([scheduled.id]);
    expect(running.mock?.dialsTo(NUMBER)).toHaveLength(0);
  });

  it('keeps calls in the SQLite file across a restart', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const first = await startTestServer(dir.path);
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const call = await json(await post(`${first.running.url}api/calls`, { to: NUMBER, at: later }));
    await first.running.close(2_000);

    const second = await startTestServer(dir.path);
    track(second.running);
    expect(second.running.databaseFile).toBe(first.running.databaseFile);
    const again = await json(await fetch(`${second.running.url}api/calls/${call.id}`));
    expect(again).toMatchObject({ id: call.id, status: 'scheduled', at: later });
  });

  it('requires the API key on /api when API_KEY is set, but not for the page', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { running } = await startTestServer(dir.path, { API_KEY: 'correct-horse-battery' });
    track(running);
    expect((await fetch(running.url)).status).toBe(200);
    const refused = await fetch(`${running.url}api/calls`);
    expect(refused.status).toBe(401);
    expect((await json<ProblemDetails>(refused)).code).toBe('UNAUTHORIZED');
    expect((await fetch(`${running.url}api/calls`, { headers: { 'x-api-key': 'wrong-key-entirely' } })).status).toBe(401);
    expect((await fetch(`${running.url}api/calls`, { headers: { 'x-api-key': 'correct-horse-battery' } })).status).toBe(200);
  });

  it('says which port is taken, and closes what it had started', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { running } = await startTestServer(dir.path);
    track(running);
    const port = new URL(running.url).port;
    const other = tempDir();
    cleanups.push(other.remove);
    await expect(startTestServer(other.path, { PORT: port })).rejects.toThrow(
      `Cannot start the server: port ${port} on 127.0.0.1 is already in use (set PORT to another port)`,
    );
    // The failed start cleaned up after itself: a server starts on the same file right away.
    const again = await startTestServer(other.path);
    track(again.running);
    expect((await fetch(`${again.running.url}api/health`)).status).toBe(200);
  });

  it('lets an in-flight dial finish on shutdown, and the next run follows the call to its end', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    // A Call API that outlives the server (as a real one does) and answers dials slowly.
    const mock: MockCallApi = await createMockCallApi({ timeFactor: 0.05, latencyMs: 400, faultMethods: ['POST'] });
    cleanups.push(() => mock.close());
    const first = await startTestServer(dir.path, { CALL_API_URL: mock.url });
    expect(first.running.mock).toBeUndefined();
    const call = await json(await post(`${first.running.url}api/calls`, { to: NUMBER }));
    await eventually(5_000, 'the dial to reach the Call API', () => (mock.dialsTo(NUMBER).length > 0 ? true : undefined));

    await within(10_000, 'the server to shut down', first.running.close(5_000));
    // The dial was answered before the scheduler let go: the call was placed, not failed or lost.
    expect(mock.dialsTo(NUMBER)[0]?.answer).toBe(201);
    expect(first.logs).toContainEqual(expect.stringMatching(/ initiated \(attempt 1\)$/));
    expect(first.logs.join('\n')).not.toMatch(/failed|DISPATCH_OUTCOME_UNKNOWN/);

    const second = await startTestServer(dir.path, { CALL_API_URL: mock.url });
    track(second.running);
    const finished = await eventually(10_000, 'the restarted server to see the call complete', async () => {
      const current = await json<CallWithHistoryJson>(await fetch(`${second.running.url}api/calls/${call.id}`));
      return current.status === 'completed' ? current : undefined;
    });
    expect(finished.attempts).toHaveLength(1);
    expect(mock.dialsTo(NUMBER)).toHaveLength(1); // followed, never dialed twice
  });
});

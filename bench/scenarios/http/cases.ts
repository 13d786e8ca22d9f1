import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CaseContext, CaseFn, CaseResult } from '../../lib/types.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const CONNECTIONS = 64;

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly id: string;
  /** The server process's CPU time so far (user + system), in µs. */
  cpuUs(): Promise<number>;
}

/** Starts `server.ts` in its own process and waits for its port (at most 30 s). */
function startServer(context: CaseContext, mode: 'bare' | 'router'): Promise<Server> {
  const profile = context.params.profile;
  const child = spawn(
    process.execPath,
    [
      '--conditions=@call-scheduler/source',
      '--import',
      'tsx',
      join(ROOT, 'bench/scenarios/http/server.ts'),
      `--mode=${mode}`,
      `--db=${join(context.tmpDir, 'http.db')}`,
      '--max-seconds=120',
      ...(profile === undefined ? [] : [`--profile=${profile}`]),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => context.log(`server: ${chunk.toString('utf8').trim()}`));
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the server did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}`));
    });
    if (child.stdout === null) throw new Error('no stdout');
    // Each stdout line answers the oldest waiter: first the ready line, then one per `cpu` asked.
    const waiting: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
    const cpuUs = (): Promise<number> =>
      new Promise<number>((answer) => {
        waiting.push((line) => answer((JSON.parse(line) as { cpuUs: number }).cpuUs));
        child.stdin?.write('cpu\n');
      });
    waiting.push((line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { port: number; id: string };
      resolve({ child, port: ready.port, id: ready.id, cpuUs });
    });
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface Load {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body?: string;
  readonly seconds: number;
}

/** Runs autocannon (its own process) against `load.url`; returns its JSON summary. */
function autocannon(load: Load): Promise<Record<string, unknown>> {
  const args = [AUTOCANNON, '--json', '-n', '-c', String(CONNECTIONS), '-d', String(load.seconds), '-m', load.method];
  if (load.body !== undefined) args.push('-H', 'content-type=application/json', '-b', load.body);
  args.push(load.url);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (load.seconds + 30) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch (error) {
        reject(new Error(`autocannon printed no JSON (${String(error)}): ${out.slice(-300)} ${err.slice(-300)}`));
      }
    });
  });
}

interface LoadSummary {
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

function summary(result: Record<string, unknown>): LoadSummary {
  const requests = result.requests as { average: number; total: number };
  const latency = result.latency as { p50: number; p99: number; average: number };
  const non2xx = Number(result.non2xx ?? 0);
  const errors = Number(result.errors ?? 0);
  return {
    requestsPerSecond: requests.average,
    total: requests.total,
    latencyMs: { p50: latency.p50, p99: latency.p99, mean: latency.average },
    non2xx,
    errors,
    timeouts: Number(result.timeouts ?? 0),
  };
}

const tomorrow = (): string => new Date(Date.now() + 86_400_000).toISOString(); // clock-ok: request data

/** One measurement: a fresh server process, a short warm-up, then the measured run. */
async function measure(context: CaseContext, mode: 'bare' | 'router', method: 'GET' | 'POST'): Promise<CaseResult> {
  const seconds = context.quick ? 1 : 10;
  const server = await startServer(context, mode);
  try {
    const base = `http://127.0.0.1:${server.port}${mode === 'bare' ? '/bare' : '/api'}/calls`;
    const load: Load =
      method === 'POST'
        ? { method, url: base, body: JSON.stringify({ to: '+14155550123', at: tomorrow() }), seconds }
        : { method, url: `${base}/${server.id}`, seconds };
    // Both routes are measured warm (a quick run warms up for 1 s, a full one for 2 s); a profiled
    // server is measured cold, so that its profile covers the measured requests only.
    if (context.params.profile === undefined) await autocannon({ ...load, seconds: context.quick ? 1 : 2 });
    const cpuBefore = await server.cpuUs();
    const result = summary(await autocannon(load));
    const cpuUs = (await server.cpuUs()) - cpuBefore;
    if (result.non2xx !== 0 || result.errors !== 0) throw new Error(`${mode} ${method}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    if (result.total === 0) throw new Error(`${mode} ${method}: no request answered`);
    // The server's own CPU time per answered request: what a request costs the server, which
    // other load on the machine changes much less than it changes requests/s.
    const serverCpuUsPerRequest = cpuUs / result.total;
    // `count` (the requests answered) lets a profile summary give µs per request.
    return { mode, method, connections: CONNECTIONS, seconds, client: 'autocannon 9 (separate process)', ...result, serverCpuUsPerRequest, count: result.total };
  } finally {
    await stopServer(server);
  }
}

export const cases: Record<string, CaseFn> = {
  'bare-post': (context) => measure(context, 'bare', 'POST'),
  'router-post': (context) => measure(context, 'router', 'POST'),
  'bare-get': (context) => measure(context, 'bare', 'GET'),
  'router-get': (context) => measure(context, 'router', 'GET'),
};

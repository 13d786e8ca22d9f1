/**
 * The HTTP scenario's server, in its own process: `--mode=bare` (plain Express JSON routes) or
 * `--mode=router` (Express + `createCallRouter` over a scheduler on SQLite at `--db`). Listens on
 * 127.0.0.1 on a free port, prints `{"port":…,"id":…}` on stdout, and exits on SIGTERM, when its
 * parent goes away (stdin closes), or after `--max-seconds` at the latest. A line `cpu` on its stdin
 * is answered on stdout with `{"cpuUs":…}`, the process's CPU time so far. With `--profile=<file>`
 * it runs under the V8 CPU profiler from start to exit and writes the `.cpuprofile` there.
 */
import { createInterface } from 'node:readline';
import express from 'express';
import { CallScheduler } from '@call-scheduler/core';
import { createCallRouter } from '@call-scheduler/http-adapter';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { parseArgs, required } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { startProfiler } from '../../lib/profiler.js';
import { BARE_CALL } from './bare-call.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = required(args, 'mode');
  const maxSeconds = Number(args.get('max-seconds') ?? '120');
  const app = express();
  let id: string = BARE_CALL.id;
  let shutdown: () => Promise<void> = async () => undefined;
  if (mode === 'bare') {
    app.post('/bare/calls', express.json(), (req, res) => {
      const body = req.body as { to?: unknown; at?: unknown };
      res.status(201).json({ ...BARE_CALL, to: body.to, at: body.at });
    });
    app.get('/bare/calls/:id', (req, res) => {
      res.json({ ...BARE_CALL, id: req.params.id });
    });
  } else if (mode === 'router') {
    const store = new SqliteStore({ filename: required(args, 'db') });
    const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
    await scheduler.start();
    const call = await scheduler.schedule({ to: '+14155550123', at: Date.now() + 86_400_000 });
    id = call.id;
    app.use('/api', createCallRouter({ scheduler, onError: (error) => process.stderr.write(`router error: ${String(error)}\n`) }));
    shutdown = async () => {
      await scheduler.stop();
      await store.close();
    };
  } else {
    throw new Error(`--mode must be bare or router, got ${mode}`);
  }
  const profile = args.get('profile');
  const stopProfiler = profile === undefined ? async () => undefined : await startProfiler(profile);
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ port, id })}\n`);
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close();
    void stopProfiler()
      .then(shutdown)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  // A `cpu` line on stdin is answered with this process's CPU time so far (user + system, µs).
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'cpu') return;
    const usage = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuUs: usage.user + usage.system })}\n`);
  });
  process.stdin.on('end', stop);
  setTimeout(stop, maxSeconds * 1000).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

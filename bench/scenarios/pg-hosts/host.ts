/**
 * One dialing host of the pg-hosts scenario, in a process of its own (started by `cases.ts`):
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/scenarios/pg-hosts/host.ts \
 *     --url=postgres://... --schema=bench --notify=true --id=dialer-1
 *
 * `CallScheduler` with its defaults on a `PostgresStore` and the in-process provider that answers
 * `completed` at once. It starts, writes `{"type":"ready"}` as one JSON line on stdout, and dials
 * until a line `stop` arrives on stdin; then it stops and writes `{"type":"done", ...}`: every dial
 * (`[callId, sub-ms wall clock, Date.now()]`), its completions and errors, and its CPU time.
 */
import { createInterface } from 'node:readline';
import { CallScheduler } from '@call-scheduler/core';
import { PostgresStore } from '@call-scheduler/store-postgres';
import { parseArgs, required } from '../../lib/cli.js';
import { InstantProvider } from '../../lib/instant-provider.js';
import { calibrateWallClock } from '../../lib/wall-clock.js';

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const notify = required(args, 'notify') === 'true';
  const store = new PostgresStore({ connectionString: required(args, 'url'), schema: required(args, 'schema'), notify });
  const wallNow = calibrateWallClock();
  const dials: [string, number, number][] = [];
  const provider = new InstantProvider({ answer: 'completed', onPlace: (request) => dials.push([request.callId, wallNow(), Date.now()]) });
  const scheduler = new CallScheduler({ store, provider, id: required(args, 'id') });
  let completed = 0;
  let failed = 0;
  let lastEndedAt = 0;
  let errorCount = 0;
  const errors: string[] = [];
  scheduler.on('call:completed', () => {
    completed += 1;
    lastEndedAt = wallNow();
  });
  scheduler.on('call:failed', () => {
    failed += 1;
    lastEndedAt = wallNow();
  });
  scheduler.on('scheduler:error', ({ error }) => {
    errorCount += 1;
    if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
  });
  const lines = createInterface({ input: process.stdin });
  const stop = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line.trim() === 'stop') resolve();
    });
    lines.on('close', () => resolve());
  });
  await scheduler.start();
  const health = await store.health();
  const cpu0 = process.cpuUsage();
  send({ type: 'ready', watching: health.watching ?? false });
  await stop;
  const cpu = process.cpuUsage(cpu0);
  lines.close();
  await scheduler.stop({ timeoutMs: 5_000 });
  await store.close();
  send({ type: 'done', dials, completed, failed, lastEndedAt, errorCount, errors, cpuMs: (cpu.user + cpu.system) / 1000 });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

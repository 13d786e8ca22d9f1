/**
 * Profiles the ingest path on its own (issue 14): schedules `count` calls due tomorrow on a
 * started scheduler, one by one (`schedule()`, each awaited) or by 1,000 (`scheduleMany()`), on
 * `MemoryStore` or `SqliteStore` (a fresh file), prints the rate and, given a file, writes a V8 CPU
 * profile of the scheduling alone:
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/scenarios/schedule/profile-ingest.ts \
 *     <memory|sqlite> <one|many> [count=20000] [out.cpuprofile]
 *
 * then `bench/profile-summary.ts out.cpuprofile <count>` says where the time went.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallScheduler, type CallStore } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { InstantProvider } from '../../lib/instant-provider.js';
import { phoneNumber } from '../../lib/numbers.js';
import { startProfiler } from '../../lib/profiler.js';

const DAY_MS = 86_400_000;
const BATCH = 1_000;

async function main(): Promise<void> {
  const [kind = 'memory', mode = 'many', countArg = '20000', out] = process.argv.slice(2);
  if ((kind !== 'memory' && kind !== 'sqlite') || (mode !== 'one' && mode !== 'many')) {
    throw new Error('usage: profile-ingest.ts <memory|sqlite> <one|many> [count] [out.cpuprofile]');
  }
  const count = Number(countArg);
  const dir = mkdtempSync(join(tmpdir(), 'profile-ingest-'));
  const store: CallStore & { close(): Promise<void> } = kind === 'sqlite' ? new SqliteStore({ filename: join(dir, 'ingest.db') }) : new MemoryStore();
  // As the peers bench: listeners on the end of a call and on errors, none on `call:scheduled`.
  const scheduler = new CallScheduler({ store, provider: new InstantProvider({ answer: 'completed' }) });
  scheduler.on('call:completed', () => undefined);
  scheduler.on('scheduler:error', () => undefined);
  await scheduler.start();
  const at = Date.now() + DAY_MS;
  const inputs = Array.from({ length: count }, (_, i) => ({ to: phoneNumber(i), at: at + i }));
  const batches: (typeof inputs)[] = [];
  for (let from = 0; from < count; from += BATCH) batches.push(inputs.slice(from, from + BATCH));
  const stop = out === undefined ? null : await startProfiler(out);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'one') for (const input of inputs) await scheduler.schedule(input);
  else for (const batch of batches) await scheduler.scheduleMany(batch);
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await stop?.();
  const cpuUsPerCall = (cpu.user + cpu.system) / count;
  process.stdout.write(
    `${kind} ${mode}: ${Math.round(count / (elapsedMs / 1000))} calls/s (${((elapsedMs * 1000) / count).toFixed(1)} µs per call, CPU ${cpuUsPerCall.toFixed(1)} µs per call)\n`,
  );
  await scheduler.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

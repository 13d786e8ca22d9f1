import { join } from 'node:path';
import { CallScheduler, type CallStore, type ScheduleCallInput } from '@call-scheduler/core';
import { MemoryStore } from '@call-scheduler/store-memory';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { InstantProvider } from '../lib/instant-provider.js';
import type { DriverOptions, PeerDriver, PeerJob, RunHooks } from './driver.js';
import { installedVersion, sqliteVersion } from './versions.js';

/**
 * Ours: `CallScheduler` with its default options on `SqliteStore` (defaults, a file in the temp
 * dir) or `MemoryStore`, and the in-process provider whose dial answers `completed` at once (so a
 * call's life is: claim, dial, the end, with its history). A job is a call `{ to, at }`.
 */
export async function openOurs(kind: 'sqlite' | 'memory', options: DriverOptions): Promise<PeerDriver> {
  const dueById = new Map<string, number>();
  let hooks: RunHooks | null = null;
  const provider = new InstantProvider({
    answer: 'completed',
    onPlace: (request) => hooks?.onRun(options.track ? dueById.get(request.callId) : undefined),
  });
  const store: CallStore & { close(): Promise<void> } =
    kind === 'sqlite' ? new SqliteStore({ filename: join(options.tmpDir, 'ours.db') }) : new MemoryStore();
  const scheduler = new CallScheduler({ store, provider });
  const errors: string[] = [];
  scheduler.on('scheduler:error', ({ error }) => {
    if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
  });
  scheduler.on('call:completed', () => hooks?.onDone(true));
  scheduler.on('call:failed', () => hooks?.onDone(false));
  const input = (job: PeerJob): ScheduleCallInput => ({ to: job.to, at: job.dueAt });

  const driver: PeerDriver = {
    settings: {
      package: `@call-scheduler/core ${installedVersion('@call-scheduler/core')}`,
      store: kind === 'sqlite' ? `SqliteStore (defaults, a file on disk; SQLite ${await sqliteVersion()})` : 'MemoryStore',
      provider: 'in-process, answers completed at once',
      options: scheduler.options,
    },
    async addOne(job) {
      const call = await scheduler.schedule(input(job));
      if (options.track) dueById.set(call.id, job.dueAt);
    },
    async addBatch(jobs) {
      const calls = await scheduler.scheduleMany(jobs.map(input));
      if (options.track) calls.forEach((call, i) => dueById.set(call.id, jobs[i]?.dueAt ?? Number.NaN));
    },
    async prepare(jobs) {
      for (let from = 0; from < jobs.length; from += 1_000) await driver.addBatch(jobs.slice(from, from + 1_000));
    },
    async start(runHooks) {
      hooks = runHooks;
      await scheduler.start();
    },
    serverCpuMs: async () => null,
    async close() {
      await scheduler.stop({ timeoutMs: 2_000 });
      await store.close();
      if (errors.length > 0) throw new Error(`scheduler errors: ${errors.join(' | ')}`);
    },
  };
  return driver;
}

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { better, defineQueue, defineWorker, type Logger } from 'plainjob';
import type { DriverOptions, PeerDriver, RunHooks } from './driver.js';
import { installedVersion, sqliteVersion } from './versions.js';

const JOB_TYPE = 'call';

/**
 * plainjob (a job queue on better-sqlite3) on a file in the temp dir, with its defaults (WAL,
 * `synchronous=1`, `busy_timeout` 5000) and one worker polling every `pollMs` when it finds no
 * due job (a worker runs one job at a time and looks again at once after each). Its logger
 * keeps errors and warnings and drops the info and debug lines (with the default, `console`, it
 * would print several lines per job). A job's data is `{ to, at }`; its handler does nothing but
 * report that it ran.
 */
export async function openPlainjob(pollMs: number, options: DriverOptions): Promise<PeerDriver> {
  const errors: string[] = [];
  const logger: Logger = {
    error: (message: string) => {
      if (errors.length < 5) errors.push(message);
    },
    warn: (message: string) => {
      if (errors.length < 5) errors.push(message);
    },
    info: () => undefined,
    debug: () => undefined,
  };
  const filename = join(options.tmpDir, 'plainjob.db');
  const queue = defineQueue({ connection: better(new Database(filename)), logger });
  /** plainjob computes `next_run_at` itself (`Date.now() + delay`); the stored value is read back. */
  const dueById = new Map<number, number>();
  let hooks: RunHooks | null = null;
  const worker = defineWorker(
    JOB_TYPE,
    (job) => {
      hooks?.onRun(options.track ? dueById.get(job.id) : undefined);
    },
    {
      queue,
      pollIntervall: pollMs,
      logger,
      onCompleted: () => hooks?.onDone(true),
      onFailed: () => hooks?.onDone(false),
    },
  );
  let running: Promise<void> | null = null;
  const track = (id: number): void => {
    const nextRunAt = queue.getJobById(id)?.nextRunAt;
    if (nextRunAt === undefined) throw new Error(`plainjob job ${id} has no next_run_at`);
    dueById.set(id, nextRunAt);
  };

  const driver: PeerDriver = {
    settings: {
      package: `plainjob ${installedVersion('plainjob')}`,
      driver: `better-sqlite3 ${installedVersion('better-sqlite3')}, SQLite ${await sqliteVersion()}, a file on disk`,
      pollIntervalMs: pollMs,
      workers: 1,
      logger: 'errors and warnings only',
    },
    async addOne(job) {
      const { id } = queue.add(JOB_TYPE, { to: job.to, at: job.dueAt }, { delay: job.dueAt - Date.now() });
      if (options.track) track(id);
    },
    async addBatch(jobs) {
      // plainjob's addMany takes one delay for the whole batch: the first job's.
      const first = jobs[0];
      if (first === undefined) return;
      const { ids } = queue.addMany(JOB_TYPE, jobs.map((job) => ({ to: job.to, at: job.dueAt })), { delay: first.dueAt - Date.now() });
      if (options.track) for (const id of ids) track(id);
    },
    async prepare(jobs) {
      // One delay per batch in addMany: jobs with their own due times go in one by one.
      for (const job of jobs) await driver.addOne(job);
    },
    async start(runHooks) {
      hooks = runHooks;
      running = worker.start();
    },
    serverCpuMs: async () => null,
    async close() {
      await worker.stop();
      await running;
      queue.close();
      if (errors.length > 0) throw new Error(`plainjob errors: ${errors.join(' | ')}`);
    },
  };
  return driver;
}

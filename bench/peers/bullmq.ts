import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { DriverOptions, PeerDriver, RunHooks } from './driver.js';
import { installedVersion } from './versions.js';

/** Where Redis is: `BENCH_REDIS_URL`, or the machine's own. */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key the benchmark writes starts with this (BullMQ's `prefix`). */
const PREFIX = 'call-scheduler-bench';
const JOB_NAME = 'call';
/** The worker's concurrency. */
const CONCURRENCY = 50;

/** The subset of an ioredis client this file uses. */
interface RedisClient {
  info(section: string): Promise<string>;
  quit(): Promise<unknown>;
}

/**
 * BullMQ 6 reaches Redis through a client package it lists as an optional peer dependency, and its
 * ES module build cannot load one by itself: the benchmark makes an `ioredis` client and hands it
 * over. Without `ioredis` installed the BullMQ contender cannot run; this says so.
 */
async function connect(): Promise<RedisClient> {
  const specifier = 'ioredis';
  let mod: { default?: unknown };
  try {
    mod = (await import(specifier)) as { default?: unknown };
  } catch (error) {
    throw new Error(
      `the BullMQ contender needs the ioredis package (BullMQ 6's Redis client, an optional peer dependency), which is not installed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // CommonJS through import(): the class is `default`, or `default.default` in some builds.
  const inner = mod.default as { default?: unknown } | undefined;
  const candidate = typeof mod.default === 'function' ? mod.default : inner?.default;
  if (typeof candidate !== 'function') throw new Error('the ioredis package exports no client class');
  const IORedis = candidate as new (url: string, options: Record<string, unknown>) => RedisClient;
  // BullMQ's workers need maxRetriesPerRequest: null on their connections (blocking commands).
  return new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
}

/** Redis's own CPU time so far (user + system of every thread), ms. */
async function redisCpuMs(client: RedisClient): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
    if (match?.[1] === undefined) throw new Error(`Redis INFO cpu has no ${name}`);
    return Number(match[1]) * 1000;
  };
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Redis's version (INFO server). */
async function redisVersion(client: RedisClient): Promise<string> {
  const info = await client.info('server');
  return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
}

/**
 * BullMQ on Redis, in a queue of its own (a unique name under the `call-scheduler-bench` prefix)
 * that is obliterated on close, and one worker with concurrency 50; everything else is BullMQ's
 * default (completed jobs are kept). A job's data is `{ to, at }`, added as a delayed job whose
 * `timestamp + delay` is exactly `at`; its handler does nothing but report that it ran.
 */
export async function openBullmq(options: DriverOptions): Promise<PeerDriver> {
  const client = await connect();
  const connection = client as unknown as NonNullable<ConstructorParameters<typeof Queue>[1]>['connection'];
  const name = `peers-${process.pid}-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(name, { connection, prefix: PREFIX });
  await queue.waitUntilReady();
  const version = await redisVersion(client);
  let worker: Worker | null = null;
  const opts = (at: number): { timestamp: number; delay: number } => {
    const now = Date.now();
    return { timestamp: now, delay: Math.max(0, at - now) };
  };

  const driver: PeerDriver = {
    settings: {
      package: `bullmq ${installedVersion('bullmq')}`,
      client: `ioredis ${installedVersion('ioredis')}`,
      redis: `Redis ${version} at ${REDIS_URL.replace(/\/\/[^@]*@/, '//')}`,
      queue: `${PREFIX}:${name} (removed afterwards)`,
      concurrency: CONCURRENCY,
    },
    async addOne(job) {
      await queue.add(JOB_NAME, { to: job.to, at: job.dueAt }, opts(job.dueAt));
    },
    async addBatch(jobs) {
      await queue.addBulk(jobs.map((job) => ({ name: JOB_NAME, data: { to: job.to, at: job.dueAt }, opts: opts(job.dueAt) })));
    },
    async prepare(jobs) {
      for (let from = 0; from < jobs.length; from += 1_000) await driver.addBatch(jobs.slice(from, from + 1_000));
    },
    async start(hooks: RunHooks) {
      worker = new Worker(
        name,
        async (job) => {
          hooks.onRun(options.track ? (job.data as { at: number }).at : undefined);
        },
        { connection, prefix: PREFIX, concurrency: CONCURRENCY },
      );
      worker.on('completed', () => hooks.onDone(true));
      worker.on('failed', () => hooks.onDone(false));
      await worker.waitUntilReady();
    },
    serverCpuMs: () => redisCpuMs(client),
    async close() {
      try {
        await worker?.close();
        await queue.obliterate({ force: true });
        await queue.close();
      } finally {
        await client.quit();
      }
    },
  };
  return driver;
}

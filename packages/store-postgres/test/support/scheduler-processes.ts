import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';


const SCRIPT = fileURLToPath(new URL('../fixtures/scheduler-process.ts', import.meta.url));

/** Options passed to `fixtures/scheduler-process.ts`. */
export interface SchedulerProcessOptions {
  readonly url: string;
  readonly schema: string;
  readonly providerSchema: string;
  readonly id: string;
  readonly idempotent: boolean;
  readonly leaseMs: number;
  readonly rereadMs: number;
}

/** A running `fixtures/scheduler-process.ts`. */
export interface SchedulerProcess {
  readonly child: ChildProcess;
  readonly id: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr so far. */
  stderr(): string;
}

const running = new Set<ChildProcess>();

/** Kills (SIGKILL) every scheduler process still running; for `afterEach`. */
export async function killAll(): Promise<void> {
  const waits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
  running.clear();
}

/** A scheduler process that has loaded its code and waits for {@link PreparedSchedulerProcess.go}. */
export interface PreparedSchedulerProcess {
  /** Starts the scheduler and waits (at most `timeoutMs`) until it runs. */
  go(timeoutMs?: number): Promise<SchedulerProcess>;
}

/**
 * Spawns a scheduler process and waits (at most `timeoutMs`) until it has loaded its code; its
 * scheduler starts only on `go()`. Loading TypeScript takes seconds on a busy machine, so a test
 * prepares the next process while the current one runs.
 */
export async function prepareSchedulerProcess(options: SchedulerProcessOptions, timeoutMs = 30_000): Promise<PreparedSchedulerProcess> {
  const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', 'tsx', SCRIPT, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  running.add(child);
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  /** Resolves when stdout has printed `line`; rejects after `ms` or when the process exits first. */
  const waitForLine = (line: string, ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = (): boolean => stdout.includes(`${line}\n`);
      if (check()) return resolve();
      const onData = (): void => {
        if (check()) finish(resolve);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new Error(`scheduler process ${options.id} did not print "${line}" within ${ms} ms; stderr:\n${stderr}`)));
      }, ms);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        then();
      };
      child.stdout?.on('data', onData);
      void exited.then(({ code, signal }) =>
        finish(() => reject(new Error(`scheduler process ${options.id} exited (code ${code}, signal ${signal}) before "${line}"; stderr:\n${stderr}`))),
      );
    });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  await waitForLine('loaded', timeoutMs);
  return {
    async go(goTimeoutMs = 10_000) {
      child.stdin?.write('go\n');
      await waitForLine('ready', goTimeoutMs);
      return { child, id: options.id, exited, stderr: () => stderr };
    },
  };
}

/** Starts a scheduler process and waits until it runs. */
export async function startSchedulerProcess(options: SchedulerProcessOptions): Promise<SchedulerProcess> {
  return (await prepareSchedulerProcess(options)).go();
}

/** Sends SIGTERM and waits for a clean exit (SIGKILL after `timeoutMs`). */
export async function stopSchedulerProcess(processHandle: SchedulerProcess, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  processHandle.child.kill('SIGTERM');
  const timer = setTimeout(() => processHandle.child.kill('SIGKILL'), timeoutMs);
  try {
    return await processHandle.exited;
  } finally {
    clearTimeout(timer);
  }
}

const OPEN = `('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`;

/**
 * Waits until no call in `schema` is open (every call terminal), checking every 100 ms for at most
 * `timeoutMs`; returns how many are still open at the end (0 on success).
 */
export async function waitUntilAllEnded(pool: pg.Pool, schema: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = Number((await pool.query(`select count(*) as n from "${schema}".calls where status in ${OPEN}`)).rows[0].n);
    if (n === 0 || Date.now() >= deadline) return n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A small seeded random generator (mulberry32), so that a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

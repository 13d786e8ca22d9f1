/**
 * Test-only support shared by the store packages' multi-process tests (store-sqlite, store-postgres):
 * spawning a TypeScript fixture process, waiting for the lines it prints, stopping and killing it.
 * What a fixture does with its store (a SQLite file, a PostgreSQL schema) stays in each package.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How a child process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned TypeScript fixture process. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  readonly id: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /**
   * Resolves when stdout has printed `line`; rejects (and SIGKILLs the process) after `ms`, or
   * rejects when the process exits first.
   */
  waitForLine(line: string, ms: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * Spawns `node --conditions=@call-scheduler/source --import tsx <script> '<json options>'` in `cwd`
 * (the package directory, so that its dependencies resolve), tracked for {@link killAll}.
 */
export function spawnFixtureProcess<O extends { readonly id: string }>(script: string, cwd: string, options: O): FixtureProcess {
  const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', 'tsx', script, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd,
  });
  running.add(child);
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const waitForLine = (line: string, ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = (): boolean => stdout.includes(`${line}\n`);
      if (check()) return resolve();
      const onData = (): void => {
        if (check()) finish(resolve);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() => reject(new Error(`process ${options.id} did not print "${line}" within ${ms} ms; stderr:\n${stderr}`)));
      }, ms);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        then();
      };
      child.stdout?.on('data', onData);
      void exited.then(({ code, signal }) =>
        finish(() => reject(new Error(`process ${options.id} exited (code ${code}, signal ${signal}) before "${line}"; stderr:\n${stderr}`))),
      );
    });
  return { child, id: options.id, exited, stdout: () => stdout, stderr: () => stderr, waitForLine };
}

/** Kills (SIGKILL) every fixture process still running; for `afterEach`. */
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
  go(timeoutMs?: number): Promise<FixtureProcess>;
}

/**
 * Spawns a scheduler fixture (one that runs `runSchedulerFixture` of `./scheduler-fixture.ts`) and
 * waits (at most `timeoutMs`) until it has loaded its code; its scheduler starts only on `go()`.
 * Loading TypeScript takes seconds on a busy machine, so a test prepares the next process while
 * the current one runs.
 */
export async function prepareSchedulerProcess<O extends { readonly id: string }>(script: string, cwd: string, options: O, timeoutMs = 30_000): Promise<PreparedSchedulerProcess> {
  const handle = spawnFixtureProcess(script, cwd, options);
  await handle.waitForLine('loaded', timeoutMs);
  return {
    async go(goTimeoutMs = 10_000) {
      handle.child.stdin?.write('go\n');
      await handle.waitForLine('ready', goTimeoutMs);
      return handle;
    },
  };
}

/** Sends SIGTERM and waits for a clean exit (SIGKILL after `timeoutMs`). */
export async function stopSchedulerProcess(processHandle: Pick<FixtureProcess, 'child' | 'exited'>, timeoutMs = 10_000): Promise<ExitStatus> {
  processHandle.child.kill('SIGTERM');
  const timer = setTimeout(() => processHandle.child.kill('SIGKILL'), timeoutMs);
  try {
    return await processHandle.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The call statuses that are not terminal, as an SQL list, for "is every call ended" checks. */
export const OPEN_STATUSES_SQL = `('scheduled', 'dispatching', 'initiated', 'ringing', 'connected')`;

/**
 * Calls `countOpen` every 100 ms until it answers 0 or `timeoutMs` has passed; returns its last
 * answer (0 on success).
 */
export async function pollUntilNoneOpen(countOpen: () => number | Promise<number>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countOpen();
    if (n === 0 || Date.now() >= deadline) return n;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** {@link prepareSchedulerProcess} and a start that waits until it runs, for one fixture script. */
export interface SchedulerProcessLauncher<O extends { readonly id: string }> {
  /** Spawns the fixture and waits (at most `timeoutMs`) until it has loaded; its scheduler starts on `go()`. */
  prepare(options: O, timeoutMs?: number): Promise<PreparedSchedulerProcess>;
  /** Starts a scheduler process and waits until it runs. */
  start(options: O): Promise<FixtureProcess>;
}

/**
 * The launcher of the scheduler fixture at `script`, a file of `<package>/test/fixtures/`: spawned
 * in the package directory, so that the package's dependencies resolve.
 */
export function schedulerProcessLauncher<O extends { readonly id: string }>(script: URL): SchedulerProcessLauncher<O> {
  const file = fileURLToPath(script);
  const cwd = fileURLToPath(new URL('../..', script));
  const prepare = (options: O, timeoutMs = 30_000): Promise<PreparedSchedulerProcess> => prepareSchedulerProcess(file, cwd, options, timeoutMs);
  return { prepare, start: async (options) => (await prepare(options)).go() };
}

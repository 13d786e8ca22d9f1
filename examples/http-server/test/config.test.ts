import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { tempDir, within } from './support.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('configuration from environment variables', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      callApiUrl: undefined,
      mockCallApiPort: undefined,
      mockTimeFactor: 1,
      databaseFile: undefined,
      apiKey: undefined,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads every variable, and treats empty ones as unset', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        CALL_API_URL: 'http://localhost:5000',
        MOCK_CALL_API_PORT: '5001',
        MOCK_TIME_FACTOR: '0.1',
        DATABASE_FILE: './calls.db',
        API_KEY: 'a-long-enough-key',
        SHUTDOWN_TIMEOUT_MS: '2500',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      callApiUrl: 'http://localhost:5000',
      mockCallApiPort: 5001,
      mockTimeFactor: 0.1,
      databaseFile: './calls.db',
      apiKey: 'a-long-enough-key',
      shutdownTimeoutMs: 2500,
    });
    expect(loadConfig({ PORT: '', CALL_API_URL: ' ', API_KEY: '' })).toMatchObject({ port: 3000, callApiUrl: undefined, apiKey: undefined });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a TCP port number from 0 to 65535, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be a TCP port number from 0 to 65535, got "70000"'],
    [{ PORT: '-1' }, 'PORT must be a TCP port number'],
    [{ HOST: 'my host' }, 'HOST must be a host name or an IP address'],
    [{ CALL_API_URL: 'localhost:5000' }, 'CALL_API_URL must be an http(s) URL'],
    [{ CALL_API_URL: 'ftp://example.com' }, 'CALL_API_URL must be an http(s) URL'],
    [{ MOCK_TIME_FACTOR: '0' }, 'MOCK_TIME_FACTOR must be a positive number'],
    [{ MOCK_TIME_FACTOR: 'fast' }, 'MOCK_TIME_FACTOR must be a positive number, e.g. 1 or 0.1, got "fast"'],
    [{ MOCK_CALL_API_PORT: '5000x' }, 'MOCK_CALL_API_PORT must be a TCP port number'],
    [{ SHUTDOWN_TIMEOUT_MS: '1.5' }, 'SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds'],
  ])('refuses %j with a message that names the variable', (env, message) => {
    const error = configError(env);
    expect(error.message).toContain(`Invalid configuration: ${message}`);
    expect(error.message).not.toContain('\n');
  });

  it('names every bad variable at once, and never echoes the API key', () => {
    const error = configError({ PORT: 'x', API_KEY: 'short', MOCK_TIME_FACTOR: '-2' });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(['API_KEY', 'MOCK_TIME_FACTOR', 'PORT']);
    expect(error.message).toContain('API_KEY must be at least 8 characters');
    expect(error.message).not.toContain('short');
  });
});

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('src/main.ts as a process', () => {
  const children: { kill: () => void }[] = [];
  const dirs: { remove: () => void }[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill();
    for (const dir of dirs.splice(0)) dir.remove();
  });

  function run(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', 'tsx', join('src', 'main.ts')], {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push({ kill: () => child.kill('SIGKILL') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, out: () => stdout, err: () => stderr };
  }

  it('exits with code 1 and one clear line for a bad value', async () => {
    const proc = run({ PORT: 'abc' });
    const code = await within(30_000, 'the process to exit', proc.exited);
    expect(code).toBe(1);
    expect(proc.err().trim()).toBe('Invalid configuration: PORT must be a TCP port number from 0 to 65535, got "abc"');
  });

  it('prints the URL, serves, and shuts down cleanly on SIGTERM', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const proc = run({ PORT: '0', DATABASE_FILE: join(dir.path, 'calls.sqlite'), MOCK_TIME_FACTOR: '0.05' });
    const url = await within(
      30_000,
      'the URL to be printed',
      new Promise<string>((resolve, reject) => {
        proc.child.stdout.on('data', () => {
          const match = /running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(proc.out());
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        void proc.exited.then((code) => reject(new Error(`exited with ${code}: ${proc.err()}`)));
      }),
    );
    const health = await fetch(`${url}api/health`);
    expect(health.status).toBe(200);
    proc.child.kill('SIGTERM');
    expect(await within(20_000, 'the process to stop', proc.exited)).toBe(0);
    expect(proc.out()).toContain('SIGTERM: shutting down');
    expect(proc.out()).toContain('Stopped.');
    expect(proc.err()).toBe('');
  });

  it('shuts down when the npm process that started it is killed (npm does not pass SIGTERM on)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    // What `npm start` does: a shell runs the server as its child; killing the shell orphans the server.
    const command = `"${process.execPath}" --conditions=@call-scheduler/source --import tsx src/main.ts`;
    const shell = spawn('/bin/sh', ['-c', command], {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATABASE_FILE: join(dir.path, 'calls.sqlite'), npm_lifecycle_event: 'start' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    shell.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const url = await within(
      30_000,
      'the URL to be printed',
      new Promise<string>((resolve) => {
        shell.stdout.on('data', () => {
          const match = /running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
      }),
    );
    // The shell leads its own process group, so that cleanup can reach the server too.
    children.push({ kill: () => killGroup(shell.pid) });
    expect((await fetch(`${url}api/health`)).status).toBe(200);
    const closed = new Promise<void>((resolve) => shell.stdout.on('close', () => resolve()));
    shell.kill('SIGKILL'); // the shell goes; the server is now an orphan
    // The server's stdout is the same pipe: it closes when the server has exited.
    await within(15_000, 'the orphaned server to shut down', closed);
    expect(out).toContain('The npm process that started the server is gone: shutting down');
    expect(out).toContain('Stopped.');
    await expect(fetch(`${url}api/health`)).rejects.toThrow();
  });
});

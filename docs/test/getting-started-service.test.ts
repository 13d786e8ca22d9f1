import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

// The getting-started service (docs/snippets/getting-started/main.ts) as its own process: it books
// a reminder, keeps running, and stops cleanly on Ctrl+C (SIGINT) as on a process manager's
// SIGTERM. A second run returns the same reminder. (scripts/check-packages.mjs runs the same guide
// from the packed packages in an `npm init -y` folder; this runs it from the sources, in seconds.)
const main = path.resolve(import.meta.dirname, '../snippets/getting-started/main.ts');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'getting-started-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Stopped {
  readonly reminder: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the service, waits (bounded) for its reminder line, sends `signal` twice, waits (bounded) for the exit. */
function runUntil(signal: NodeJS.Signals): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', tsxLoader, main], {
      cwd: dir,
      // Nothing is dialed: the reminder is due in two days. The port is never used.
      env: { ...process.env, CALL_API_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let reminder: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no clean stop within 30 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^reminder (\S+) due at \S+$/m.exec(stdout);
      if (match !== null && reminder === undefined) {
        reminder = match[1]!;
        // Twice, as a terminal's Ctrl+C reaches the program once itself and once more passed on by
        // npx/tsx: the repeat must not cut the clean stop short.
        child.kill(signal);
        setTimeout(() => child.kill(signal), 20);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ reminder: reminder ?? '', code, signal: exitSignal, stdout, stderr });
    });
  });
}

it('stops cleanly on Ctrl+C (SIGINT) and on SIGTERM, and books one reminder across runs', async () => {
  const first = await runUntil('SIGINT');
  expect(first, first.stderr).toMatchObject({ code: 0, signal: null, stderr: '' });
  expect(first.stdout).toContain('SIGINT: stopping');
  expect(first.reminder).not.toBe('');
  expect(existsSync(path.join(dir, 'calls.db'))).toBe(true);
  expect(existsSync(path.join(dir, 'calls.db-wal'))).toBe(false); // the store was closed, not killed

  const second = await runUntil('SIGTERM');
  expect(second, second.stderr).toMatchObject({ code: 0, signal: null, stderr: '' });
  expect(second.stdout).toContain('SIGTERM: stopping');
  expect(second.reminder).toBe(first.reminder);
}, 70_000);

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** How a snippet program ended. */
export interface SnippetRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs a TypeScript snippet as its own Node process, the way a user runs it (`tsx file.ts`), with
 * the workspace's `source` condition so that `@call-scheduler/*` resolve to their sources. The
 * process is killed after `timeoutMs`.
 */
export function runSnippet(file: string, options: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<SnippetRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', tsxLoader, file], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

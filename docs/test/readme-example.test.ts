import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMockCallApi, type MockCallApi } from '@call-scheduler/mock-call-api';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runSnippet } from './support/run-snippet.js';

// The README's embedding example, run as its own program for real: real clock, real HTTP to the
// project's mock of the Call API (its 10 s call shortened to 0.5 s), and a real SQLite file in a
// temporary directory.
const example = path.resolve(import.meta.dirname, '../snippets/readme-example.ts');

let mock: MockCallApi;
let dir: string;
beforeEach(async () => {
  mock = await createMockCallApi({ timeFactor: 0.05 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'readme-example-'));
});
afterEach(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

it('dials now, prints every status, and exits once the call has completed', async () => {
  const run = await runSnippet(example, { cwd: dir, env: { CALL_API_URL: mock.url }, timeoutMs: 30_000 });
  expect(run.timedOut, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(false);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toBe('+14155550123 is initiated');
  expect(lines.at(-1)).toBe('+14155550123 is completed');
  expect(mock.dialsTo('+14155550123')).toHaveLength(1);
  expect(existsSync(path.join(dir, 'calls.db'))).toBe(true);
}, 40_000);

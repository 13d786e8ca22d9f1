import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMockCallApi } from '../src/index.js';
import { ended, startRig } from './e2e-helpers.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Resources that would keep a process alive: timers, sockets, servers. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (['Timeout', 'TCPSocketWrap', 'TCPServerWrap', 'Immediate'].includes(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('nothing is left open', () => {
  it('after scheduler.stop() and mock.close(), no timer, socket or server of theirs remains (in process)', async () => {
    await turns(5);
    const before = handles();
    const rig = await startRig({ mock: { latencyMs: 5 } });
    const first = await rig.scheduler.schedule({ to: '+14155550501' });
    const second = await rig.scheduler.schedule({ to: '+14155550502' });
    const done = await Promise.all([ended(rig.scheduler, first.id), ended(rig.scheduler, second.id)]);
    expect(done.map((c) => c.status)).toEqual(['completed', 'completed']);
    // A third call is live (being polled) when everything is stopped.
    const third = await rig.scheduler.schedule({ to: '+14155550503' });
    await new Promise<void>((resolve) =>
      rig.scheduler.on('call:status', ({ call, status }) => {
        if (call.id === third.id && status === 'ringing') resolve();
      }),
    );
    expect(handles()).not.toEqual(before);
    await rig.close();
    // Nothing more than before (the test runner's own handles may come and go).
    const extra = (): Record<string, number> => {
      const now = handles();
      return Object.fromEntries(Object.entries(now).filter(([name, count]) => count > (before[name] ?? 0)));
    };
    // Closed sockets leave the list a few event-loop turns later; allow up to 3 s on a busy machine.
    const deadline = performance.now() + 3_000;
    while (Object.keys(extra()).length > 0 && performance.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
    }
    expect(extra()).toEqual({});
  }, 30_000); // real HTTP and real time: bounded, with room for a loaded CI machine

  it('a process that ran a scheduler against the mock exits by itself after stop()', async () => {
    const mock = await createMockCallApi({ timeFactor: 0.1 });
    try {
      const child = spawn(process.execPath, ['--conditions=@call-scheduler/source', '--import', 'tsx', 'test/fixtures/scheduler-child.ts'], {
        cwd: PACKAGE_DIR,
        env: { ...process.env, MOCK_URL: mock.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let doneAt = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (doneAt === 0 && stdout.includes('"done":true')) doneAt = performance.now();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const bound = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the child did not exit within 30 s; stdout: ${stdout}; stderr: ${stderr}`));
        }, 30_000);
        child.on('exit', (exitCode) => {
          clearTimeout(bound);
          resolve(exitCode);
        });
      });
      const lingerMs = performance.now() - doneAt;
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('"done":true');
      console.log(`[no-leaks] the child exited ${Math.round(lingerMs)} ms after stop() returned`);
      // Idle keep-alive sockets to the (still running) mock must not hold the process open.
      expect(lingerMs).toBeLessThan(2_000);
      expect(mock.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    } finally {
      await mock.close();
    }
  }, 40_000);
});

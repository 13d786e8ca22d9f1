import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { CaseContext } from './types.js';

/** Starts the V8 CPU profiler in this process; the returned function stops it and writes `file`. */
export async function startProfiler(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 250 µs between samples: enough to see statements that take tens of microseconds.
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
  };
}

/**
 * Runs `fn` under the V8 CPU profiler when the case was given `--param.profile=<file>` (the
 * orchestrator does that for cases marked `profile`), and writes the `.cpuprofile` there. Only
 * the measured part is profiled: not the start-up, module loading or preparation.
 */
export async function profiled<T>(context: CaseContext, fn: () => Promise<T>): Promise<T> {
  const file = context.params.profile;
  if (file === undefined) return fn();
  const stop = await startProfiler(file);
  try {
    return await fn();
  } finally {
    await stop();
  }
}

#!/usr/bin/env node
// `npm run bench [-- --quick [--peers]] [-- --only=on-time,burst]`: starts the orchestrator (TypeScript,
// through tsx with the workspace packages' `@call-scheduler/source` condition) and passes its exit code on.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const child = spawn(
  process.execPath,
  ['--conditions=@call-scheduler/source', '--import', 'tsx', join(here, 'orchestrator.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: join(here, '..') },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/**
 * Runs one case of one scenario in this (fresh) process and writes its result as JSON:
 *
 *   node --conditions=@call-scheduler/source --import tsx bench/case.ts --scenario=on-time --case=timer \
 *     --tmp=/tmp/dir --out=/tmp/dir/result.json [--quick] [--param.name=value ...]
 *
 * The orchestrator (`bench/orchestrator.ts`) starts it; run it by hand to debug one case.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, required } from './lib/cli.js';
import type { CaseContext, CaseFn } from './lib/types.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const scenario = required(args, 'scenario');
  const name = required(args, 'case');
  const out = required(args, 'out');
  if (!/^[a-z0-9-]+$/.test(scenario)) throw new Error(`bad --scenario ${scenario}`);
  const params: Record<string, string> = {};
  for (const [key, value] of args) if (key.startsWith('param.')) params[key.slice('param.'.length)] = value;
  const moduleUrl = pathToFileURL(new URL(`./scenarios/${scenario}/cases.ts`, import.meta.url).pathname).href;
  const mod = (await import(moduleUrl)) as { cases?: Record<string, CaseFn> };
  const fn = mod.cases?.[name];
  if (fn === undefined) throw new Error(`scenario ${scenario} has no case ${name} (has: ${Object.keys(mod.cases ?? {}).join(', ')})`);
  const context: CaseContext = {
    quick: args.get('quick') === 'true',
    tmpDir: required(args, 'tmp'),
    params,
    log: (message) => process.stderr.write(`[${scenario}/${name}] ${message}\n`),
  };
  const result = await fn(context);
  writeFileSync(out, JSON.stringify(result));
}

main().then(
  // Exit at once: a case must not be kept alive by a handle it forgot (the orchestrator would time it out).
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

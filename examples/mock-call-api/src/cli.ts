#!/usr/bin/env node
import process from 'node:process';
import { CLI_USAGE, parseMockCliArgs } from './cli-args.js';
import { createMockCallApi } from './mock-call-api.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseMockCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`mock-call-api: ${(error as Error).message}\n\n${CLI_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (config.help) {
    process.stdout.write(CLI_USAGE);
    return;
  }
  const mock = await createMockCallApi(config.options);
  const active = Object.entries(mock.faults)
    .filter(([key, value]) => {
      const base = { latencyMs: 0, errorRate: 0, rateLimitPerSecond: 0, hangRate: 0, hang: false, loseAnswerRate: 0, honorIdempotencyKey: false };
      return key in base ? value !== base[key as keyof typeof base] : key === 'outcomes' && (value as unknown[]).length > 0;
    })
    .map(([key, value]) => `${key}=${key === 'outcomes' ? (value as { match: unknown; outcome: string }[]).map((r) => `${String(r.match)}→${r.outcome}`).join(',') : String(value)}`);
  process.stdout.write(`Mock Call API listening on ${mock.url}\n`);
  if (config.options.timeFactor !== undefined) process.stdout.write(`time factor ${config.options.timeFactor}\n`);
  if (active.length > 0) process.stdout.write(`faults: ${active.join(' ')}\n`);
  const stop = (): void => {
    mock.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`mock-call-api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

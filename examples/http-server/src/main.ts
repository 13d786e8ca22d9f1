import process from 'node:process';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { startServer, type RunningServer } from './server.js';

/** Extra time past the shutdown timeout before the process gives up waiting and exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function printBanner(config: ServerConfig, running: RunningServer): void {
  const api = `${running.url}api`;
  const callApi =
    running.mock === undefined
      ? `${running.callApiUrl} (CALL_API_URL)`
      : `${running.callApiUrl} (bundled mock, time factor ${config.mockTimeFactor})`;
  process.stdout.write(
    [
      `Call Scheduler example server running at ${running.url}`,
      `  API       ${api}  (OpenAPI document at ${api}/openapi.json)`,
      `  Call API  ${callApi}`,
      `  database  ${config.databaseUrl !== undefined ? 'PostgreSQL (DATABASE_URL)' : running.databaseFile}`,
      ...(config.apiKey === undefined ? [] : ['  API key   required in the x-api-key header (the page asks for it)']),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : `Invalid configuration: ${describe(error)}`);
    return;
  }

  let running: RunningServer;
  try {
    // npm runs workspace scripts in the package folder; INIT_CWD is where the command was typed.
    running = await startServer(config, { cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    fail(describe(error).startsWith('Cannot start') ? describe(error) : `Cannot start the server: ${describe(error)}`);
    return;
  }
  printBanner(config, running);

  let stopping = false;
  let watch: NodeJS.Timeout | undefined;
  const shutdown = (reason: string): void => {
    if (stopping) {
      process.stderr.write(`${reason} again: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    clearInterval(watch);
    process.stdout.write(`${reason}: shutting down (in-flight dials get up to ${config.shutdownTimeoutMs} ms)…\n`);
    const force = setTimeout(() => {
      process.stderr.write('Shutdown did not finish in time; exiting anyway\n');
      process.exit(1);
    }, config.shutdownTimeoutMs + SHUTDOWN_GRACE_MS);
    force.unref();
    running.close().then(
      () => {
        process.stdout.write('Stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${describe(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  // Under `npm start`, a SIGTERM sent to npm ends npm and the shell it runs the script in, but
  // not this process. So that the server does not linger on its port, it shuts down (gracefully)
  // when the process that started it is gone. Ctrl+C reaches this process directly.
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid;
    watch = setInterval(() => {
      if (process.ppid !== parent && !stopping) shutdown('The npm process that started the server is gone');
    }, 1_000);
    watch.unref();
  }
}

main().catch((error: unknown) => {
  fail(`Unexpected error: ${describe(error)}`);
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMockCliArgs } from '../src/index.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('parseMockCliArgs', () => {
  it('defaults to the reference server: port 5000 on 127.0.0.1, no faults', () => {
    expect(parseMockCliArgs([])).toEqual({ options: { port: 5000, host: '127.0.0.1' }, help: false });
  });

  it('reads every flag', () => {
    const { options } = parseMockCliArgs([
      '--port=0',
      '--host',
      '0.0.0.0',
      '--time-factor',
      '0.05',
      '--latency',
      '20',
      '--error-rate',
      '0.1',
      '--error-statuses',
      '502,503',
      '--rate-limit',
      '1',
      '--retry-after-format',
      'date',
      '--hang-rate',
      '0.01',
      '--hang',
      '--lose-answer-rate',
      '0.2',
      '--honor-idempotency-key',
      '--outcome',
      '0002=busy',
      '--outcome',
      '/^\\+44/=no-answer',
      '--fault-methods',
      'post',
      '--seed',
      '42',
    ]);
    expect(options).toEqual({
      port: 0,
      host: '0.0.0.0',
      timeFactor: 0.05,
      latencyMs: 20,
      errorRate: 0.1,
      errorStatuses: [502, 503],
      rateLimitPerSecond: 1,
      retryAfterFormat: 'date',
      hangRate: 0.01,
      hang: true,
      loseAnswerRate: 0.2,
      honorIdempotencyKey: true,
      outcomes: [
        { match: '0002', outcome: 'busy' },
        { match: /^\+44/, outcome: 'no-answer' },
      ],
      faultMethods: ['POST'],
      seed: 42,
    });
  });

  it('reads the environment, and a flag wins over its variable', () => {
    const { options } = parseMockCliArgs(['--port', '6000'], {
      PORT: '7000',
      HOST: '::1',
      TIME_FACTOR: '0.5',
      ERROR_RATE: '0.3',
      HONOR_IDEMPOTENCY_KEY: '1',
      HANG: 'false',
      OUTCOMES: '0003=failed,0004=ring-forever',
    });
    expect(options).toMatchObject({
      port: 6000,
      host: '::1',
      timeFactor: 0.5,
      errorRate: 0.3,
      honorIdempotencyKey: true,
      hang: false,
      outcomes: [
        { match: '0003', outcome: 'failed' },
        { match: '0004', outcome: 'ring-forever' },
      ],
    });
  });

  it('names the flag at fault', () => {
    expect(() => parseMockCliArgs(['--error-rate', '2'])).toThrow(/--error-rate must be a number from 0 to 1/);
    expect(() => parseMockCliArgs(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseMockCliArgs(['--time-factor', '0'])).toThrow(/--time-factor/);
    expect(() => parseMockCliArgs(['--outcome', '0002=maybe'])).toThrow(/--outcome outcome must be one of/);
    expect(() => parseMockCliArgs(['--outcome', 'busy'])).toThrow(/pattern=outcome/);
    expect(() => parseMockCliArgs(['--retry-after-format', 'ms'])).toThrow(/--retry-after-format/);
    expect(() => parseMockCliArgs(['--fault-methods', 'PUT'])).toThrow(/--fault-methods/);
    expect(() => parseMockCliArgs(['--nope'])).toThrow(/nope/);
  });
});

describe('the mock-call-api command', () => {
  it('prints its URL, serves the API and exits on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--time-factor', '0.1'], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, PORT: '', HOST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const bound = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /Mock Call API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
      });
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'healthy' });
      const created = await fetch(`${url}/api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: '+14155550123' }),
      });
      expect(created.status).toBe(201);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(bound);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('exits with status 2 and the usage on a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--error-rate', '7'], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const bound = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(bound);
    expect(code).toBe(2);
    expect(stderr).toContain('--error-rate must be a number from 0 to 1');
    expect(stderr).toContain('Usage: mock-call-api');
  }, 30_000);
});

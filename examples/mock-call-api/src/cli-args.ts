import { parseArgs } from 'node:util';
import { MOCK_OUTCOMES, type MockOutcome } from './call-timeline.js';
import type { FaultMethod, MockCallApiOptions, OutcomeRule } from './mock-options.js';

/** What the command line asked for. */
export interface MockCliConfig {
  /** Options for `createMockCallApi()`. */
  readonly options: MockCallApiOptions;
  /** `--help` was given. */
  readonly help: boolean;
}

/** The `--help` text: every flag and its environment variable. */
export const CLI_USAGE = `Usage: mock-call-api [flags]

A mock of the Call API (docs/call-api.md). With no flags it behaves exactly like the reference server.
Every flag can also be set by the environment variable in brackets; a flag wins over the variable.

  --port <n>                 port to listen on; 0 picks a free one           [PORT] (default 5000)
  --host <addr>              interface to bind                               [HOST] (default 127.0.0.1)
  --time-factor <x>          scale the 2 s / 5 s / 10 s progression          [TIME_FACTOR] (default 1)
  --latency <ms>             delay every /api answer                         [LATENCY_MS] (default 0)
  --error-rate <0..1>        share of /api requests answered 500/503         [ERROR_RATE] (default 0)
  --error-statuses <list>    statuses for --error-rate, e.g. 500,502,503     [ERROR_STATUSES] (default 500,503)
  --rate-limit <n>           dials per second before 429 + Retry-After       [RATE_LIMIT_PER_SECOND] (default 0 = none)
  --retry-after-format <f>   'seconds' or 'date'                             [RETRY_AFTER_FORMAT] (default seconds)
  --hang-rate <0..1>         share of /api requests never answered           [HANG_RATE] (default 0)
  --hang                     never answer any /api request                   [HANG=1]
  --lose-answer-rate <0..1>  share of dials that create the call, then drop  [LOSE_ANSWER_RATE] (default 0)
                             the connection before answering
  --honor-idempotency-key    same Idempotency-Key gives the same call        [HONOR_IDEMPOTENCY_KEY=1]
  --outcome <pattern=outcome>  numbers ending in pattern (or matching        [OUTCOMES, comma-separated]
                             /regex/) end as busy, no-answer, failed,
                             ring-forever, talk-forever or completed; repeatable
  --fault-methods <list>     methods that latency/errors/hangs apply to      [FAULT_METHODS] (default GET,POST)
  --seed <n>                 seed of the fault generator                     [SEED] (default 1)
  --help                     show this text
`;

function fail(field: string, message: string): never {
  throw new TypeError(`${field} ${message}`);
}

function number(field: string, text: string | undefined, check: (n: number) => boolean, rule: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) fail(field, `${rule}, got ${JSON.stringify(text)}`);
  return value;
}

function flag(text: string | boolean | undefined): boolean | undefined {
  if (typeof text === 'boolean') return text;
  if (text === undefined || text === '') return undefined;
  return !['0', 'false', 'no', 'off'].includes(text.toLowerCase());
}

/** Parses one `pattern=outcome` rule; `/regex/flags=outcome` gives a RegExp. */
export function parseOutcomeRule(text: string): OutcomeRule {
  const at = text.lastIndexOf('=');
  if (at <= 0) fail('--outcome', `must be pattern=outcome, got ${JSON.stringify(text)}`);
  const pattern = text.slice(0, at).trim();
  const outcome = text.slice(at + 1).trim() as MockOutcome;
  if (!MOCK_OUTCOMES.includes(outcome)) fail('--outcome', `outcome must be one of ${MOCK_OUTCOMES.join(', ')}, got ${JSON.stringify(outcome)}`);
  const regex = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regex !== null) {
    try {
      return { match: new RegExp(regex[1] ?? '', regex[2]), outcome };
    } catch (error) {
      fail('--outcome', `has a bad regular expression: ${(error as Error).message}`);
    }
  }
  return { match: pattern, outcome };
}

/**
 * Reads the command line and the environment into `createMockCallApi()` options. Throws a
 * `TypeError` naming the flag at fault.
 */
export function parseMockCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): MockCliConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'time-factor': { type: 'string' },
      latency: { type: 'string' },
      'error-rate': { type: 'string' },
      'error-statuses': { type: 'string' },
      'rate-limit': { type: 'string' },
      'retry-after-format': { type: 'string' },
      'hang-rate': { type: 'string' },
      hang: { type: 'boolean' },
      'lose-answer-rate': { type: 'string' },
      'honor-idempotency-key': { type: 'boolean' },
      outcome: { type: 'string', multiple: true },
      'fault-methods': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const pick = (name: string, variable: string): string | undefined => {
    const value = (values[name as keyof typeof values] as string | undefined) ?? env[variable];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const share = (name: string, variable: string): number | undefined =>
    number(`--${name}`, pick(name, variable), (n) => n >= 0 && n <= 1, 'must be a number from 0 to 1');

  const options: Record<string, unknown> = {
    port: number('--port', pick('port', 'PORT'), (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'must be a port 0..65535') ?? 5000,
    host: pick('host', 'HOST') ?? '127.0.0.1',
    timeFactor: number('--time-factor', pick('time-factor', 'TIME_FACTOR'), (n) => n > 0, 'must be a positive number'),
    latencyMs: number('--latency', pick('latency', 'LATENCY_MS'), (n) => n >= 0, 'must be a non-negative number of ms'),
    errorRate: share('error-rate', 'ERROR_RATE'),
    rateLimitPerSecond: number('--rate-limit', pick('rate-limit', 'RATE_LIMIT_PER_SECOND'), (n) => n >= 0, 'must be a non-negative number'),
    hangRate: share('hang-rate', 'HANG_RATE'),
    loseAnswerRate: share('lose-answer-rate', 'LOSE_ANSWER_RATE'),
    hang: flag(values.hang ?? env.HANG),
    honorIdempotencyKey: flag(values['honor-idempotency-key'] ?? env.HONOR_IDEMPOTENCY_KEY),
    seed: number('--seed', pick('seed', 'SEED'), Number.isInteger, 'must be an integer'),
  };
  const format = pick('retry-after-format', 'RETRY_AFTER_FORMAT');
  if (format !== undefined) {
    if (format !== 'seconds' && format !== 'date') fail('--retry-after-format', `must be seconds or date, got ${JSON.stringify(format)}`);
    options.retryAfterFormat = format;
  }
  const statuses = pick('error-statuses', 'ERROR_STATUSES');
  if (statuses !== undefined) {
    options.errorStatuses = statuses.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 500 || n > 599) fail('--error-statuses', `must be 5xx statuses, got ${JSON.stringify(s)}`);
      return n;
    });
  }
  const methods = pick('fault-methods', 'FAULT_METHODS');
  if (methods !== undefined) {
    options.faultMethods = methods.split(',').map((m): FaultMethod => {
      const method = m.trim().toUpperCase();
      if (method !== 'GET' && method !== 'POST') fail('--fault-methods', `must list GET and/or POST, got ${JSON.stringify(m)}`);
      return method;
    });
  }
  const rules = values.outcome ?? (env.OUTCOMES === undefined || env.OUTCOMES === '' ? [] : env.OUTCOMES.split(','));
  if (rules.length > 0) options.outcomes = rules.map(parseOutcomeRule);
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return { options: options, help: values.help ?? false };
}

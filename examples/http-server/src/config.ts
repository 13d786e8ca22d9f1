import { z } from 'zod';

/** The example server's settings, read from environment variables by {@link loadConfig}. */
export interface ServerConfig {
  /** `PORT`: where the server listens; `0` picks a free port. @default 3000 */
  readonly port: number;
  /** `HOST`: the interface to bind. @default '127.0.0.1' */
  readonly host: string;
  /** `CALL_API_URL`: the Call API to dial through; unset starts the bundled mock in-process. */
  readonly callApiUrl: string | undefined;
  /** `MOCK_CALL_API_PORT`: the bundled mock's port (only without `CALL_API_URL`). @default a free port */
  readonly mockCallApiPort: number | undefined;
  /** `MOCK_TIME_FACTOR`: scales the mock's 2 s / 5 s / 10 s call progression. @default 1 */
  readonly mockTimeFactor: number;
  /** `DATABASE_FILE`: the SQLite file. @default `data/calls.sqlite` in the package folder */
  readonly databaseFile: string | undefined;
  /** `DATABASE_URL`: a `postgres://` URL; when set, calls are stored in PostgreSQL (`PostgresStore`) instead of the SQLite file. */
  readonly databaseUrl?: string | undefined;
  /** `API_KEY`: when set, every `/api` request needs it in the `x-api-key` header. */
  readonly apiKey: string | undefined;
  /** `SHUTDOWN_TIMEOUT_MS`: how long a shutdown lets in-flight dials finish. @default 10000 */
  readonly shutdownTimeoutMs: number;
}

/** A configuration that cannot be used; its message is one line naming every variable at fault. */
export class ConfigError extends Error {
  /** One entry per bad variable: `{ variable, message }`. */
  readonly issues: readonly { readonly variable: string; readonly message: string }[];

  constructor(issues: readonly { readonly variable: string; readonly message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable} ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** An environment value: an empty or blank string counts as unset. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const port = (what: string) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, { message: `must be a ${what} port number from 0 to 65535` })
      .transform(Number)
      .pipe(z.number().max(65_535, { message: `must be a ${what} port number from 0 to 65535` }))
      .optional(),
  );

const httpUrl = optionalText.pipe(
  z
    .string()
    .refine(
      (text) => {
        try {
          const url = new URL(text);
          return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
        } catch {
          return false;
        }
      },
      { message: 'must be an http(s) URL without a query, e.g. http://localhost:5000' },
    )
    .optional(),
);

/** The zod schema of the environment variables the server reads (unknown variables are ignored). */
export const envSchema = z.object({
  PORT: port('TCP').transform((value) => value ?? 3000),
  HOST: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, { message: 'must be a host name or an IP address, e.g. 127.0.0.1' })
      .optional()
      .transform((value) => value ?? '127.0.0.1'),
  ),
  CALL_API_URL: httpUrl,
  MOCK_CALL_API_PORT: port('TCP'),
  MOCK_TIME_FACTOR: optionalText.pipe(
    z
      .string()
      .regex(/^\d*\.?\d+(?:e-?\d+)?$/i, { message: 'must be a positive number, e.g. 1 or 0.1' })
      .transform(Number)
      .pipe(z.number().positive({ message: 'must be a positive number, e.g. 1 or 0.1' }).max(1000, { message: 'must be at most 1000' }))
      .optional()
      .transform((value) => value ?? 1),
  ),
  DATABASE_FILE: optionalText,
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL, e.g. postgres://user@localhost:5432/calls' })
      .optional(),
  ),
  API_KEY: optionalText.pipe(z.string().min(8, { message: 'must be at least 8 characters' }).optional()),
  SHUTDOWN_TIMEOUT_MS: optionalText.pipe(
    z
      .string()
      .regex(/^\d{1,7}$/, { message: 'must be a whole number of milliseconds from 0 to 3600000' })
      .transform(Number)
      .pipe(z.number().max(3_600_000, { message: 'must be a whole number of milliseconds from 0 to 3600000' }))
      .optional()
      .transform((value) => value ?? 10_000),
  ),
});

/**
 * Reads and checks the configuration from `env` (usually `process.env`). Throws a
 * {@link ConfigError} whose one-line message names every bad variable and the value it got.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const raw = env[variable];
      const shown = variable === 'API_KEY' || raw === undefined ? '' : `, got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)}`;
      return { variable, message: `${issue.message}${shown}` };
    });
    throw new ConfigError(issues);
  }
  const data = result.data;
  return Object.freeze({
    port: data.PORT,
    host: data.HOST,
    callApiUrl: data.CALL_API_URL,
    mockCallApiPort: data.MOCK_CALL_API_PORT,
    mockTimeFactor: data.MOCK_TIME_FACTOR,
    databaseFile: data.DATABASE_FILE,
    databaseUrl: data.DATABASE_URL,
    apiKey: data.API_KEY,
    shutdownTimeoutMs: data.SHUTDOWN_TIMEOUT_MS,
  });
}

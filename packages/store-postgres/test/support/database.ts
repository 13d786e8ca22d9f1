import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** The database of the tests: `PG_TEST_URL`, or the local server's `test` database. */
export const TEST_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START =
  'The PostgreSQL tests need a server. Start the local one with\n' +
  '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
  `or point PG_TEST_URL at another database (tried ${TEST_URL}).`;

/** A schema name no other test uses. */
export function randomSchema(prefix = 'cs_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Fails with how to start a server when none answers at {@link TEST_URL}. */
export async function assertDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`${HOW_TO_START}\n(${error instanceof Error ? error.message : String(error)})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The test database of one test file (see {@link useTestDatabase}). */
export interface TestDatabase {
  /** The file's shared pool. */
  pool(): pg.Pool;
  /** A second pool (at most 4 connections), as another host would have its own: for a peer handle. */
  peerPool(): pg.Pool;
  /** A new schema name, dropped after the file's tests. */
  schema(prefix?: string): string;
}

/**
 * For one test file: checks the server in `beforeAll`, gives a shared pool and a peer pool, and
 * drops in `afterAll` every schema handed out by `schema()`.
 */
export function useTestDatabase(): TestDatabase {
  let pools: { readonly main: pg.Pool; readonly peer: pg.Pool } | undefined;
  const schemas: string[] = [];
  const newPool = (max: number): pg.Pool => new pg.Pool({ connectionString: TEST_URL, max }).on('error', () => undefined);
  beforeAll(async () => {
    await assertDatabase();
    pools = { main: newPool(8), peer: newPool(4) };
  });
  afterAll(async () => {
    if (pools === undefined) return;
    for (const name of schemas) await pools.main.query(`drop schema if exists "${name}" cascade`);
    await Promise.all([pools.main.end(), pools.peer.end()]);
  });
  const opened = (): NonNullable<typeof pools> => {
    if (pools === undefined) throw new Error('useTestDatabase: the pools exist only inside tests');
    return pools;
  };
  return {
    pool: () => opened().main,
    peerPool: () => opened().peer,
    schema(prefix) {
      const name = randomSchema(prefix);
      schemas.push(name);
      return name;
    },
  };
}

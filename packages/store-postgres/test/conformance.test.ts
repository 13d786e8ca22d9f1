import { testCallStore } from '@call-scheduler/core/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { TEST_URL, useTestDatabase } from './support/database.js';

// A fresh schema per test on one shared pool; every schema is dropped at the end. The peer handle
// uses a pool of its own, as another host would.
const db = useTestDatabase();
let peerPool: pg.Pool;
beforeAll(() => {
  peerPool = new pg.Pool({ connectionString: TEST_URL, max: 4 });
  peerPool.on('error', () => undefined);
});
afterAll(async () => {
  await peerPool.end();
});
testCallStore(() => new PostgresStore({ pool: db.pool(), schema: db.schema('cs_conf') }), {
  openPeer: (store) => new PostgresStore({ pool: peerPool, schema: (store as PostgresStore).schema }),
});

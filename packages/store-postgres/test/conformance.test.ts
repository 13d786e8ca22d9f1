import { testCallStore } from '@call-scheduler/core/testing';
import { describe } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { useTestDatabase } from './support/database.js';

// A fresh schema per test on one shared pool; every schema is dropped at the end. The peer handle
// uses a pool of its own, as another host would.
const db = useTestDatabase();
testCallStore(() => new PostgresStore({ pool: db.pool(), schema: db.schema('cs_conf') }), {
  openPeer: (store) => new PostgresStore({ pool: db.peerPool(), schema: (store as PostgresStore).schema }),
});

// Every statement unnamed (behind PgBouncer in transaction mode), beside a peer that names its own.
describe('preparedStatements: false', () => {
  testCallStore(() => new PostgresStore({ pool: db.pool(), schema: db.schema('cs_conf'), preparedStatements: false }), {
    openPeer: (store) => new PostgresStore({ pool: db.peerPool(), schema: (store as PostgresStore).schema }),
  });
});

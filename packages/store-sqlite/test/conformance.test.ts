import { testCallStore } from '@call-scheduler/core/testing';
import { afterAll } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

// A fresh file per test, all in one temporary directory that is removed at the end. The peer is a
// second connection on the same file (`peer: true`), so the claim-race, fencing, per-number and
// event-cursor tests run through two connections.
const dir = tempDir('store-sqlite-conformance-');
let n = 0;
let file = '';
afterAll(() => dir.remove());
testCallStore(
  () => {
    file = dir.file(`conformance-${++n}.db`);
    return new SqliteStore({ filename: file });
  },
  { openPeer: () => new SqliteStore({ filename: file, peer: true }) },
);

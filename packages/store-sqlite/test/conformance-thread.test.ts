import { testCallStore } from '@call-scheduler/core/testing';
import { afterAll } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

// The whole contract again with `thread: 'worker'`: every operation crosses to the store thread
// and back (arguments, results and errors through structured clone). The peer is a second store
// thread on the same file, so the claim-race, fencing, per-number and event-cursor tests run
// through two connections on two threads.
const dir = tempDir('store-sqlite-conformance-thread-');
let n = 0;
let file = '';
afterAll(() => dir.remove());
testCallStore(
  () => {
    file = dir.file(`conformance-thread-${++n}.db`);
    return new SqliteStore({ filename: file, thread: 'worker' });
  },
  { openPeer: () => new SqliteStore({ filename: file, thread: 'worker' }) },
);

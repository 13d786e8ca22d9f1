import { testCallStore } from '@call-scheduler/core/testing';
import { afterAll } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './support/temp-files.js';

// A fresh file per test, all in one temporary directory that is removed at the end.
const dir = tempDir('store-sqlite-conformance-');
let n = 0;
afterAll(() => dir.remove());
testCallStore(() => new SqliteStore({ filename: dir.file(`conformance-${++n}.db`) }));

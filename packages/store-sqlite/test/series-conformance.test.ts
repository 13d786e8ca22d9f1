import { testSeriesStore } from '@call-scheduler/core/testing';
import { SqliteStore } from '../src/index.js';

testSeriesStore(() => new SqliteStore({ filename: ':memory:' }), { name: 'SeriesStore conformance (SqliteStore)' });

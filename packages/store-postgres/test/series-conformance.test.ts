import { testSeriesStore } from '@call-scheduler/core/testing';
import { PostgresStore } from '../src/index.js';
import { useTestDatabase } from './support/database.js';

const db = useTestDatabase();
testSeriesStore(() => new PostgresStore({ pool: db.pool(), schema: db.schema('cs_series') }), { name: 'SeriesStore conformance (PostgresStore)' });

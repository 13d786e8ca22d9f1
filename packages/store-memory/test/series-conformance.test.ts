import { testSeriesStore } from '@call-scheduler/core/testing';
import { MemoryStore } from '../src/index.js';

testSeriesStore(() => new MemoryStore(), { name: 'SeriesStore conformance (MemoryStore)' });

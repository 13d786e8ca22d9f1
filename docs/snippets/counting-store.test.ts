import { testCallStore } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { CountingStore } from './counting-store.js';

testCallStore(() => new CountingStore(new MemoryStore()), { name: 'CountingStore over MemoryStore' });

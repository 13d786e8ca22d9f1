import { testCallStore } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { ForwardingStore } from './guarded-store.js';

testCallStore(() => new ForwardingStore(new MemoryStore()), { name: 'ForwardingStore over MemoryStore' });

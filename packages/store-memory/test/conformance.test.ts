import { testCallStore } from '@call-scheduler/core/testing';
import { MemoryStore } from '../src/index.js';
testCallStore(() => new MemoryStore());

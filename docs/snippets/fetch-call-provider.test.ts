import { testCallProvider } from '@call-scheduler/core/testing';
import { createMockCallApi } from '@call-scheduler/mock-call-api';
import { afterAll } from 'vitest';
import { FetchCallProvider } from './fetch-call-provider.js';

// The project's mock of the Call API, its calls sped up 100 times (a 10 s call lasts 0.1 s).
const timeFactor = 0.01;
const mock = await createMockCallApi({ timeFactor });
afterAll(() => mock.close());

testCallProvider(() => new FetchCallProvider(mock.url), {
  validNumber: '+14155550123',
  invalidNumber: '+1', // the Call API refuses numbers shorter than 10 characters
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms * timeFactor)), // the provider's time is real time
  name: 'FetchCallProvider against the mock Call API',
});

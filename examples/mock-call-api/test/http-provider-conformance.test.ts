import { afterAll } from 'vitest';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { FakeClock, testCallProvider } from '@call-scheduler/core/testing';
import { createMockCallApi } from '../src/index.js';

// HttpCallProvider against the mock Call API over real HTTP on 127.0.0.1 (ephemeral port). The
// mock runs on a FakeClock so that `advance` moves calls through their statuses with no waiting;
// the provider's own timeouts run on the real clock.
const clock = new FakeClock();
const mock = await createMockCallApi({ clock });
const idempotentMock = await createMockCallApi({ clock, honorIdempotencyKey: true });
afterAll(async () => {
  await Promise.all([mock.close(), idempotentMock.close()]);
});

testCallProvider(() => new HttpCallProvider({ baseUrl: mock.url, timeoutMs: 5_000 }), {
  validNumber: '+14155550123',
  invalidNumber: '+1',
  advance: (ms) => clock.advance(ms),
  name: 'HttpCallProvider conformance (mock Call API)',
});

testCallProvider(() => new HttpCallProvider({ baseUrl: idempotentMock.url, timeoutMs: 5_000, idempotentPlaceCall: true }), {
  validNumber: '+14155550123',
  invalidNumber: '+1',
  advance: (ms) => clock.advance(ms),
  name: 'HttpCallProvider conformance (mock honouring Idempotency-Key)',
});

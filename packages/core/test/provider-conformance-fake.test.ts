import { ProviderError } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock, testCallProvider } from '@call-scheduler/core/testing';

// The suite run against the FakeCallProvider, on a FakeClock: proves the suite itself passes for a
// well-behaved provider (the HttpCallProvider runs it against the mock Call API in
// examples/mock-call-api/test). The fake accepts any number, so the invalid one is scripted.
const clock = new FakeClock();
const invalidNumber = '+1';

testCallProvider(
  () =>
    new FakeCallProvider({ clock }).script(invalidNumber, {
      placeErrors: [ProviderError.rejected('Invalid phone number', { httpStatus: 400 })],
    }),
  { validNumber: '+14155550123', invalidNumber, advance: (ms) => clock.advance(ms), name: 'FakeCallProvider conformance' },
);

const idempotentClock = new FakeClock();
testCallProvider(
  () =>
    new FakeCallProvider({ clock: idempotentClock, capabilities: { idempotentPlaceCall: true } }).script(invalidNumber, {
      placeErrors: [ProviderError.rejected('Invalid phone number', { httpStatus: 400 })],
    }),
  {
    validNumber: '+14155550123',
    invalidNumber,
    advance: (ms) => idempotentClock.advance(ms),
    name: 'FakeCallProvider conformance (idempotentPlaceCall)',
  },
);

export { FakeClock } from './fake-clock.js';
export type { RunAllOptions } from './fake-clock.js';
export { FakeCallProvider } from './fake-call-provider.js';
export type { FakeCallBehavior, FakeCallProviderOptions, FakeProviderRequest, FakeStatusStep } from './fake-call-provider.js';
export { testCallStore, type CallStoreConformanceOptions } from './store-conformance.js';
export { testCallProvider, CALL_PROVIDER_TESTS, type CallProviderConformanceOptions } from './provider-conformance.js';

/**
 * For tests (vitest is its peer): `FakeClock`, `FakeCallProvider`, and the conformance suites
 * `testCallStore()` and `testCallProvider()` that every store and provider must pass.
 *
 * @module @call-scheduler/core/testing
 */
export { FakeClock } from './fake-clock.js';
export type { RunAllOptions } from './fake-clock.js';
export { FakeCallProvider } from './fake-call-provider.js';
export { seededRandom, callFixture, callInsertFixture, seriesFixture } from './fixtures.js';
export type { CallInsertFixture } from './fixtures.js';
export type { FakeCallBehavior, FakeCallProviderOptions, FakeProviderRequest, FakeStatusStep } from './fake-call-provider.js';
export { testCallStore, type CallStoreConformanceOptions } from './store-conformance/index.js';
export { testCallProvider, CALL_PROVIDER_TESTS, type CallProviderConformanceOptions } from './provider-conformance.js';
export { testSeriesStore, type SeriesStoreConformanceOptions } from '../series/series-store-conformance.js';

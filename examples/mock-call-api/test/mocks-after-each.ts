import { afterEach } from 'vitest';
import { createMockCallApi, type MockCallApi, type MockCallApiOptions } from '../src/index.js';

/**
 * Call at the top level of a test file: the returned function starts a mock Call API (real HTTP
 * on 127.0.0.1) that is closed after the test that started it.
 */
export function mocksClosedAfterEach(): (options?: MockCallApiOptions) => Promise<MockCallApi> {
  const mocks: MockCallApi[] = [];
  afterEach(async () => {
    await Promise.all(mocks.splice(0).map((mock) => mock.close()));
  });
  return async (options = {}) => {
    const mock = await createMockCallApi(options);
    mocks.push(mock);
    return mock;
  };
}

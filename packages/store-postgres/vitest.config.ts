import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@call-scheduler/source'] },
  ssr: { resolve: { conditions: ['@call-scheduler/source'] } },
  test: {
    name: '@call-scheduler/store-postgres',
    include: ['test/**/*.test.ts'],
    // Generous bounds for the real-time integration tests on a loaded 2-core CI machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@call-scheduler/source'] },
  ssr: { resolve: { conditions: ['@call-scheduler/source'] } },
  test: {
    name: '@call-scheduler/example-http-server',
    include: ['test/**/*.test.ts'],
    // Real servers and a real browser: generous, but every wait inside is bounded on its own.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});

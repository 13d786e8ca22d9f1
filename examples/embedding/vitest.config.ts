import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: '@call-scheduler/example-embedding',
    include: ['test/**/*.test.ts'],
  },
});

import { defineProject } from 'vitest/config';

// The docs' own tests: every code block of the guides and README compiles and matches a snippet
// file, and the getting-started and README code runs.
export default defineProject({
  resolve: { conditions: ['@call-scheduler/source'] },
  ssr: { resolve: { conditions: ['@call-scheduler/source'] } },
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts', 'snippets/**/*.test.ts'],
  },
});

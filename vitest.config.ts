import { defineConfig } from 'vitest/config';

// One vitest project per workspace package; the `@call-scheduler/source` export condition makes packages import
// each other's TypeScript sources, so tests never depend on a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['@call-scheduler/source'] },
  ssr: { resolve: { conditions: ['@call-scheduler/source'], externalConditions: ['@call-scheduler/source'] } },
  test: {
    projects: ['packages/*', 'examples/*', 'docs'],
  },
});

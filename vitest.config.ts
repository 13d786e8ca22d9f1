import { defineConfig } from 'vitest/config';

// One vitest project per workspace package; the `source` export condition makes packages import
// each other's TypeScript sources, so tests never depend on a stale `dist/`.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    projects: ['packages/*', 'examples/*', 'docs'],
  },
});

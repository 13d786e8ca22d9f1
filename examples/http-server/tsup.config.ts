import { defineConfig } from 'tsup';

// The server is bundled into one file; the @call-scheduler packages, express, zod and
// better-sqlite3 stay external (dependencies are never bundled) and load from their own builds.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  dts: false,
});

import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ["src/index.ts", "src/testing/index.ts", "src/http/index.ts", "src/internal.ts"],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});

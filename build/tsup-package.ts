import { defineConfig } from 'tsup';

/**
 * The build of every library package of the repository (each `packages/<name>/tsup.config.ts`):
 * ES modules for Node 20 with their declarations and source maps, code shared between entries
 * split into chunks. Only the entry points differ from one package to another.
 */
export function packageBuild(entry: readonly string[]): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: [...entry],
    format: ['esm'],
    target: 'node20',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
  });
}

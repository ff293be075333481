// Library build: an ES module (dist/webgrad.js) and a CommonJS twin
// (dist/webgrad.cjs, for require()), both with the WGSL sources inlined
// (Vite's ?raw imports), so consumers need no loader or bundler plugin.
// Types come from tsc (tsconfig.build.json).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // The examples import the package by its published name, as a user would;
  // in this repository (tests, vite-node) that name means the sources.
  // tsconfig.json's "paths" says the same to the type checker.
  resolve: { alias: [{ find: /^webgradjs$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  build: {
    lib: {
      entry: 'src/index.ts',
      formats: ['es', 'cjs'],
      // The package is "type": "module", so the CommonJS file needs .cjs.
      fileName: (format) => (format === 'cjs' ? 'webgrad.cjs' : 'webgrad.js'),
    },
    target: 'es2022',
    sourcemap: true,
    minify: false,
    emptyOutDir: true,
    rollupOptions: { external: [/^node:/] },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

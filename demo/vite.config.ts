// The demo site: a Vite multi-page app in demo/.
//   npm run demo         dev server (hot reload)
//   npm run build:demo   static site in demo/dist/, with relative URLs (base './'),
//                        so it works from any static host and any sub-path
//
// Pages import the library as a user would, `import * as wg from 'webgradjs'`.
// That name is aliased to the library's source (src/index.ts) in both the dev
// server and the build: the demo always shows the code in this working tree,
// needs no `npm run build` first, and Vite compiles the library exactly as the
// library build does (the WGSL shaders come in through `?raw` imports either
// way). The built bundle itself is covered by test/browser/dist-smoke.test.ts.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoAssets } from './build/demo-assets';

const DEMO = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(DEMO, '..');

/** Every page of the site (file name without .html). */
export const PAGES = ['index', 'playground', 'mnist', 'regression', 'benchmark'] as const;

// Cross-origin isolation lets TensorFlow.js' WebAssembly backend use threads on
// the benchmark page; every file the site loads is same-origin, so nothing breaks.
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: DEMO,
  base: './',
  publicDir: false,
  resolve: { alias: [{ find: /^webgradjs$/, replacement: resolve(ROOT, 'src/index.ts') }] },
  plugins: [demoAssets({ root: ROOT })],
  server: { headers: ISOLATION, fs: { allow: [ROOT] } },
  preview: { headers: ISOLATION },
  build: {
    outDir: resolve(DEMO, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        ...Object.fromEntries(PAGES.map((p) => [p, resolve(DEMO, `${p}.html`)])),
        // The library as one module with a fixed name: the benchmark page hands
        // its URL to bench/systems/webgrad.mjs, which imports it, and gets the
        // same module instance as the rest of the page.
        webgradjs: resolve(DEMO, 'shared/webgradjs-module.ts'),
      },
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: (chunk) => (chunk.name === 'webgradjs' ? 'assets/webgradjs.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});

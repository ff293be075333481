// The library as a module of its own, built with a fixed file name
// (assets/webgradjs.js; see demo/vite.config.ts). The benchmark page passes its
// URL to bench/systems/webgrad.mjs, which imports the library by URL: this way
// the benchmark drives the very instance the page's backend picker shows.
export * from 'webgradjs';

// The frame of every page: a header with the site's navigation, the backend
// picker and the responsiveness meter, and the box where errors appear.
import { BackendPicker } from './backend.js';
import { h } from './dom.js';
import { startStallMonitor } from './stall-monitor.js';
import { demoState } from './state.js';
import './style.css';

export interface PageInfo {
  id: string;
  title: string;
  blurb: string;
}

/** The site's pages, in navigation order (the landing page lists them too). */
export const PAGES: readonly PageInfo[] = [
  { id: 'playground', title: 'Playground', blurb: 'Train a small network on 2-D toy data and watch its decision boundary, loss curves and weights change live.' },
  { id: 'mnist', title: 'MNIST', blurb: 'Train a digit classifier on real handwritten digits, then draw your own and see the class probabilities. Save, load, and open TensorFlow.js models.' },
  { id: 'regression', title: 'Regression', blurb: 'Linear regression recovering known weights, and a network fitting a noisy curve, drawn as it learns.' },
  { id: 'benchmark', title: 'Benchmark', blurb: 'The project\'s benchmark workloads in your browser: webgrad against TensorFlow.js and jax-js, with the JSON to download.' },
];

/** Builds the header for page `id` and returns its backend picker (not started yet). */
export function mountLayout(id: string): BackendPicker {
  document.body.dataset.page = id;
  demoState().page = id;
  const nav = h('nav', {},
    h('a', { href: './index.html', class: 'brand', 'data-keep-backend': true }, 'webgrad demo'),
    ...PAGES.map((p) => h('a', { href: `./${p.id}.html`, class: p.id === id ? 'current' : '', 'data-keep-backend': true }, p.title)),
  );
  const select = h('select', { id: 'backend-select', 'aria-label': 'backend' });
  const status = h('span', { id: 'backend-status', class: 'backend-status' }, 'starting…');
  const stall = h('span', { id: 'stall', title: 'The longest time the page could not react to input or paint since training last started' }, '0 ms');
  const header = h('header', { class: 'site' },
    nav,
    h('div', { class: 'backend' }, h('label', {}, 'Backend ', select), status),
    h('div', { class: 'stall' }, 'longest UI pause: ', stall),
  );
  const errors = h('div', { id: 'errors', class: 'errors', hidden: true });
  document.body.prepend(header, errors);
  startStallMonitor((ms) => {
    stall.textContent = `${Math.round(ms)} ms`;
  });
  return new BackendPicker(select, status);
}

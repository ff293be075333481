// Browser handlers in headless Chromium, with TensorFlow.js on the same page:
// 'indexeddb://' both ways between webgrad and TF.js (same database layout),
// 'downloads://' (files land on disk and load in Node), and loading from a
// page-relative URL. The bundle is built from src into a temp folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { build } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { expectClose, inputs } from './helpers.js';

const ROOT = resolve(__dirname, '../..');
const TFJS = join(ROOT, 'node_modules/@tensorflow/tfjs/dist/tf.min.js');
let bundleDir = '';
let modelDir = '';
let downloadDir = '';
let server: Server;
let browser: Browser;
let page: Page;
let origin = '';

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>webgrad io</title>
<script src="/tf.min.js"></script>
<script type="module">
  import('/bundle/webgrad.js').then((m) => { window.webgrad = m; }, (e) => { window.webgradError = String(e && e.stack || e); });
</script></head><body>io</body></html>`;

beforeAll(async () => {
  await useBackend('cpu');
  bundleDir = mkdtempSync(join(tmpdir(), 'webgrad-bundle-'));
  modelDir = mkdtempSync(join(tmpdir(), 'webgrad-served-'));
  downloadDir = mkdtempSync(join(tmpdir(), 'webgrad-downloads-'));
  await build({ root: ROOT, logLevel: 'error', build: { outDir: bundleDir, emptyOutDir: true, sourcemap: false } });

  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let file: string | null = null;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(INDEX);
      return;
    }
    if (path === '/tf.min.js') file = TFJS;
    else if (path.startsWith('/bundle/')) file = normalize(join(bundleDir, path.slice('/bundle/'.length)));
    else if (path.startsWith('/models/')) file = normalize(join(modelDir, path.slice('/models/'.length)));
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': extname(file) === '.js' ? 'text/javascript' : extname(file) === '.json' ? 'application/json' : 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  browser = await puppeteer.launch({
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloadDir });
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => 'webgrad' in window || 'webgradError' in window, { timeout: 30_000 });
  const err = await page.evaluate(() => (window as unknown as { webgradError?: string }).webgradError ?? null);
  expect(err, 'importing the bundle').toBeNull();
  await page.evaluate(async () => {
    const w = window as any;
    await w.webgrad.ready({ backend: 'cpu' });
    await w.tf.setBackend('cpu');
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  for (const d of [bundleDir, modelDir, downloadDir]) if (d) rmSync(d, { recursive: true, force: true });
});

const X = Array.from(inputs(4, 5, 77));

test('indexeddb:// webgrad → TF.js and TF.js → webgrad', async () => {
  const r = await page.evaluate(async (x: number[]) => {
    const w = window as any;
    const { webgrad: wg, tf } = w;
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 6, activation: 'leakyRelu', inputShape: [5] }), wg.layers.dense({ units: 3, activation: 'softmax' })] });
    await model.save('indexeddb://from-webgrad');
    const tfm = await tf.loadLayersModel('indexeddb://from-webgrad');
    const mine = Array.from(await model.predict({ data: new Float32Array(x), shape: [4, 5] }).data()) as number[];
    const theirs = Array.from(tfm.predict(tf.tensor2d(x, [4, 5])).dataSync()) as number[];

    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [5] }));
    t.add(tf.layers.dense({ units: 2, useBias: false }));
    await t.save('indexeddb://from-tfjs');
    const back = await wg.loadLayersModel('indexeddb://from-tfjs');
    const tfOut = Array.from(t.predict(tf.tensor2d(x, [4, 5])).dataSync()) as number[];
    const wgOut = Array.from(await back.predict({ data: new Float32Array(x), shape: [4, 5] }).data()) as number[];
    const listed = Object.keys(await tf.io.listModels());
    let missing = '';
    try {
      await wg.loadLayersModel('indexeddb://nope');
    } catch (e) {
      missing = String((e as Error).message);
    }
    return { mine, theirs, tfOut, wgOut, listed, missing };
  }, X);
  expectClose(r.mine, r.theirs);
  expectClose(r.wgOut, r.tfOut);
  expect(r.listed).toEqual(expect.arrayContaining(['indexeddb://from-webgrad', 'indexeddb://from-tfjs']));
  expect(r.missing).toMatch(/no model named 'nope' in IndexedDB/);
}, 60_000);

test('downloads:// writes name.json + name.weights.bin that load in Node', async () => {
  const out = await page.evaluate(async (x: number[]) => {
    const wg = (window as any).webgrad;
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 3, activation: 'relu', inputShape: [5], name: 'dl' })] });
    await model.save('downloads://my-model');
    return Array.from(await model.predict({ data: new Float32Array(x), shape: [4, 5] }).data()) as number[];
  }, X);
  const json = join(downloadDir, 'my-model.json');
  const bin = join(downloadDir, 'my-model.weights.bin');
  const deadline = Date.now() + 20_000;
  while (!(existsSync(json) && existsSync(bin) && statSync(bin).size === (5 * 3 + 3) * 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(JSON.parse(readFileSync(json, 'utf8')).weightsManifest[0].paths).toEqual(['./my-model.weights.bin']);
  const loaded = await wg.loadLayersModel(`file://${json}`);
  const y = loaded.predict({ data: new Float32Array(X), shape: [4, 5] });
  expectClose((await y.data()) as Float32Array, out);
  y.dispose();
  loaded.dispose();
}, 60_000);

test('a page-relative model.json URL loads over HTTP (weights fetched relative to it)', async () => {
  const model = wg.sequential({ layers: [wg.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [5], name: 'served' })] });
  await model.save(`file://${join(modelDir, 'v1')}`);
  const y = model.predict({ data: new Float32Array(X), shape: [4, 5] });
  const expected = (await y.data()) as Float32Array;
  y.dispose();
  const r = await page.evaluate(async (x: number[]) => {
    const wg = (window as any).webgrad;
    const m = await wg.loadLayersModel('models/v1/model.json');
    let notFound = '';
    try {
      await wg.loadLayersModel('/models/v2/model.json');
    } catch (e) {
      notFound = String((e as Error).message);
    }
    return { out: Array.from(await m.predict({ data: new Float32Array(x), shape: [4, 5] }).data()) as number[], notFound };
  }, X);
  expectClose(r.out, expected);
  expect(r.notFound).toMatch(/model\.json '\/models\/v2\/model\.json' could not be fetched: HTTP 404/);
  model.dispose();
}, 60_000);

// Smoke test of the built bundle in a real browser: headless Chromium loads
// /dist/webgrad.js from a localhost page, initialises the WebGPU backend on
// navigator.gpu (SwiftShader here) and runs a matMul. It fails, never skips,
// when WebGPU is unavailable. It builds the bundle only if dist/webgrad.js is
// missing (`npm test` builds first).
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist', 'webgrad.js');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.html': 'text/html',
};

// The page imports the bundle as a module and exposes it (or the import error).
const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>webgrad smoke</title>
<script type="module">
  import('/dist/webgrad.js').then((m) => { window.webgrad = m; }, (e) => { window.webgradError = String(e && e.stack || e); });
</script></head><body>webgrad smoke</body></html>`;

let server: Server;
let browser: Browser;
let origin = '';

beforeAll(async () => {
  if (!existsSync(BUNDLE)) execSync('npx vite build', { cwd: ROOT, stdio: 'inherit' });
  expect(existsSync(BUNDLE), `${BUNDLE} must exist (npm run build)`).toBe(true);

  // A tiny static server for the repo root ('/' is a blank page).
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(INDEX);
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;

  browser = await puppeteer.launch({
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--enable-features=Vulkan',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

test('dist/webgrad.js runs a matMul on navigator.gpu in headless Chromium', async () => {
  const rng = new Rng(2024);
  const [m, k, n] = [7, 13, 5];
  const a = rng.nd([m, k], -1, 1);
  const b = rng.nd([k, n], -1, 1);

  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => 'webgrad' in window || 'webgradError' in window, { timeout: 30_000 });
  const importError = await page.evaluate(() => (window as unknown as { webgradError?: string }).webgradError ?? null);
  expect(importError, 'importing /dist/webgrad.js').toBeNull();

  const result = await page.evaluate(
    async (A: number[], B: number[], shapes: number[][]) => {
      const hasGpu = typeof navigator !== 'undefined' && 'gpu' in navigator && !!(navigator as { gpu?: unknown }).gpu;
      const wg = (window as any).webgrad;
      let info: { name: string; reason?: string; adapter?: unknown } | null = null;
      let readyError: string | null = null;
      try {
        info = await wg.ready({ backend: 'webgpu' });
      } catch (e) {
        readyError = String((e as Error).message ?? e);
      }
      if (readyError) return { hasGpu, readyError, backend: null, values: null, shape: null, adapter: null, device: false };
      const x = wg.tensor(new Float32Array(A), shapes[0]);
      const y = wg.tensor(new Float32Array(B), shapes[1]);
      const c = wg.matMul(x, y);
      const values = Array.from(await c.data()) as number[];
      return {
        hasGpu,
        readyError,
        backend: wg.getBackend()?.name ?? null,
        adapter: info?.adapter ?? null,
        device: wg.getWebGPUDevice() !== null,
        shape: c.shape as number[],
        values,
      };
    },
    Array.from(a.data),
    Array.from(b.data),
    [a.shape, b.shape],
  );
  await page.close();

  expect(result.hasGpu, 'navigator.gpu must exist (secure context, --enable-unsafe-webgpu)').toBe(true);
  expect(result.readyError, 'ready({ backend: "webgpu" }) must succeed').toBeNull();
  expect(result.backend).toBe('webgpu');
  expect(result.device).toBe(true);
  expect(result.shape).toEqual([m, n]);
  expectAllClose(result.values!, ref.matMul(a, b), { rtol: 1e-4, atol: 1e-5 }, 'browser matMul');
  expect(errors).toEqual([]);
}, 120_000);

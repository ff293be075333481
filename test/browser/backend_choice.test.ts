// ready() choosing the backend in headless Chromium, with the built bundle:
// - from http://127.0.0.1 (a secure context) the only adapter is SwiftShader,
//   so `auto` takes the CPU and says why, and `backend: 'webgpu'` still gets it;
// - from http://webgrad.test (a name Chromium resolves to 127.0.0.1 here, but
//   not localhost, so not a secure context) navigator.gpu is missing and the
//   reason says WebGPU needs https or localhost.
// It builds the bundle only if dist/webgrad.js is missing (`npm test` builds first).
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist', 'webgrad.js');
const INSECURE_HOST = 'webgrad.test';

const INDEX = `<!doctype html><html><head><meta charset="utf-8"><title>webgrad backend choice</title>
<script type="module">
  import('/dist/webgrad.js').then((m) => { window.webgrad = m; }, (e) => { window.webgradError = String(e && e.stack || e); });
</script></head><body>backend choice</body></html>`;

let server: Server;
let browser: Browser;
let port = 0;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) execSync('npx vite build', { cwd: ROOT, stdio: 'inherit' });
  expect(existsSync(BUNDLE), `${BUNDLE} must exist (npm run build)`).toBe(true);
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/dist/webgrad.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(BUNDLE));
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(INDEX);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
  browser = await puppeteer.launch({
    executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--enable-features=Vulkan',
      `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
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

interface PageResult {
  secure: boolean;
  hasGpu: boolean;
  auto: { name: string; reason?: string; adapter?: { architecture: string; isFallbackAdapter: boolean } } | null;
  forced: { name: string } | null;
  forcedError: string | null;
}

async function choose(origin: string): Promise<PageResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => 'webgrad' in window || 'webgradError' in window, { timeout: 30_000 });
    const importError = await page.evaluate(() => (window as unknown as { webgradError?: string }).webgradError ?? null);
    expect(importError, `importing /dist/webgrad.js from ${origin}`).toBeNull();
    return await page.evaluate(async () => {
      const wg = (window as any).webgrad;
      const auto = await wg.ready();
      let forced = null;
      let forcedError = null;
      try {
        forced = await wg.ready({ backend: 'webgpu' });
      } catch (e) {
        forcedError = String((e as Error).message ?? e);
      }
      await wg.ready({ backend: 'cpu' });
      return { secure: window.isSecureContext, hasGpu: !!(navigator as { gpu?: unknown }).gpu, auto, forced, forcedError };
    });
  } finally {
    await page.close();
  }
}

test("http://127.0.0.1: auto passes SwiftShader over for WebAssembly SIMD and names it; 'webgpu' still uses it", async () => {
  const r = await choose(`http://127.0.0.1:${port}`);
  expect(r.secure).toBe(true);
  expect(r.hasGpu).toBe(true);
  expect(r.auto?.name).toBe('wasm');
  expect(r.auto?.adapter?.architecture).toBe('swiftshader');
  expect(r.auto?.reason).toMatch(/swiftshader.*emulated on the CPU.*\{ backend: 'webgpu' \}/);
  expect(r.forcedError).toBeNull();
  expect(r.forced?.name).toBe('webgpu');
}, 120_000);

test(`http://${INSECURE_HOST} (not a secure context): the reason says WebGPU needs https or localhost`, async () => {
  const r = await choose(`http://${INSECURE_HOST}:${port}`);
  expect(r.secure).toBe(false);
  expect(r.hasGpu).toBe(false);
  expect(r.auto?.name).toBe('wasm');
  expect(r.auto?.reason).toMatch(/not a secure context.*https:\/\/.*localhost/);
  expect(r.forced).toBeNull();
  expect(r.forcedError).toMatch(/^ready: WebGPU was requested but is not available: .*not a secure context/);
}, 120_000);

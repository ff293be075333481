// Shared pieces of the demo's end-to-end tests: build the site if it is
// missing, serve demo/dist/ the way any static host would (no special headers)
// under a sub-path, and open pages in headless Chromium with WebGPU on
// SwiftShader, collecting console errors and unhandled rejections.
import { execSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';

export const ROOT = resolve(__dirname, '../..');
export const SITE = join(ROOT, 'demo', 'dist');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
/** The site is served from this sub-path, as on a project page of a static host. */
export const SUB_PATH = '/some/sub/path/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Builds demo/dist/ unless it exists (`npm test` builds it before vitest). */
export function ensureSite(): void {
  if (!existsSync(join(SITE, 'index.html'))) execSync('npx vite build --config demo/vite.config.ts', { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(join(SITE, 'index.html'))) throw new Error(`${SITE}/index.html is missing after building the demo`);
}

/** A plain static file server for demo/dist/ at SUB_PATH on a free port. */
export async function serveSite(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(SUB_PATH)) {
      res.writeHead(404).end('not found');
      return;
    }
    path = path.slice(SUB_PATH.length) || 'index.html';
    const file = normalize(join(SITE, path));
    if (!file.startsWith(SITE + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, base: `http://localhost:${(server.address() as AddressInfo).port}${SUB_PATH}` };
}

/** Headless Chromium with WebGPU on SwiftShader (see /work/shared/WEBGPU-HEADLESS.md). */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium',
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
}

export interface OpenPage {
  page: Page;
  /** Console errors, uncaught exceptions and unhandled rejections seen so far. */
  errors: string[];
}

/** Opens `path` (relative to the site) and waits until the page says it is ready. */
export async function openPage(browser: Browser, base: string, path: string, { width = 1280, height = 900 } = {}): Promise<OpenPage> {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${String(e)}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  // Unhandled promise rejections show up as console errors in Chromium; this makes sure they are reported even when not.
  await page.evaluateOnNewDocument(() => {
    window.addEventListener('unhandledrejection', (e) => console.error(`unhandled rejection: ${String((e as PromiseRejectionEvent).reason?.stack ?? (e as PromiseRejectionEvent).reason)}`));
  });
  await page.goto(new URL(path, base).href, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as unknown as { demo?: { ready?: boolean } }).demo?.ready === true || document.getElementById('errors')?.hidden === false, { timeout: 60_000 });
  return { page, errors };
}

/** Reads window.demo (or one section of it). */
export async function demoState<T = Record<string, unknown>>(page: Page, section?: string): Promise<T> {
  return page.evaluate((s) => {
    const d = (window as unknown as { demo: Record<string, unknown> }).demo;
    return JSON.parse(JSON.stringify(s ? d[s] : d)) as unknown;
  }, section ?? null) as Promise<T>;
}

/**
 * Saves a full-page screenshot to test/artifacts/<name>.png, and a copy at
 * half resolution, <name>.small.png (the size demo/screenshots/ keeps).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  const viewport = page.viewport();
  if (viewport) {
    await page.setViewport({ ...viewport, deviceScaleFactor: 0.5 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.small.png`) as `${string}.png`, fullPage: true });
    await page.setViewport(viewport);
  }
  return file;
}

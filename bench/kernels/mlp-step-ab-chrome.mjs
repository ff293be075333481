// mlp-step-ab.mjs in headless Chromium (the bench's browser and SwiftShader
// adapter): this tree's built dist/ against another checkout's, both loaded
// in one page (each with its own device), the MNIST MLP step (784-256-256-10,
// relu, relu, softmax, categorical cross-entropy, SGD 0.1, batch 128) timed
// alternately, then N profiled steps per side, alternating. Prints first-step
// ms, median / best step ms, the final losses (which must agree) and each
// kernel's median GPU-timestamp ms per side: on a shared machine one page
// alternating two builds is far steadier than two bench runs.
//
//   npm run build && (cd /path/to/base && npm run build)
//   node bench/kernels/mlp-step-ab-chrome.mjs --base /path/to/base [--reps 10] [--base-first]
//
// The side set up first can run faster or slower throughout (seen with both
// sides the same build): --base-first sets the base up first; compare runs
// in both orders, or check with --base pointing at this tree.
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { serve } from '../server.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const REPS = Number(arg('reps', '10'));
const BASE = arg('base', '');
const BASE_FIRST = process.argv.includes('--base-first');
if (!BASE) throw new Error('--base DIR: a checkout with a built dist/');
const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
// The page can only import what the server serves (this tree): a copy of the
// base build goes into the git-ignored bench/.data.
const baseCopy = `${root}/bench/.data/ab-base-dist`;
rmSync(baseCopy, { recursive: true, force: true });
cpSync(`${BASE}/dist`, baseCopy, { recursive: true });

const { server, url } = await serve(root, {});
const { default: puppeteer } = await import('puppeteer');
const executablePath = process.env.PUPPETEER_EXECUTABLE_PATH || createRequire(import.meta.url)('../../.puppeteerrc.cjs').executablePath;
const browser = await puppeteer.launch({
  executablePath, headless: true, protocolTimeout: 900_000,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`${url}/bench/page.html`, { waitUntil: 'load' });
  const report = await page.evaluate(async (REPS, BASE_FIRST) => {
    // The same model and batch as mlp-step-ab.mjs (served by the bench server).
    const { mnistMlpStep } = await import('/bench/kernels/mnist_mlp_ab.mjs');
    const sides = [];
    const libs = [['new', '/dist/webgrad.js'], ['base', '/bench/.data/ab-base-dist/webgrad.js']];
    for (const [name, lib] of BASE_FIRST ? libs.reverse() : libs) {
      const wg = await import(lib);
      await wg.ready({ backend: 'webgpu' });
      const step = mnistMlpStep(wg);
      const t0 = performance.now();
      const loss = await step(); // compiles the step
      sides.push({ name, wg, step, first: performance.now() - t0, losses: [loss], ms: [], kernels: new Map() });
    }
    const order = (r) => (r % 2 ? [...sides].reverse() : sides);
    for (let r = 0; r < 2 * REPS; r++)
      for (const s of order(r)) {
        const t0 = performance.now();
        s.losses.push(await s.step());
        s.ms.push(performance.now() - t0);
      }
    for (let r = 0; r < REPS; r++)
      for (const s of order(r)) {
        const p = await s.wg.profile(() => s.step());
        const perStep = new Map();
        for (const k of p.kernels) perStep.set(k.name, (perStep.get(k.name) ?? 0) + k.ms);
        for (const [n, ms] of perStep) s.kernels.set(n, [...(s.kernels.get(n) ?? []), ms]);
      }
    const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
    if (BASE_FIRST) sides.reverse(); // report new / base either way
    const lines = sides.map((s) => `${s.name.padEnd(5)} first step ${s.first.toFixed(0)} ms, step median ${med(s.ms).toFixed(1)} ms, best ${Math.min(...s.ms).toFixed(1)} ms; losses ${s.losses[0].toFixed(5)} -> ${s.losses.at(-1).toFixed(5)}`);
    lines.push(`median kernel ms per step over ${REPS} profiled steps: new / base`);
    const names = [...new Set([...sides[0].kernels.keys(), ...sides[1].kernels.keys()])];
    const at = (s, n) => (s.kernels.has(n) ? med(s.kernels.get(n)) : NaN);
    names.sort((a, b) => at(sides[1], b) - at(sides[1], a));
    for (const n of names) lines.push(`${sides.map((s) => at(s, n).toFixed(2).padStart(8)).join(' ')}  ${n}`);
    lines.push(`${sides.map((s) => [...s.kernels.values()].reduce((t, v) => t + med(v), 0).toFixed(2).padStart(8)).join(' ')}  (sum of medians)`);
    return lines.join('\n');
  }, REPS, BASE_FIRST);
  console.log(report);
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
} finally {
  await browser.close();
  server.close();
}

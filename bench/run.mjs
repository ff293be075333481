#!/usr/bin/env node
// `npm run bench`: builds webgrad, serves the repo with COOP/COEP headers,
// opens bench/page.html in Chrome (puppeteer) and runs each (workload, system)
// pair there, then prints a results table and webgrad's speed-ups and writes
// JSON to bench/results/. See bench/README.md for flags.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';
import { ensureMnist } from './data.mjs';
import { WORKLOADS, QUICK_WORKLOADS, SYSTEMS, WEBGRAD } from './workloads.mjs';
import { formatText } from './lib/report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);

function parseArgs(argv) {
  const o = { build: true, quick: false, headed: false, serve: false, gpu: 'auto', verbose: false, profile: false };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    if (k === 'workloads' || k === 'systems') o[k] = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (k === 'reps' || k === 'port' || k === 'max-minutes' || k === 'debug') o[k.replace('-m', 'M')] = Number(v);
    else if (k === 'no-build') o.build = false;
    else if (k === 'quick' || k === 'headed' || k === 'serve' || k === 'verbose' || k === 'profile') o[k] = true;
    else if (k === 'webgrad-url') o.webgradUrl = v;
    else if (k === 'swiftshader') o.gpu = 'swiftshader';
    else if (k === 'real-gpu') o.gpu = 'real';
    else if (k === 'help' || k === 'h') o.help = true;
    else throw new Error(`unknown flag ${a} (see bench/README.md)`);
  }
  o.workloads ??= o.quick ? QUICK_WORKLOADS : WORKLOADS.map((w) => w.name);
  o.systems ??= SYSTEMS;
  o.maxMinutes ??= o.quick ? 2.75 : 14; // pairs not started by then are reported as skipped
  for (const w of o.workloads) if (!WORKLOADS.some((x) => x.name === w)) throw new Error(`unknown workload ${w}; have ${WORKLOADS.map((x) => x.name).join(', ')}`);
  for (const s of o.systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s}; have ${SYSTEMS.join(', ')}`);
  return o;
}

const t0 = Date.now();
const clock = () => { const s = Math.round((Date.now() - t0) / 1000); return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`; };
const say = (m) => console.log(`[${clock()}] ${m}`);

function build() {
  say('building webgrad (npm run build) ...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0 && existsSync(join(ROOT, 'dist', 'webgrad.js'))) return null;
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l));
  const i = lines.findIndex((l) => /^error during build/i.test(l));
  const tail = (i >= 0 ? lines.slice(i + 1, i + 2) : lines.filter((l) => /error TS\d+|Error:/.test(l)).slice(0, 2)).join(' | ');
  say(`BUILD FAILED (webgrad rows will show errors): ${tail || `exit ${r.status}`}`);
  return tail || `exit ${r.status}`;
}

/** SwiftShader (software WebGPU) unless told otherwise or a GPU device node exists. */
function useSwiftshader(o) {
  if (o.gpu !== 'auto') return o.gpu === 'swiftshader';
  return process.platform === 'linux' && !existsSync('/dev/dri');
}

async function launch(o) {
  const { default: puppeteer } = await import('puppeteer');
  // The repo's .puppeteerrc.cjs (system Chromium); read here too so that the
  // bench finds it when started from another directory.
  const executablePath = process.env.PUPPETEER_EXECUTABLE_PATH || createRequire(import.meta.url)('../.puppeteerrc.cjs').executablePath;
  const swift = useSwiftshader(o);
  const args = ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];
  if (swift) args.push('--use-webgpu-adapter=swiftshader');
  const browser = await puppeteer.launch({ executablePath, headless: !o.headed, args, protocolTimeout: 900_000, defaultViewport: null });
  return { browser, swift, executablePath: executablePath ?? 'puppeteer default' };
}

async function openPage(browser, url, o) {
  const page = await browser.newPage();
  await page.exposeFunction('benchLog', (m) => { if (o.verbose || m.startsWith('    ') || m.startsWith('  ')) console.log(`           ${m.trim()}`); });
  page.on('pageerror', (e) => console.log(`           page error: ${e.message.split('\n')[0]}`));
  if (o.verbose || o.debug) page.on('console', (m) => console.log(`           console.${m.type()}: ${m.text()}`));
  const q = new URLSearchParams({ driver: 'node', ...(o.webgradUrl ? { webgrad: o.webgradUrl } : {}), ...(o.debug ? { debug: String(o.debug) } : {}) });
  await page.goto(`${url}/bench/page.html?${q}`, { waitUntil: 'load' });
  await page.waitForFunction(() => !!window.bench, { timeout: 60_000 });
  return page;
}

function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timeout after ${Math.round(ms / 1000)} s (${what})`)), ms); })])
    .finally(() => clearTimeout(timer));
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) { console.log('usage: npm run bench -- [--quick] [--workloads=a,b] [--systems=x,y] [--reps=N] [--no-build] [--headed] [--serve] [--swiftshader|--real-gpu] [--max-minutes=M] [--port=P] [--webgrad-url=/path/webgrad.js] [--verbose] [--debug=N] [--profile]'); return; }
  const buildError = o.build ? build() : null;
  ensureMnist();
  const { server, url } = await serve(ROOT, { port: o.port ?? (o.serve ? 8080 : 0) });
  if (o.serve) {
    const q = new URLSearchParams({ workloads: o.workloads.join(','), systems: o.systems.join(',') });
    if (o.quick) q.set('quick', '1');
    if (o.reps) q.set('reps', String(o.reps));
    if (o.webgradUrl) q.set('webgrad', o.webgradUrl);
    console.log(`serving ${ROOT}\nopen ${url}/bench/page.html?${q} in Chrome and press Run (Ctrl-C to stop)`);
    return;
  }
  const { browser, swift, executablePath } = await launch(o);
  let page;
  const results = [];
  try {
    const browserVersion = await browser.version();
    page = await openPage(browser, url, o);
    const env = await page.evaluate(() => window.bench.env());
    say(`browser ${browserVersion} (${executablePath}), WebGPU adapter: ${env.adapter ? JSON.stringify(env.adapter) : 'none'}${swift ? ' [--use-webgpu-adapter=swiftshader]' : ''}`);
    say(`crossOriginIsolated: ${env.crossOriginIsolated}, cores: ${env.hardwareConcurrency}; ${o.workloads.length} workloads x ${o.systems.length} systems${o.quick ? ' (quick)' : ''}`);
    const total = o.workloads.length * o.systems.length;
    for (const workload of o.workloads) {
      const wl = WORKLOADS.find((w) => w.name === workload);
      for (const system of o.systems) {
        say(`(${results.length + 1}/${total}) ${workload} on ${system} ...`);
        let r;
        if (buildError && system.startsWith('webgrad/')) r = { ok: false, error: `build failed: ${buildError.slice(0, 120)}` };
        else if (Date.now() - t0 > o.maxMinutes * 60_000) r = { ok: false, error: `skipped: run time budget (--max-minutes=${o.maxMinutes}) spent` };
        else {
          const remainingMs = o.maxMinutes * 60_000 - (Date.now() - t0);
          const limit = Math.min(wl.limitMs ?? wl.budgetMs * (o.quick ? 0.5 : 1) * 2 + 60_000, remainingMs + 45_000);
          try {
            r = await withTimeout(page.evaluate((c) => window.bench.runOne(c), { workload, system, quick: o.quick, reps: o.reps, maxBudgetMs: remainingMs, profile: o.profile }), limit, `${workload} on ${system}`);
          } catch (e) {
            r = { ok: false, error: e.message.split('\n')[0] };
            say(`  ${r.error}; reopening the page`);
            await page.close().catch(() => {});
            page = await openPage(browser, url, o);
          }
        }
        r = { workload, system, unit: wl.unit, better: wl.better, ...r };
        results.push(r);
        say(`  -> ${r.ok ? `${r.median.toPrecision(4)} ${r.unit} (median of ${r.n}${r.note ? `; ${r.note}` : ''}) in ${r.seconds.toFixed(1)} s` : `error: ${r.error}`}`);
        if (r.profile) console.log(r.profile.error ? `           profile failed: ${r.profile.error}` : `           profile of one more rep, ${r.profile.table.replace(/\n/g, '\n           ')}`);
      }
    }
    const text = formatText(results, WEBGRAD);
    const adapterLine = env.adapter ? `${[env.adapter.vendor, env.adapter.architecture, env.adapter.device, env.adapter.description].filter(Boolean).join(' / ')}, isFallbackAdapter: ${env.adapter.isFallbackAdapter}` : 'none';
    console.log(`\nbrowser: ${browserVersion}\nWebGPU adapter: ${adapterLine}\n\n${text}\n`);
    mkdirSync(join(HERE, 'results'), { recursive: true });
    const file = join(HERE, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), durationSec: (Date.now() - t0) / 1000, options: o, browser: browserVersion,
      swiftshader: swift, env, buildError, results }, null, 1));
    say(`wrote ${relative(ROOT, file)}`);
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

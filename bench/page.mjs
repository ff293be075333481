// Bench page module: owns the systems (lazy init, backend switching), runs one
// (workload, system) pair at a time and renders the tables. bench/run.mjs calls
// window.bench.runOne(); in --serve mode the form on the page drives it.
import { summarize } from './lib/common.mjs';
import { WORKLOADS, QUICK_WORKLOADS, SYSTEMS, WEBGRAD } from './workloads.mjs';
import { resultRows, RESULT_HEAD, speedupTable } from './lib/report.mjs';
import { makeTfjs } from './systems/tfjs.mjs';
import { makeJax } from './systems/jax.mjs';
import { makeWebgrad } from './systems/webgrad.mjs';

const params = new URLSearchParams(location.search);
const wgUrl = params.get('webgrad') ?? undefined; // another webgrad build to bench (default /dist/webgrad.js)
// webgrad's debug level (--debug=N): 1 logs compile timings to the console
if (params.has('debug')) globalThis.WEBGRAD_DEBUG = Number(params.get('debug'));
const FACTORIES = {
  'webgrad/webgpu': () => makeWebgrad('webgpu', { url: wgUrl }), 'webgrad/wasm': () => makeWebgrad('wasm', { url: wgUrl }), 'webgrad/wasm-1t': () => makeWebgrad('wasm', { url: wgUrl, threads: 1 }), 'webgrad/cpu': () => makeWebgrad('cpu', { url: wgUrl }),
  'tfjs/webgpu': () => makeTfjs('webgpu'), 'tfjs/wasm': () => makeTfjs('wasm'), 'tfjs/cpu': () => makeTfjs('cpu'),
  'jax/webgpu': () => makeJax('webgpu'), 'jax/wasm': () => makeJax('wasm'),
};
const $ = (id) => document.getElementById(id);

function log(msg) {
  console.log(msg);
  globalThis.benchLog?.(msg);
  $('log').textContent += msg + '\n';
  $('log').scrollTop = 1e9;
}

let mnistPromise;
function loadMnist() {
  return (mnistPromise ??= (async () => {
    const res = await fetch('/bench/.data/mnist.bin');
    if (!res.ok) throw new Error(`mnist data: HTTP ${res.status} (bench/run.mjs generates it)`);
    const buf = await res.arrayBuffer(), head = new Uint32Array(buf, 0, 2), [n, p] = head;
    return { n, x: new Float32Array(buf, 8, n * p), labels: new Uint8Array(buf, 8 + n * p * 4, n) };
  })());
}

const systems = new Map();
function getSystem(id) {
  if (!systems.has(id)) {
    if (!FACTORIES[id]) throw new Error(`unknown system ${id}`);
    const sys = FACTORIES[id]();
    systems.set(id, { sys, ready: sys.init().then((info) => { log(`  ${id}: ${info}`); return info; }) });
  }
  return systems.get(id);
}

async function env() {
  const out = { userAgent: navigator.userAgent, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, webgpu: !!navigator.gpu };
  try {
    const a = await navigator.gpu?.requestAdapter();
    if (a) {
      const i = a.info ?? {};
      out.adapter = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
        isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter ?? null };
    } else out.adapter = null;
  } catch (e) { out.adapterError = e.message; }
  return out;
}

/** Runs one workload on one system; never throws: failures come back as { ok: false, error }. */
async function runOne({ workload, system, quick = false, reps, maxBudgetMs = Infinity, profile = false }) {
  const wl = WORKLOADS.find((w) => w.name === workload);
  const base = { workload, system, unit: wl?.unit, better: wl?.better };
  const t0 = performance.now();
  try {
    if (!wl) throw new Error(`unknown workload ${workload}`);
    const mnist = await loadMnist();
    const entry = getSystem(system);
    await entry.ready;
    await entry.sys.activate?.();
    const ctx = { mnist, log, profile, reps: reps ?? wl.reps[quick ? 'quick' : 'full'], warmupReps: wl.warmupReps?.[quick ? 'quick' : 'full'] ?? 0, budgetMs: Math.max(1000, Math.min(maxBudgetMs, wl.budgetMs * (quick ? 0.5 : 1))) };
    const r = await wl.run(entry.sys, ctx);
    return { ...base, ok: true, ...summarize(r.samples), samples: r.samples, note: r.note, extra: r.extra, profile: r.profile, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { ...base, ok: false, error: String(e?.message ?? e).split('\n')[0], seconds: (performance.now() - t0) / 1000 };
  }
}

function table(head, rows, cls = () => '') {
  const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c, i) => `<td class="${cls(c, i)}">${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

function render(results) {
  const sp = speedupTable(results, WEBGRAD);
  $('results').innerHTML = table(RESULT_HEAD, resultRows(results), (c, i) => (String(c).startsWith('error:') ? 'err' : i === 2 || i === 5 ? 'num' : ''))
    + '<p>webgrad speed-up: how many times faster webgrad is than each peer (&gt; 1 = webgrad faster)</p>'
    + table(sp.head, sp.rows, (c, i) => (i < 2 || c === '-' ? '' : parseFloat(c) >= 1 ? 'num fast' : 'num slow'));
}

/** Standalone mode: run every pair here, with a soft per-pair timeout. */
async function runAll({ workloads, systems: sysIds, quick, reps }) {
  const results = [];
  for (const workload of workloads) {
    const wl = WORKLOADS.find((w) => w.name === workload);
    for (const system of sysIds) {
      log(`${workload} on ${system} ...`);
      const limit = wl?.limitMs ?? (wl?.budgetMs ?? 60000) * 2 + 60000;
      const r = await Promise.race([runOne({ workload, system, quick, reps }),
        new Promise((res) => setTimeout(() => res({ workload, system, unit: wl?.unit, ok: false, error: `timeout after ${limit / 1000} s` }), limit))]);
      log(`  -> ${r.ok ? `${r.median.toFixed(3)} ${r.unit}` : `error: ${r.error}`}`);
      results.push(r);
      render(results);
    }
  }
  log('done');
  return results;
}

window.bench = { runOne, env, render, log, workloads: WORKLOADS.map((w) => w.name), systems: SYSTEMS };

if (params.get('driver') === 'node') {
  $('form').hidden = true;
  $('env').textContent = 'driven by bench/run.mjs';
} else {
  const f = $('form');
  const quick = params.has('quick');
  f.workloads.value = params.get('workloads') ?? (quick ? QUICK_WORKLOADS : WORKLOADS.map((w) => w.name)).join(',');
  f.systems.value = params.get('systems') ?? SYSTEMS.join(',');
  f.quick.checked = quick;
  if (params.get('reps')) f.reps.value = params.get('reps');
  env().then((e) => { $('env').textContent = `adapter: ${JSON.stringify(e.adapter)} · ${e.userAgent} · crossOriginIsolated: ${e.crossOriginIsolated}`; });
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    $('start').disabled = true;
    const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
    await runAll({ workloads: list(f.workloads.value), systems: list(f.systems.value), quick: f.quick.checked, reps: f.reps.value ? +f.reps.value : undefined });
    $('start').disabled = false;
  };
}

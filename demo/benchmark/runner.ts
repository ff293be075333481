// Runs the benchmark's (workload, system) pairs in this page with the very
// code `npm run bench` uses: bench/workloads.mjs for what is measured and
// checked, bench/systems/*.mjs for how each library does it. This file is the
// page's driver (bench/page.mjs is the CLI's): it loads the systems from the
// site's own copies (vendor/, see demo/build/demo-assets.ts) and hands
// webgrad's system the page's own library module, so the benchmark drives the
// same webgrad instance the backend picker shows.
import { summarize } from '../../bench/lib/common.mjs';
import { makeJax } from '../../bench/systems/jax.mjs';
import { makeTfjs } from '../../bench/systems/tfjs.mjs';
import { makeWebgrad } from '../../bench/systems/webgrad.mjs';
import { WORKLOADS } from '../../bench/workloads.mjs';
import { loadDigits } from '../shared/mnist-data.js';

/** One (workload, system) result, as bench/page.mjs reports it. */
export interface PairResult {
  workload: string;
  system: string;
  unit?: string;
  better?: string;
  ok: boolean;
  median?: number;
  min?: number;
  max?: number;
  q1?: number;
  q3?: number;
  n?: number;
  samples?: number[];
  note?: string;
  extra?: unknown;
  error?: string;
  seconds?: number;
}

interface BenchSystem {
  init(): Promise<string>;
  activate?(): unknown;
}

const webgradUrl = (): string => new URL(import.meta.env.DEV ? 'shared/webgradjs-module.ts' : 'assets/webgradjs.js', document.baseURI).href;
const jaxUrl = (): string => new URL('vendor/jax/index.js', document.baseURI).href;

const FACTORIES: Record<string, () => BenchSystem> = {
  'webgrad/webgpu': () => makeWebgrad('webgpu', { url: webgradUrl() }),
  'webgrad/wasm': () => makeWebgrad('wasm', { url: webgradUrl() }),
  'webgrad/wasm-1t': () => makeWebgrad('wasm', { url: webgradUrl(), threads: 1 }),
  'webgrad/cpu': () => makeWebgrad('cpu', { url: webgradUrl() }),
  'tfjs/webgpu': () => makeTfjs('webgpu'),
  'tfjs/wasm': () => makeTfjs('wasm'),
  'tfjs/cpu': () => makeTfjs('cpu'),
  'jax/webgpu': () => makeJax('webgpu', { url: jaxUrl() }),
  'jax/wasm': () => makeJax('wasm', { url: jaxUrl() }),
};

const systems = new Map<string, { sys: BenchSystem; ready: Promise<string> }>();

function getSystem(id: string, log: (msg: string) => void): { sys: BenchSystem; ready: Promise<string> } {
  let entry = systems.get(id);
  if (!entry) {
    const make = FACTORIES[id];
    if (!make) throw new Error(`unknown system ${id}`);
    const sys = make();
    entry = { sys, ready: sys.init().then((info) => { log(`  ${id}: ${info}`); return info; }) };
    systems.set(id, entry);
    // A failed start is retried next time rather than remembered.
    entry.ready.catch(() => systems.delete(id));
  }
  return entry;
}

/** Runs one pair; never throws (a failure comes back as { ok: false, error }). */
export async function runPair(workload: string, system: string, opts: { quick: boolean; reps?: number; log: (msg: string) => void }): Promise<PairResult> {
  const wl = WORKLOADS.find((w) => w.name === workload);
  const base = { workload, system, unit: wl?.unit, better: wl?.better };
  const t0 = performance.now();
  try {
    if (!wl) throw new Error(`unknown workload ${workload}`);
    const mnist = await loadDigits();
    const entry = getSystem(system, opts.log);
    await entry.ready;
    await entry.sys.activate?.();
    const ctx = {
      mnist,
      log: opts.log,
      reps: opts.reps ?? (wl.reps as { quick: number; full: number })[opts.quick ? 'quick' : 'full'],
      budgetMs: Math.max(1000, wl.budgetMs * (opts.quick ? 0.5 : 1)),
    };
    const r = (await wl.run(entry.sys, ctx)) as { samples: number[]; note?: string; extra?: unknown };
    return { ...base, ok: true, ...summarize(r.samples), samples: r.samples, note: r.note, extra: r.extra, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { ...base, ok: false, error: String((e as Error)?.message ?? e).split('\n')[0], seconds: (performance.now() - t0) / 1000 };
  }
}

/** Runs a pair with a time limit (twice the workload's budget plus a minute), as the CLI does. */
export function runPairWithLimit(workload: string, system: string, opts: { quick: boolean; reps?: number; log: (msg: string) => void }): Promise<PairResult> {
  const wl = WORKLOADS.find((w) => w.name === workload);
  // a workload may set its own limit (limitMs: the CNN step, whose first steps take a minute on SwiftShader)
  const limit = (wl as { limitMs?: number } | undefined)?.limitMs ?? (wl?.budgetMs ?? 60_000) * 2 + 60_000;
  return Promise.race([
    runPair(workload, system, opts),
    new Promise<PairResult>((res) => setTimeout(() => res({ workload, system, unit: wl?.unit, better: wl?.better, ok: false, error: `timeout after ${limit / 1000} s` }), limit)),
  ]);
}

/** What the browser and its WebGPU adapter say about themselves. */
export async function environment(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    webgpu: 'gpu' in navigator,
  };
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    out.adapter = info
      ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? null }
      : null;
  } catch (e) {
    out.adapterError = (e as Error).message;
  }
  return out;
}

// A/B of the bench's mlp-mnist-step (784-256-256-10, relu, relu, softmax,
// categorical cross-entropy, SGD 0.1, batch 128) on WebGPU in Node, in one
// process: two models with the same weights, their steps timed alternately so
// load from other jobs hits both alike. The two sides are either this tree
// with and without the subgroup matmul (shaders/matmul_quad.wgsl), or, with
// --base DIR, this tree and another checkout's src/ (e.g. `git worktree add
// /tmp/base HEAD~1`; each side has its own device). Prints first-step times
// (compile included), median / best wall ms per step, median CPU ms per step
// (steadier than wall time on a shared machine) and the losses (which must
// agree to rounding).
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node bench/kernels/mlp-step-ab.mjs [--reps 20] [--quad-first] [--base DIR] [--profile] [--kernels N]
//
// --kernels N: N more steps per side, alternating, under wg.profile; prints
// each kernel's median GPU-timestamp ms per side (less noisy than wall time
// when one kernel changes).
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { createServer } from 'vite';
import { arg, median, timeAlternately } from './ab_common.mjs';
import { mnistMlpStep } from './mnist_mlp_ab.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REPS = Number(arg('reps', '20'));

Object.assign(globalThis, globals);
const BASE = arg('base', '');
const vites = [];
/** The library loaded from `dir` (its own Vite server, module graph and device). */
async function library(dir) {
  const vite = await createServer({ root: dir, logLevel: 'error', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
  vites.push(vite);
  const lib = await vite.ssrLoadModule('/src/index.ts');
  const { backendHost } = await vite.ssrLoadModule('/src/backends/select.ts');
  await lib.ready({ backend: 'webgpu', gpu: create([]) });
  return { lib, backend: await backendHost.getBackend() };
}
const here = await library(root);
const base = BASE ? await library(BASE) : null;
if (!here.backend.quads) console.log('note: this device has no 4-wide subgroups; the register sides run matmul.wgsl');

async function model(quads, name, { lib: wg, backend } = here) {
  backend.quads = quads;
  const step = mnistMlpStep(wg);
  const t0 = performance.now();
  const loss = await step(); // compiles the step (first step)
  return { name, wg, backend, quads, step, first: performance.now() - t0, losses: [loss], ms: [], cpu: [] };
}

// The first model built compiles the kernels both share: its first step is the
// longer one. --quad-first builds the subgroup side first (compare the first
// steps across two runs with and without it).
const quadFirst = process.argv.includes('--quad-first');
const sides = base
  ? [await model(here.backend.quads, 'new'), await model(base.backend.quads, 'base', base)]
  : quadFirst ? [await model(true, 'quad'), await model(false, 'registers')].reverse() : [await model(false, 'registers'), await model(true, 'quad')];
await timeAlternately(sides, REPS);
for (const s of sides)
  console.log(`${s.name.padEnd(10)} first step ${s.first.toFixed(0)} ms, step median ${median(s.ms).toFixed(1)} ms, best ${Math.min(...s.ms).toFixed(1)} ms, CPU median ${median(s.cpu).toFixed(1)} ms (this process, SwiftShader's threads included); losses ${s.losses[0].toFixed(5)} -> ${s.losses.at(-1).toFixed(5)}`);
if (process.argv.includes('--profile'))
  for (const s of sides) {
    s.backend.quads = s.quads;
    const p = await s.wg.profile(() => s.step());
    console.log(`${s.name}:\n${p.table()}`);
  }
const KERNEL_REPS = Number(arg('kernels', '0'));
if (KERNEL_REPS) {
  const per = sides.map(() => new Map()); // kernel name -> ms per step
  for (let r = 0; r < KERNEL_REPS; r++)
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const s = sides[i];
      s.backend.quads = s.quads;
      const p = await s.wg.profile(() => s.step());
      const step = new Map();
      for (const k of p.kernels) step.set(k.name, (step.get(k.name) ?? 0) + k.ms);
      for (const [name, ms] of step) per[i].set(name, [...(per[i].get(name) ?? []), ms]);
    }
  const names = [...new Set([...per[0].keys(), ...per[1].keys()])];
  const med = (m, n) => (m.has(n) ? median(m.get(n)) : NaN);
  names.sort((a, b) => med(per[1], b) - med(per[1], a));
  console.log(`median kernel ms per step over ${KERNEL_REPS} profiled steps: ${sides.map((s) => s.name).join(' / ')}`);
  for (const n of names) console.log(`${med(per[0], n).toFixed(2).padStart(8)} ${med(per[1], n).toFixed(2).padStart(8)}  ${n}`);
  const totals = per.map((m) => [...m.values()].reduce((t, v) => t + median(v), 0));
  console.log(`${totals[0].toFixed(2).padStart(8)} ${totals[1].toFixed(2).padStart(8)}  (sum of medians)`);
}
const d = Math.max(...sides[0].losses.map((l, i) => Math.abs(l - sides[1].losses[i])));
console.log(`max loss difference between the sides: ${d.toExponential(2)}; load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(2)).join(' ')}`);
for (const v of vites) await v.close();
process.exit(0);

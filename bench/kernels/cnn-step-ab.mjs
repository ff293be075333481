// A/B of the bench's cnn-mnist-step (28x28x1 -> conv 3x3x32 relu -> maxpool 2
// -> conv 3x3x64 relu -> maxpool 2 -> dense 128 relu -> dense 10 softmax,
// categorical cross-entropy, SGD 0.01, batch 64) on WebGPU in Node, with two
// settings of `convTuning` (src/backends/webgpu/conv_program.ts), in one
// process: two models with the same weights, their steps timed alternately so
// load from other jobs hits both alike. Prints first-step times (compile
// included), median / best wall ms per step, median CPU ms per step and the
// losses (which must agree).
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node bench/kernels/cnn-step-ab.mjs [--reps 10] [--a '{"quads":false}'] [--b '{"quads":true}'] [--profile 5]
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { create, globals } from 'webgpu';
import { createServer } from 'vite';
import { arg, median, timeAlternately } from './ab_common.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REPS = Number(arg('reps', '10'));
const settings = [JSON.parse(arg('a', '{"quads":false}')), JSON.parse(arg('b', '{"quads":true}'))];

Object.assign(globalThis, globals);
const vite = await createServer({ root, logLevel: 'error', server: { middlewareMode: true }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
const wg = await vite.ssrLoadModule('/src/index.ts');
const { backendHost } = await vite.ssrLoadModule('/src/backends/select.ts');
const { convTuning } = await vite.ssrLoadModule('/src/backends/webgpu/conv_program.ts');
await wg.ready({ backend: 'webgpu', gpu: create([]) });
const backend = await backendHost.getBackend();
if (!backend.quads) console.log('note: this device has no 4-wide subgroups');
const defaults = { ...convTuning };

function rand(n, seed, lo = -1, hi = 1) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return out;
}
const B = 64;
const xData = rand(B * 784, 3, 0, 1);
const yData = new Float32Array(B * 10);
for (let i = 0; i < B; i++) yData[i * 10 + (i * 7) % 10] = 1;
const SHAPES = [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 128], [128], [128, 10], [10]];
const FANS = [[9, 288], null, [288, 576], null, [1600, 128], null, [128, 10], null];

function use(setting) { Object.assign(convTuning, defaults, setting); }

async function model(setting, name) {
  use(setting);
  const L = wg.layers;
  const m = wg.sequential({
    layers: [
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'valid', inputShape: [28, 28, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'valid' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 128, activation: 'relu' }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.setWeights(SHAPES.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const lim = FANS[i] ? Math.sqrt(6 / (FANS[i][0] + FANS[i][1])) : 0;
    return wg.tensor(FANS[i] ? rand(n, 10 + i, -lim, lim) : new Float32Array(n), s);
  }));
  m.compile({ optimizer: wg.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const x = wg.tensor(xData, [B, 28, 28, 1]), y = wg.tensor(yData, [B, 10]);
  const step = async () => {
    use(setting);
    const h = await m.fit(x, y, { epochs: 1, batchSize: B, shuffle: false, verbose: 0 });
    return h.history.loss.at(-1);
  };
  const t0 = performance.now();
  const loss = await step();
  return { name, setting, step, first: performance.now() - t0, losses: [loss], ms: [], cpu: [] };
}

const sides = [await model(settings[0], 'A'), await model(settings[1], 'B')];
await timeAlternately(sides, REPS);
for (const s of sides)
  console.log(`${s.name} ${JSON.stringify(s.setting)}: first step ${s.first.toFixed(0)} ms, step median ${median(s.ms).toFixed(1)} ms, best ${Math.min(...s.ms).toFixed(1)} ms, CPU median ${median(s.cpu).toFixed(1)} ms; losses ${s.losses[0].toFixed(5)} -> ${s.losses.at(-1).toFixed(5)}`);
// --profile N: N more steps per side under wg.profile, alternating; median ms per kernel.
const PROFILES = Number(arg('profile', '0'));
if (PROFILES > 0) {
  const per = sides.map(() => new Map());
  for (let r = 0; r < PROFILES; r++)
    for (const [i, s] of sides.entries()) {
      use(s.setting);
      const p = await wg.profile(() => s.step());
      for (const k of p.summary) per[i].set(k.name, [...(per[i].get(k.name) ?? []), k.totalMs]);
    }
  const names = [...per[0].keys()].sort((p, q) => median(per[0].get(q)) - median(per[0].get(p)));
  console.log('median kernel ms over ' + PROFILES + ' profiled steps:      A        B');
  let ta = 0, tb = 0;
  for (const n of names) {
    const a = median(per[0].get(n)), b = per[1].has(n) ? median(per[1].get(n)) : NaN;
    ta += a; tb += b || 0;
    console.log(`  ${n.slice(0, 60).padEnd(60)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(8)}`);
  }
  for (const n of per[1].keys()) if (!per[0].has(n)) { const b = median(per[1].get(n)); tb += b; console.log(`  ${n.slice(0, 60).padEnd(60)} ${'-'.padStart(8)} ${b.toFixed(1).padStart(8)}`); }
  console.log(`  ${'sum of medians'.padEnd(60)} ${ta.toFixed(1).padStart(8)} ${tb.toFixed(1).padStart(8)}`);
}
const d = Math.max(...sides[0].losses.map((l, i) => Math.abs(l - sides[1].losses[i])));
console.log(`max loss difference between the sides: ${d.toExponential(2)}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
await vite.close();
process.exit(0);

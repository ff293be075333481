// A/B of the MNIST CNN's convolution kernels one at a time on WebGPU in Node
// (Dawn on SwiftShader), with two settings of `convTuning`
// (src/backends/webgpu/conv_program.ts): process CPU time per kernel (SwiftShader's
// threads included), which a loaded shared machine disturbs less than wall
// time. Settings alternate rep by rep; prints median and best CPU ms and the
// largest difference between the two sides' results.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node bench/kernels/conv-kernels-ab.mjs [--reps 10] [--a '{"quads":false}'] [--b '{}'] [--only conv2-filter]
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { create, globals } from 'webgpu';
import { createServer } from 'vite';
import { arg, median } from './ab_common.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REPS = Number(arg('reps', '10'));
const settings = [JSON.parse(arg('a', '{"quads":false}')), JSON.parse(arg('b', '{}'))];
const only = arg('only', '');

Object.assign(globalThis, globals);
const vite = await createServer({ root, logLevel: 'error', server: { middlewareMode: true }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
const wg = await vite.ssrLoadModule('/src/index.ts');
const { convTuning } = await vite.ssrLoadModule('/src/backends/webgpu/conv_program.ts');
await wg.ready({ backend: 'webgpu', gpu: create([]) });
const defaults = { ...convTuning };
const use = (s) => Object.assign(convTuning, defaults, s);

function rand(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = (s / 4294967296) * 2 - 1; }
  return out;
}
const T = (shape, seed) => wg.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);
const x1 = T([64, 28, 28, 1], 1), y1 = T([64, 26, 26, 32], 9), dp1 = T([64, 13, 13, 32], 10), dy1 = T([64, 26, 26, 32], 8), f1 = T([3, 3, 1, 32], 2), x2 = T([64, 13, 13, 32], 3), f2 = T([3, 3, 32, 64], 4), dy2 = T([64, 11, 11, 64], 5), b2 = T([64], 6), b1 = T([32], 7);
// Side A multiplies the result by 1, side B divides it by 1, fused into the
// kernel's epilogue: the graphs differ, so each side gets its own cached plan
// and compiles its kernels with its own setting.
const KERNELS = {
  'conv1-forward': (c) => c(wg.relu(wg.add(wg.conv2d(x1, f1, 1, 'valid'), b1))),
  'conv1-filter-grad': (c) => c(wg.grads((f) => wg.conv2d(x1, f, 1, 'valid'))([f1], dy1)[0]),
  'pool1-forward': (c) => c(wg.maxPool(y1, 2, 2, 'valid')),
  'pool1-grad': (c) => c(wg.grad((t) => wg.maxPool(wg.relu(t), 2, 2, 'valid'))(y1, dp1)),
  'conv2-forward': (c) => c(wg.relu(wg.add(wg.conv2d(x2, f2, 1, 'valid'), b2))),
  'conv2-input-grad': (c) => c(wg.conv2dTranspose(dy2, f2, [64, 13, 13, 32], 1, 'valid')),
  'conv2-filter-grad': (c) => c(wg.grads((f) => wg.conv2d(x2, f, 1, 'valid'))([f2], dy2)[0]),
};
const SIDE = [(t) => wg.mul(t, 1), (t) => wg.div(t, 1)];
for (const [name, fn] of Object.entries(KERNELS)) {
  if (only && !name.includes(only)) continue;
  const cpu = [[], []], out = [];
  for (const [i, s] of settings.entries()) { use(s); out[i] = await fn(SIDE[i]).data(); } // compiles
  for (let r = 0; r < REPS; r++)
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      use(settings[i]);
      const u0 = process.cpuUsage();
      const t = fn(SIDE[i]);
      await t.data();
      const u = process.cpuUsage(u0);
      cpu[i].push((u.user + u.system) / 1000);
      t.dispose();
    }
  if (!REPS) continue;
  let d = 0;
  for (let j = 0; j < out[0].length; j++) d = Math.max(d, Math.abs(out[0][j] - out[1][j]));
  console.log(`${name.padEnd(18)} A ${median(cpu[0]).toFixed(1)} (best ${Math.min(...cpu[0]).toFixed(1)}) ms CPU, B ${median(cpu[1]).toFixed(1)} (best ${Math.min(...cpu[1]).toFixed(1)}); B/A ${(median(cpu[1]) / median(cpu[0])).toFixed(3)}; max |A-B| ${d.toExponential(1)}`);
}
console.log(`A ${JSON.stringify(settings[0])}, B ${JSON.stringify(settings[1])}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
await vite.close();
process.exit(0);

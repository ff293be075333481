// What a storage load costs on the adapter by the pattern of its per-lane
// indices: a kernel that sums 8 loads per loop step, 256 steps, 16384
// invocations, with lane l (= local index % 4, SwiftShader's SIMD lanes)
// reading base + l (sequential), base + 64 l (strided) or base (equal), as
// f32, as atomic<u32> (atomicLoad) and as vec4; "no load" is the same loop
// with the loads replaced by their index. Prints median / best wall ms.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node bench/kernels/load-patterns.mjs [--reps 11]
//
// Measured on SwiftShader (Node/Dawn, 2 vCPUs, load 1-4), best ms of 11 (4 runs):
//   no load 6-11, f32 sequential 53-68, strided 53-64, equal 50-55,
//   atomicLoad 63-75 (any pattern), vec4 sequential (summed) 134-159.
// The pattern does not matter: SwiftShader (SIMD::Pointer::Load) tests for
// equal or sequential lane offsets at run time only on its atomic / ordered
// path, which is no faster here; a plain load with a per-invocation index is
// a gather whatever the indices. A vec4 costs about 3 f32 loads. So only the
// number of loaded components per multiply-add counts (matmul_quad.wgsl).
import { create, globals } from 'webgpu';
import { arg, median } from './ab_common.mjs';

const REPS = Number(arg('reps', '11'));
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice();
const N = 1 << 20;

/** kind: 'f32' | 'atomic' | 'vec4' | 'none'; stride: how far apart the lanes' indices are. */
function kernel(kind, stride) {
  const elem = { f32: 'f32', none: 'f32', atomic: 'atomic<u32>', vec4: 'vec4<f32>' }[kind];
  const len = kind === 'vec4' ? N / 4 : N;
  const load = (i) =>
    kind === 'atomic' ? `bitcast<f32>(atomicLoad(&A[${i}]))` : kind === 'vec4' ? `dot(A[${i}], vec4<f32>(1.0))` : kind === 'none' ? `f32(${i})` : `A[${i}]`;
  const steps = [...Array(8).keys()].map((j) => `acc += ${load(`base + ${j * 4}u + lane * ${stride}u`)};`);
  return `
@group(0) @binding(0) var<storage, ${kind === 'atomic' ? 'read_write' : 'read'}> A: array<${elem}>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lane = li % 4u;
  var acc = 0.0;
  let off = (g.x / 4u) * 37u;
  for (var k = 0u; k < 256u; k++) {
    let base = (off + k * 32u) & ${len - 4096}u;
    ${steps.join('\n    ')}
  }
  ${kind === 'none' ? 'acc += A[lane];' : ''}
  O[g.x] = acc;
}`;
}

const a = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE });
const o = device.createBuffer({ size: 65536 * 4, usage: GPUBufferUsage.STORAGE });
const cases = [
  ['no load', 'none', 1], ['f32 sequential', 'f32', 1], ['f32 strided', 'f32', 64], ['f32 equal', 'f32', 0],
  ['atomic sequential', 'atomic', 1], ['atomic strided', 'atomic', 64], ['atomic equal', 'atomic', 0], ['vec4 sequential', 'vec4', 1],
].map(([name, kind, stride]) => {
  const pl = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: kernel(kind, stride) }), entryPoint: 'main' } });
  const bg = device.createBindGroup({ layout: pl.getBindGroupLayout(0), entries: [a, o].map((buffer, binding) => ({ binding, resource: { buffer } })) });
  return { name, pl, bg, ms: [] };
});
async function run(c) {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(c.pl);
  pass.setBindGroup(0, c.bg);
  pass.dispatchWorkgroups(256);
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}
for (const c of cases) await run(c); // warm-up
// Round-robin so that load from other jobs hits every case alike.
for (let r = 0; r < REPS; r++) for (const c of cases) c.ms.push(await run(c));
for (const c of cases) console.log(`${c.name.padEnd(18)} median ${median(c.ms).toFixed(1).padStart(6)} ms, best ${Math.min(...c.ms).toFixed(1).padStart(6)} ms`);
console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
device.destroy();
process.exit(0);

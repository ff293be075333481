// Matmul kernel variants, in the style of llm.c's dev/cuda: a float64 CPU
// reference, numbered variants (bench/kernels/matmul-variants/*.wgsl), a
// correctness check of every variant before it is timed, and a GFLOP/s table.
// The winner lives in shaders/matmul*.wgsl; the variant `lib` runs it through
// the real descriptor (src/backends/webgpu/matmul_program.ts, loaded with Vite)
// and gets the full shape / transpose / bias / activation sweep.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp \
//     node bench/kernels/matmul-variants.mjs [--sizes 256,512,1024] [--only v1_naive,lib] [--reps 3] [--quick]
//
// --only takes full names or prefixes ending before an underscore (v5 = all v5_*).
// --shapes 128x256x784,784x256x128:A,... times those products (M x N x K, :A / :B transposed)
// instead of the square sizes; --body FILE:TMxTN:WXxWY,... adds body candidates (see below,
// e.g. bench/kernels/matmul-variants/v6_16x16.wgsl:16x16:4x4); --compile N prints the median
// pipeline compile time of each variant (N fresh compiles) and exits; libq is the library's
// subgroup kernel (shaders/matmul_quad.wgsl) where the adapter has 4-wide subgroups.
//
// Measured on SwiftShader, 2 vCPUs shared with other jobs (wall median / CPU-based):
//   256: naive 0.08/0.17, v2 0.65/1.29, lib 1.00/2.00   512: naive 0.08/0.15, v2 0.75/1.01, lib 0.96/2.09
//   1024: naive 0.07/0.14, v2 0.42/1.12, lib 0.99/2.02 GFLOP/s   (v5_v16x16: ~1.4-1.6/2.2-3.1)
// What mattered there: every storage load with a per-invocation index is a
// 4-lane gather, so loads per FMA rule -> bigger register blocks, base indices
// hoisted out of the K loop, K unrolled by 8. Workgroup memory did not help.
// Whatever the lanes' indices: sequential, equal or strided cost the same
// (bench/kernels/load-patterns.mjs). libq on 128x256x784 (Node, SwiftShader):
// about half its time loads, a third multiply-adds, the rest quad swaps;
// explicit fma(), K unrolled by 2, 16x8 per lane and other workgroup shapes
// were no faster.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SIZES = arg('sizes', '256,512,1024').split(',').map(Number);
// --shapes MxNxK[:A][:B],... times these (transposed A / B) instead of the square sizes,
// e.g. the MNIST MLP's step: 128x256x784,784x256x128:A,128x256x256:B
const SHAPES = arg('shapes', '').split(',').filter(Boolean).map((s) => {
  const [mnk, ...flags] = s.split(':');
  const [m, n, k] = mnk.split('x').map(Number);
  return { m, n, k, transA: flags.includes('A'), transB: flags.includes('B'), hasBias: false, act: 0, label: s };
});
const ONLY = arg('only', '').split(',').filter(Boolean);
const REPS = Number(arg('reps', '0'));
const QUICK = process.argv.includes('--quick'); // skip lib's big-shape checks
const CORES = (await import('node:os')).availableParallelism();
const read = (p) => readFileSync(root + p, 'utf8');
// activations.wgsl calls the NaN helpers of nonfinite.wgsl.
// The library's WGSL functions (wg_activate is generated from the op table): set below, once Vite has loaded them.
let ACT_WGSL = '';
const variantSrc = (f) => ACT_WGSL + read(`bench/kernels/matmul-variants/${f}`);

// ---------------------------------------------------------------- variants
// Each returns { code, constants, workgroups } for a config, or null when
// it does not support it (the fast paths need alignment / no transposes).
const cdiv = (a, b) => Math.ceil(a / b);
const base = (c) => ({ TRANS_A: +c.transA, TRANS_B: +c.transB, HAS_BIAS: +c.hasBias, ACT: c.act });

// v4: register-blocked body shared by a vec4 and a scalar loader source
// (loaders_*.wgsl). Each invocation owns TM rows x NG groups of 4 columns;
// groups are WG_X*4 columns apart so neighbouring invocations read
// neighbouring 16-byte chunks of B (coalesced on GPUs). Generated unrolled:
// SwiftShader keeps private arrays in memory, named vec4s stay in registers.
function body(TM, NG, v5 = false, U = 1) {
  const L = [];
  const rows = [...Array(TM / 4).keys()], groups = [...Array(NG).keys()];
  L.push(`override WG_X: u32 = 16u;\noverride WG_Y: u32 = 4u;`);
  L.push(`@compute @workgroup_size(WG_X, WG_Y)`);
  L.push(`fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {`);
  L.push(`  let M = dims.M; let N = dims.N; let K = dims.K;`);
  L.push(`  let BM = WG_Y * ${TM}u; let BN = WG_X * ${4 * NG}u;`);
  L.push(`  let t = wid.x + wid.y * nwg.x; let tilesN = (N + BN - 1u) / BN;`);
  L.push(`  let tm = t / tilesN; let tn = t % tilesN;`);
  L.push(`  if (tm * BM >= M) { return; }`);
  L.push(`  let r0 = tm * BM + lid.y * ${TM}u;`);
  for (const g of groups) L.push(`  let c${g} = tn * BN + lid.x * 4u + ${g}u * WG_X * 4u;`);
  for (let i = 0; i < TM; i++) for (const g of groups) L.push(`  var acc${i}_${g} = vec4<f32>();`);
  if (v5) {
    for (const q of rows) L.push(`  let ba${q} = a_bases(r0 + ${4 * q}u);`);
    for (const g of groups) L.push(`  let bb${g} = b_bases(c${g});`);
  }
  const step = (sfx, kx = 'k') => {
    if (v5) {
      L.push(`    let ka = a_koff(${kx}); let kb = b_koff(${kx});`);
      const t = sfx ? ', k' : '';
      for (const q of rows) L.push(`    let a${q} = load_a${sfx}(ba${q}, ka${t});`);
      for (const g of groups) L.push(`    let b${g} = load_b${sfx}(bb${g}, kb${t});`);
    } else {
      for (const q of rows) L.push(`    let a${q} = load_a${sfx}(r0 + ${4 * q}u, k);`);
      for (const g of groups) L.push(`    let b${g} = load_b${sfx}(k, c${g});`);
    }
    for (let i = 0; i < TM; i++) for (const g of groups) L.push(`    acc${i}_${g} += b${g} * a${i >> 2}[${i & 3}];`);
  };
  L.push(`  let kFull = K & ~3u;`);
  if (U === 1) {
    L.push(`  for (var k = 0u; k < kFull; k += 4u) {`); step(''); L.push(`  }`);
  } else {
    // Unrolled by 8 along K, then at most one 4-step left.
    L.push(`  var k = 0u;`);
    L.push(`  for (; k + 8u <= kFull; k += 8u) {\n    {`); step(''); L.push(`    }\n    {`); step('', 'k + 4u'); L.push(`    }\n  }`);
    L.push(`  if (k < kFull) {`); step(''); L.push(`  }`);
  }
  L.push(`  if (kFull < K) {\n    let k = kFull;`); step('_tail'); L.push(`  }`);
  for (const g of groups) L.push(`  var bias${g} = vec4<f32>();\n  if (HAS_BIAS) { bias${g} = load_bias(min(c${g}, N - 1u)); }`);
  for (let i = 0; i < TM; i++) for (const g of groups) L.push(`  store_c(r0 + ${i}u, c${g}, act4(acc${i}_${g} + bias${g}));`);
  L.push(`}`);
  return `override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha), wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}
` + L.join('\n') + '\n';
}
const MAX_GROUPS = 65535;
function spread(groups) {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}
function v4(TM, NG, WX, WY, forceScalar = false, v5 = false, U = 1) {
  return {
    name: `v${v5 ? 5 : 4}_${forceScalar ? 's' : 'v'}${TM}x${4 * NG}_${WX}x${WY}${U > 1 ? '_u8' : ''}`,
    program: (c) => {
      const vec = !forceScalar && c.k % 4 === 0 && c.n % 4 === 0 && (!c.transA || c.m % 4 === 0);
      // v5 uses the library's own loaders (shaders/matmul_*.wgsl), v4 the older ones here.
      const loaders = v5 ? `shaders/matmul_${vec ? 'vec4' : 'scalar'}.wgsl` : `bench/kernels/matmul-variants/loaders_${vec ? 'vec4' : 'scalar'}.wgsl`;
      const code = ACT_WGSL + (v5 ? read('shaders/matmul_bindings.wgsl') : '') + read(loaders) + body(TM, NG, v5, U);
      return { code, constants: { ...base(c), WG_X: WX, WG_Y: WY }, workgroups: spread(cdiv(c.m, TM * WY) * cdiv(c.n, 4 * NG * WX)) };
    },
  };
}
const VARIANTS = [
  {
    name: 'v1_naive',
    program: (c) => ({ code: variantSrc('v1_naive.wgsl'), constants: base(c), workgroups: [cdiv(c.n, 8), cdiv(c.m, 8), 1] }),
  },
  {
    name: 'v2_vec4_4x4',
    program: (c) =>
      c.transA || c.transB || c.k % 4 || c.n % 4
        ? null
        : { code: variantSrc('v2_vec4_4x4.wgsl'), constants: { ...base(c), WG_X: 8, WG_Y: 8 }, workgroups: [cdiv(c.n, 32), cdiv(c.m, 32), 1] },
  },
  {
    name: 'v3_strided_4x4',
    program: (c) => ({ code: variantSrc('v3_strided.wgsl'), constants: { ...base(c), WG_X: 16, WG_Y: 4 }, workgroups: [cdiv(c.n, 64), cdiv(c.m, 16), 1] }),
  },
  v4(4, 1, 16, 4), // 4x4 blocks from loaders_*.wgsl, indices recomputed per step
  v4(8, 2, 8, 8), // 8x8 per thread
  v4(8, 2, 8, 8, false, true), // v5: + base indices hoisted out of the K loop
  v4(8, 2, 8, 8, false, true, 2), // + K unrolled by 8 (the shape of the winner)
  v4(8, 2, 8, 8, true, true, 2), // same, scalar loaders forced (the fallback's speed)
  // 16x16 per thread: fastest on SwiftShader (fewest loads per FMA), but 256
  // accumulators per thread would spill on any real GPU, so not the winner.
  v4(16, 4, 8, 8, false, true),
];

// ---------------------------------------------------------------- WebGPU
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice({ requiredFeatures: adapter.features.has('subgroups') ? ['subgroups'] : [], requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } });
const info = adapter.info ?? {};
console.log(`adapter: ${info.vendor ?? '?'} ${info.architecture ?? ''} ${info.description ?? ''}`);

// The real descriptor, through Vite so `?raw` imports and TypeScript work.
const vite = await createServer({ root, logLevel: 'error', server: { middlewareMode: true }, appType: 'custom', optimizeDeps: { noDiscovery: true } });
const { matmulProgram } = await vite.ssrLoadModule('/src/backends/webgpu/matmul_program.ts');
const { FUNCTIONS_WGSL, withFunctions } = await vite.ssrLoadModule('/src/backends/webgpu/wgsl_library.ts');
ACT_WGSL = FUNCTIONS_WGSL;
const { EPILOGUE_ACTIVATIONS } = await vite.ssrLoadModule('/src/kernels/elementwise_table.ts');
// The library appends the scheduler's generated epilogue; an identity one here.
const IDENTITY_EPILOGUE = 'fn wg_epilogue(v: f32, i: u32) -> f32 { return v; }';
// Body candidates in files given by --body (a matmul.wgsl-like body, 16x16 per invocation etc.):
// --body /tmp/x.wgsl:16x8:4x4 -> variant 'x_4x4' with the library loaders (unless the body declares
// MatmulElement itself), 16 rows x 8 columns per invocation, 4x4 invocations per workgroup.
for (const spec of arg('body', '').split(',').filter(Boolean)) {
  const [file, out, wg] = spec.split(':');
  const [WX, WY] = wg.split('x').map(Number);
  const [TM, TN] = out.includes('x') ? out.split('x').map(Number) : [+out, +out];
  const name = `${file.split('/').pop().replace('.wgsl', '')}_${wg}`;
  VARIANTS.push({
    name,
    program: (c) => {
      const vec = c.k % 4 === 0 && c.n % 4 === 0 && (!c.transA || c.m % 4 === 0);
      const src = readFileSync(file, 'utf8');
      // A body that declares its own element type needs no loaders.
      const loaders = src.includes('alias MatmulElement') ? '' : read(`shaders/matmul_${vec ? 'vec4' : 'scalar'}.wgsl`);
      // `enable` directives must open the module.
      const enables = src.match(/^enable [^;]*;\n/m)?.[0] ?? '';
      const code = enables + withFunctions(read('shaders/matmul_bindings.wgsl') + loaders + src.replace(enables, '') + '\n' + IDENTITY_EPILOGUE);
      return { code, constants: { ...base(c), K_TAIL: +(c.k % 4 !== 0), WG_X: WX, WG_Y: WY }, workgroups: spread(cdiv(c.m, TM * WY) * cdiv(c.n, TN * WX)) };
    },
  });
}
VARIANTS.push({ name: 'lib', program: (c) => { const p = matmulProgram(c); return { ...p, code: withFunctions(`${p.code}\n${IDENTITY_EPILOGUE}`) }; } });
// The library's kernel for subgroups of 4 (matmul_quad.wgsl), where the adapter has them.
if (device.features.has('subgroups') && adapter.info.subgroupMinSize === 4 && adapter.info.subgroupMaxSize === 4) {
  VARIANTS.push({ name: 'libq', program: (c) => { const p = matmulProgram({ ...c, quads: true }); return { ...p, code: withFunctions(`${p.code}\n${IDENTITY_EPILOGUE}`) }; } });
}

const pipelines = new Map();
async function pipelineFor(p) {
  const key = p.code + JSON.stringify(p.constants);
  let pl = pipelines.get(key);
  if (!pl) {
    const t0 = performance.now();
    const module = device.createShaderModule({ code: p.code });
    pl = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: p.constants } });
    if (process.argv.includes('--compile-times')) console.log(`  compile ${(performance.now() - t0).toFixed(0)} ms ${JSON.stringify(p.constants)}`);
    pipelines.set(key, pl);
  }
  return pl;
}

const S = GPUBufferUsage;
function buffer(data, usage = S.STORAGE | S.COPY_DST | S.COPY_SRC) {
  // Sizes rounded up to 16 bytes and padding filled with NaN: kernels must not
  // let the padding reach the result (the backend does not zero it either).
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const b = device.createBuffer({ size, usage, mappedAtCreation: true });
  const view = new Float32Array(b.getMappedRange());
  view.fill(NaN);
  view.set(new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4));
  b.unmap();
  return b;
}

/** Uploads one config and returns { dispatch, result, destroy }. */
async function setup(prog, c, a, b, bias) {
  const pl = await pipelineFor(prog);
  const bufs = [buffer(a), buffer(b), buffer(bias ?? new Float32Array(4)), buffer(new Float32Array(c.m * c.n))];
  const dims = new ArrayBuffer(16);
  new Uint32Array(dims, 0, 3).set([c.m, c.n, c.k]);
  new Float32Array(dims, 12, 1)[0] = c.alpha ?? 0.2;
  const ubuf = buffer(new Float32Array(dims), S.UNIFORM | S.COPY_DST);
  const bg = device.createBindGroup({
    layout: pl.getBindGroupLayout(0),
    entries: [...bufs, ubuf].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const dispatch = () => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pl);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(...prog.workgroups);
    pass.end();
    device.queue.submit([enc.finish()]);
  };
  device.pushErrorScope('validation');
  dispatch(); // also the warm-up for timing
  await device.queue.onSubmittedWorkDone();
  const err = await device.popErrorScope();
  if (err) throw new Error(err.message);
  return { dispatch, result: () => readBack(bufs[3], c.m * c.n), destroy: () => [...bufs, ubuf].forEach((x) => x.destroy()) };
}

/**
 * Times one dispatch: wall ms and CPU ms of this process (SwiftShader's
 * worker threads included), which barely moves when other jobs share the
 * machine while wall time does.
 */
async function timeOnce(s) {
  const t0 = performance.now(), u0 = process.cpuUsage();
  s.dispatch();
  await device.queue.onSubmittedWorkDone();
  const u = process.cpuUsage(u0);
  return [performance.now() - t0, (u.user + u.system) / 1000];
}

async function readBack(buf, n) {
  const st = device.createBuffer({ size: buf.size, usage: S.MAP_READ | S.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, st, 0, buf.size);
  device.queue.submit([enc.finish()]);
  await st.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(st.getMappedRange().slice(0, n * 4));
  st.destroy();
  return out;
}

// ---------------------------------------------------------------- CPU reference
function rand(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const erf = (x) => { // A&S 7.1.26, same as the shader (only used for GELU's reference)
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  return s * (1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-a * a));
};
/** Float64 activations by name; their codes are the library's (EPILOGUE_ACTIVATIONS, from the op table). */
const ACTS_BY_NAME = {
  linear: (x) => x, relu: (x) => Math.max(x, 0), sigmoid, tanh: Math.tanh, leakyRelu: (x, al) => (x >= 0 ? x : al * x),
  swish: (x) => x * sigmoid(x), elu: (x, al) => (x >= 0 ? x : al * (Math.exp(x) - 1)), gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
};
const ACTS = EPILOGUE_ACTIVATIONS.map((name) => ACTS_BY_NAME[name]);
/** Float64 reference of entry (i, j); also returns sum |a||b| for the tolerance. */
function refAt(c, a, b, bias, i, j) {
  let s = 0, mag = 0;
  for (let p = 0; p < c.k; p++) {
    const x = c.transA ? a[p * c.m + i] : a[i * c.k + p];
    const y = c.transB ? b[j * c.k + p] : b[p * c.n + j];
    s += x * y;
    mag += Math.abs(x * y);
  }
  if (bias) s += bias[j];
  return [ACTS[c.act](s, c.alpha ?? 0.2), mag + 1];
}
/** Max abs error vs the reference (all entries, or `samples` random ones). */
function check(c, a, b, bias, out, samples = 0) {
  let maxErr = 0, bad = 0;
  const test = (i, j) => {
    const [ref, mag] = refAt(c, a, b, bias, i, j);
    const e = Math.abs(out[i * c.n + j] - ref);
    if (!(e <= 2e-6 * mag + 1e-6)) bad++; // NaN fails too
    maxErr = Math.max(maxErr, Number.isNaN(e) ? Infinity : e);
  };
  if (samples) {
    let s = 12345;
    for (let t = 0; t < samples; t++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const i = s % c.m;
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      test(i, s % c.n);
    }
    test(c.m - 1, c.n - 1);
  } else for (let i = 0; i < c.m; i++) for (let j = 0; j < c.n; j++) test(i, j);
  return { maxErr, bad };
}

function cfg(m, n, k, o = {}) {
  return { m, n, k, transA: false, transB: false, hasBias: false, act: 0, ...o };
}
async function verify(v, c, samples = 0) {
  const prog = v.program(c);
  if (!prog) return null;
  const a = rand(c.m * c.k, 1 + c.m), b = rand(c.k * c.n, 2 + c.n), bias = c.hasBias ? rand(c.n, 3) : null;
  const st = await setup(prog, c, a, b, bias);
  const out = await st.result();
  st.destroy();
  return check(c, a, b, bias, out, samples);
}

// ---------------------------------------------------------------- compile time
// --compile N: compile each variant's pipeline N times (round-robin, a unique
// comment defeats caches) for C = relu(A·B + bias) with 784-long K, print the median, and exit.
const COMPILE_REPS = Number(arg('compile', '0'));
if (COMPILE_REPS) {
  const c = cfg(128, 256, 784, { hasBias: true, act: 1 });
  const vs = VARIANTS.filter((v) => !ONLY.length || ONLY.some((o) => v.name === o || v.name.startsWith(o + '_'))).filter((v) => v.program(c));
  const times = new Map(vs.map((v) => [v.name, []]));
  for (let r = 0; r < COMPILE_REPS; r++)
    for (const v of vs) {
      const p = v.program(c);
      const t0 = performance.now();
      const module = device.createShaderModule({ code: `${p.code}\n// ${r} ${Math.random()}` });
      await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants: p.constants } });
      times.get(v.name).push(performance.now() - t0);
    }
  for (const [name, t] of times) console.log(`compile ${name.padEnd(20)} median ${[...t].sort((p, q) => p - q)[t.length >> 1].toFixed(0)} ms, min ${Math.min(...t).toFixed(0)} ms`);
  await vite.close();
  device.destroy();
  process.exit(0);
}

// ---------------------------------------------------------------- correctness
const variants = VARIANTS.filter((v) => !ONLY.length || ONLY.some((o) => v.name === o || v.name.startsWith(o + '_')));
const SMALL = [[1, 1, 1], [7, 13, 5], [33, 65, 17], [64, 64, 64], [1, 300, 17], [300, 1, 17], [5, 7, 1], [130, 66, 260], [4, 8, 12], [65, 129, 33]];
const ok = new Set();
for (const v of variants) {
  let worst = 0, bad = 0, ran = 0;
  const cases = SMALL.flatMap(([m, n, k]) => [cfg(m, n, k), cfg(m, n, k, { hasBias: true, act: 1 })]);
  if (v.name.startsWith('lib')) {
    for (const [m, n, k] of [[1, 1, 1], [7, 13, 5], [33, 65, 17], [8, 12, 16], [1, 64, 32], [64, 1, 32], [129, 67, 4], [12, 8, 20], [68, 72, 12], [36, 44, 28], [5, 9, 30]])
      for (let t = 0; t < 4; t++)
        for (let act = 0; act < 8; act++)
          cases.push(cfg(m, n, k, { transA: !!(t & 1), transB: !!(t & 2), hasBias: act % 2 === 1, act }));
  }
  for (const c of cases) {
    const r = await verify(v, c);
    if (!r) continue;
    ran++;
    worst = Math.max(worst, r.maxErr);
    if (r.bad) {
      bad++;
      console.log(`  FAIL ${v.name} ${JSON.stringify(c)} maxErr=${r.maxErr}`);
    }
  }
  if (v.name.startsWith('lib') && !QUICK) {
    // Big and degenerate shapes, spot-checked (a full float64 reference of 2048^3 is slow).
    for (const c of [cfg(2048, 2048, 2048), cfg(4096, 64, 64), cfg(64, 4096, 64, { transB: true }), cfg(300000, 1, 3, { hasBias: true }), cfg(1, 300000, 3, { transA: true }), cfg(1000, 1000, 1000, { transA: true, transB: true })]) {
      const r = await verify(v, c, 2000);
      ran++;
      worst = Math.max(worst, r.maxErr);
      if (r.bad) { bad++; console.log(`  FAIL ${v.name} ${JSON.stringify(c)} maxErr=${r.maxErr}`); }
    }
  }
  console.log(`check ${v.name.padEnd(18)} ${ran} cases, ${bad} failing, max abs err ${worst.toExponential(2)}`);
  if (!bad) ok.add(v.name);
}

// ---------------------------------------------------------------- timing
// GFLOP/s from the median wall time, "best" from the fastest rep, "cpu" from
// the median CPU time spread over the cores (what the wall figure would be
// with the cores to ourselves; a rough guide when the machine is shared).
console.log(`\n${'variant'.padEnd(20)}${'size'.padStart(6)}${'ms'.padStart(10)}${'GFLOP/s'.padStart(10)}${'best'.padStart(8)}${'cpu'.padStart(8)}${'max err'.padStart(11)}`);
// Reps run round-robin over the variants so that load from other jobs on a
// shared machine hits every variant alike.
const TIMED = SHAPES.length ? SHAPES : SIZES.map((n) => ({ ...cfg(n, n, n), label: String(n) }));
for (const c of TIMED) {
  const a = rand(c.m * c.k, 7), b = rand(c.k * c.n, 8);
  const runs = [];
  for (const v of variants) {
    const prog = ok.has(v.name) ? v.program(c) : null;
    if (!prog) continue;
    const st = await setup(prog, c, a, b, null);
    const { maxErr } = check(c, a, b, null, await st.result(), 200);
    runs.push({ v, st, maxErr, ms: [], cpu: [] });
  }
  const flop = 2 * c.m * c.n * c.k;
  const reps = REPS || (flop <= 2 * 256 ** 3 ? 7 : flop <= 2 * 512 ** 3 ? 5 : 3);
  for (let r = 0; r < reps; r++)
    for (const x of runs) {
      const [ms, cpu] = await timeOnce(x.st);
      x.ms.push(ms);
      x.cpu.push(cpu);
    }
  const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  const gf = (t) => (flop / t / 1e6).toFixed(2);
  for (const { v, st, maxErr, ms, cpu } of runs) {
    const med = median(ms), best = Math.min(...ms), medCpu = median(cpu) / CORES;
    console.log(`${v.name.padEnd(20)}${c.label.padStart(6)}${med.toFixed(1).padStart(10)}${gf(med).padStart(10)}${gf(best).padStart(8)}${gf(medCpu).padStart(8)}${maxErr.toExponential(2).padStart(11)}`);
    st.destroy();
  }
}
await vite.close();
device.destroy();
process.exit(0);

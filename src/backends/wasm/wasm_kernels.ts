// The wasm backend's kernel module: the matmul micro-kernel, small matmuls, the matmul
// epilogues (bias, then relu / leakyRelu) it can fuse in SIMD, the sum /
// max reductions (wasm_reduce.ts), softmax and softmax + cross-entropy
// (wasm_softmax.ts), pooling (wasm_pool.ts). Built once per
// backend from the emitter, compiled asynchronously, and instantiated on the
// backend's memory.
import { primitiveDef, type EpilogueActivation } from '../../kernels/elementwise_table.js';
import type { MatmulSpec } from '../../kernels/kernel_spec.js';
import { F32, I32, ModuleBuilder, OP, SIMD, V128, type Code } from './wasm_emitter.js';
import { DEFAULT_TILE, type GemmFn } from './wasm_gemm.js';
import { emitGemm } from './wasm_gemm_module.js';
import type { WasmHeap } from './wasm_heap.js';
import { emitPoolKernels, poolName, POOL_KERNELS, type PoolKernel } from './wasm_pool.js';
import { emitReducers, reduceName, WASM_REDUCERS, type ReduceFn, type WasmReducer } from './wasm_reduce.js';
import { emitSmallMatmul, type SmallDotsFn, type SmallRowsFn } from './wasm_small_matmul.js';
import { emitSoftmaxKernels, softmaxName, xentName, type SoftmaxFn, type XentFn } from './wasm_softmax.js';

/** `(c, bias, m, n, alpha)`: C[i, j] = act(C[i, j] + bias[j]) in place, over an m x n matrix. */
export type EpilogueFn = (c: number, bias: number, m: number, n: number, alpha: number) => void;

/** Activations whose epilogue runs in wasm; the others are applied in TypeScript. */
const WASM_ACTIVATIONS = ['linear', 'relu', 'leakyRelu'] as const;
type WasmActivation = (typeof WASM_ACTIVATIONS)[number];

export interface WasmKernels {
  /** The compiled module, which worker threads instantiate on the same memory. */
  module: WebAssembly.Module;
  gemm: GemmFn;
  /** Keyed `${act}:${hasBias}`. */
  epilogues: Map<string, EpilogueFn>;
  reducers: Record<WasmReducer, ReduceFn>;
  /** Softmax by `log`, and softmax + cross-entropy by xentName(grad, clip) (wasm_softmax.ts). */
  softmax: (log: boolean) => SoftmaxFn;
  xent: (grad: boolean, clip: boolean) => XentFn;
  /** Matmuls below the packed GEMM's size (wasm_small_matmul.ts). */
  smallRows: SmallRowsFn;
  smallDots: SmallDotsFn;
  /** Pooling and the max-pool gradient (wasm_pool.ts): `(x[, dy], out, ...poolArgs(geom))`. */
  pool: Record<PoolKernel, (...args: number[]) => void>;
}

function epilogueName(act: WasmActivation, bias: boolean): string {
  return `epilogue_${act}_${bias ? 'bias' : 'nobias'}`;
}

/** The module's bytes (exported for the tests, which check it validates); `shared`: it imports a shared memory. */
export function buildKernelModule(shared = false): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder(shared);
  emitGemm(mb, DEFAULT_TILE);
  for (const act of WASM_ACTIVATIONS) {
    for (const bias of [false, true]) if (act !== 'linear' || bias) emitEpilogue(mb.func(epilogueName(act, bias), [I32, I32, I32, I32, F32]), act, bias);
  }
  emitReducers(mb);
  emitSoftmaxKernels(mb);
  emitSmallMatmul(mb);
  emitPoolKernels(mb);
  return mb.encode();
}

/** Compiles the kernel module for `memory` (shared or not, as `shared` says) and instantiates it there. */
export async function compileKernels(memory: WebAssembly.Memory, shared = false): Promise<WasmKernels> {
  const module = await WebAssembly.compile(buildKernelModule(shared));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports as Record<string, unknown>;
  const epilogues = new Map<string, EpilogueFn>();
  for (const act of WASM_ACTIVATIONS) {
    for (const bias of [false, true]) {
      const fn = ex[epilogueName(act, bias)];
      if (typeof fn === 'function') epilogues.set(`${act}:${bias}`, fn as EpilogueFn);
    }
  }
  const reducers = Object.fromEntries(WASM_REDUCERS.map((r) => [r, ex[reduceName(r)] as ReduceFn])) as Record<WasmReducer, ReduceFn>;
  const softmax = (log: boolean): SoftmaxFn => ex[softmaxName(log)] as SoftmaxFn;
  const xent = (grad: boolean, clip: boolean): XentFn => ex[xentName(grad, clip)] as XentFn;
  const pool = Object.fromEntries(POOL_KERNELS.map((k) => [k, ex[poolName(k)]])) as WasmKernels['pool'];
  return { module, gemm: ex.gemm as GemmFn, epilogues, reducers, softmax, xent, smallRows: ex.small_mm_rows as SmallRowsFn, smallDots: ex.small_mm_dots as SmallDotsFn, pool };
}

/** Whether the module has the bias + activation epilogue of `act`. */
export function hasSimdActivation(kernels: WasmKernels, act: EpilogueActivation): boolean {
  return kernels.epilogues.has(`${act}:true`);
}

/**
 * Adds the bias and applies the activation of a matmul to its result, in
 * place: with the module's epilogue, else the bias there and `actFn` (the
 * activation compiled as an elementwise expression), else the CPU row.
 */
export function applyBiasActivation(kernels: WasmKernels, heap: WasmHeap, s: MatmulSpec, bias: number | null, out: number, actFn: ((out: number, n: number, x: number) => void) | null = null): void {
  if (bias === null && s.act === 'linear') return;
  const simd = kernels.epilogues.get(`${s.act}:${bias !== null}`);
  if (simd) {
    simd(out, bias ?? 0, s.m, s.n, s.alpha);
    return;
  }
  const act = s.act;
  if (act === 'linear') return; // unreachable: linear has SIMD versions
  if (bias !== null) kernels.epilogues.get('linear:true')?.(out, bias, s.m, s.n, 0);
  if (actFn) {
    actFn(out, s.m * s.n, out);
    return;
  }
  // Activations that compile to neither: the CPU backend's formula, value by value.
  const f32 = heap.f32();
  const fn = primitiveDef(act).cpu;
  const attrs = [s.alpha];
  const base = out >> 2;
  for (let i = base, end = base + s.m * s.n; i < end; i++) f32[i] = fn(f32[i], 0, attrs);
}

/** Four lanes at a time along each row, then the row's last n % 4 values one by one. */
function emitEpilogue(f: Code, act: EpilogueActivation, bias: boolean): void {
  const [c, b, m, n, alpha] = [0, 1, 2, 3, 4];
  const i = f.local(I32), j = f.local(I32), n4 = f.local(I32), row = f.local(I32), addr = f.local(I32);
  const alphaV = f.local(V128), v = f.local(V128), x = f.local(F32);
  f.get(alpha).simd(SIMD.f32x4Splat).set(alphaV);
  f.get(n).i32(-4).op(OP.i32And).set(n4);
  f.get(c).set(row);
  f.forRange(i, () => f.i32(0), m, 1, () => {
    f.forRange(j, () => f.i32(0), n4, 4, () => {
      f.get(row).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).tee(addr).v128Load();
      if (bias) f.get(b).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).v128Load().simd(SIMD.f32x4Add);
      f.set(v);
      f.get(addr);
      if (act === 'relu') {
        // pmax(x, 0) = x < 0 ? 0 : x, the CPU's relu exactly (NaN and -0 kept).
        f.get(v).f32x4Const(0).simd(SIMD.f32x4Pmax);
      } else if (act === 'leakyRelu') {
        f.get(v).get(v).get(alphaV).simd(SIMD.f32x4Mul).get(v).f32x4Const(0).simd(SIMD.f32x4Ge).simd(SIMD.v128Bitselect);
      } else f.get(v);
      f.v128Store();
    });
    f.forRange(j, () => f.get(n4), n, 1, () => {
      f.get(row).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).tee(addr).f32Load();
      if (bias) f.get(b).get(j).i32(2).op(OP.i32Shl).op(OP.i32Add).f32Load().op(OP.f32Add);
      f.set(x);
      f.get(addr);
      if (act === 'relu') f.f32(0).get(x).get(x).f32(0).op(OP.f32Lt, OP.select);
      else if (act === 'leakyRelu') f.get(x).get(x).get(alpha).op(OP.f32Mul).get(x).f32(0).op(OP.f32Ge, OP.select);
      else f.get(x);
      f.f32Store();
    });
    f.get(row).get(n).i32(2).op(OP.i32Shl).op(OP.i32Add).set(row);
  });
}

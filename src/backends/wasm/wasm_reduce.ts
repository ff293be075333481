// Sum and max over the middle axis of a [outer, size, inner] float32 tensor
// in WebAssembly SIMD: the row reductions of losses and means (inner = 1) and
// the column sums of bias gradients (outer = 1). Columns are reduced in
// blocks of 8 (then 2 or 4, then 1) walking down the rows, so each row's
// block is one cache line. Sums accumulate each column in float64 in row
// order, as the TypeScript kernel does, so both give the same bits; max keeps
// the first of equal values (-0 before 0) and gives NaN when a NaN is reduced.
import { I32, OP, SIMD, V128, type Code, type ModuleBuilder } from './wasm_emitter.js';

/** `(x, out, outer, size, inner)`: byte offsets of the input and the [outer, inner] output. */
export type ReduceFn = (x: number, out: number, outer: number, size: number, inner: number) => void;

export type WasmReducer = 'sum' | 'max';
export const WASM_REDUCERS: readonly WasmReducer[] = ['sum', 'max'];

export function reduceName(r: WasmReducer): string {
  return `reduce_${r}`;
}

/** Adds reduce_sum and reduce_max to the module. */
export function emitReducers(mb: ModuleBuilder): void {
  for (const r of WASM_REDUCERS) emitReduce(mb.func(reduceName(r), [I32, I32, I32, I32, I32]), r);
}

function emitReduce(f: Code, reducer: WasmReducer): void {
  const [x, out, outer, size, inner] = [0, 1, 2, 3, 4];
  const o = f.local(I32), j = f.local(I32), r = f.local(I32), p = f.local(I32), base = f.local(I32), dst = f.local(I32);
  const rowBytes = f.local(I32), lim = f.local(I32), at = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const nan = [f.local(V128), f.local(V128)];
  const v = f.local(V128);
  // Column block widths: sum holds two columns per float64x2, max four per float32x4.
  const widths = reducer === 'sum' ? [8, 2, 1] : [8, 4, 1];
  f.get(inner).i32(2).op(OP.i32Shl).set(rowBytes);
  f.get(x).set(base);
  f.get(out).set(dst);
  f.forRange(o, () => f.i32(0), outer, 1, () => {
    f.i32(0).set(j);
    for (const w of widths) {
      f.get(inner).i32(w - 1).op(OP.i32Sub).set(lim);
      f.forRange(j, () => f.get(j), lim, w, () => {
        f.get(j).i32(2).op(OP.i32Shl).set(at);
        if (reducer === 'sum') sumBlock(w);
        else maxBlock(w);
      });
    }
    f.get(base).get(size).get(rowBytes).op(OP.i32Mul, OP.i32Add).set(base);
    f.get(dst).get(rowBytes).op(OP.i32Add).set(dst);
  });

  /** Walks the block's column(s) down the rows: p from base + at, by rowBytes. */
  function rows(body: () => void): void {
    f.get(base).get(at).op(OP.i32Add).set(p);
    f.forRange(r, () => f.i32(0), size, 1, () => {
      body();
      f.get(p).get(rowBytes).op(OP.i32Add).set(p);
    });
  }

  function sumBlock(w: number): void {
    const n = Math.max(1, w / 2);
    for (let k = 0; k < n; k++) f.f32x4Const(0).set(acc[k]);
    rows(() => {
      for (let k = 0; k < n; k++) {
        f.get(acc[k]).get(p);
        if (w === 1) f.load32Splat();
        else f.load64Zero(8 * k);
        f.simd(SIMD.f64x2PromoteLowF32x4).simd(SIMD.f64x2Add).set(acc[k]);
      }
    });
    for (let k = 0; k < n; k++) {
      f.get(dst).get(at).op(OP.i32Add);
      if (w === 1) f.get(acc[k]).simd(SIMD.f64x2ExtractLane).op(0, OP.f32DemoteF64).f32Store();
      else f.get(acc[k]).simd(SIMD.f32x4DemoteF64x2Zero).store64Lane(0, 8 * k);
    }
  }

  function maxBlock(w: number): void {
    const n = w === 8 ? 2 : 1;
    for (let k = 0; k < n; k++) {
      f.f32x4Const(-Infinity).set(acc[k]);
      f.f32x4Const(0).set(nan[k]);
    }
    rows(() => {
      for (let k = 0; k < n; k++) {
        f.get(p);
        if (w === 1) f.load32Splat();
        else f.v128Load(16 * k);
        // pmax(acc, v) = acc < v ? v : acc: a later equal value does not replace the first.
        f.set(v).get(acc[k]).get(v).simd(SIMD.f32x4Pmax).set(acc[k]);
        f.get(nan[k]).get(v).get(v).simd(SIMD.f32x4Ne).simd(SIMD.v128Or).set(nan[k]);
      }
    });
    for (let k = 0; k < n; k++) {
      f.get(dst).get(at).op(OP.i32Add);
      f.f32x4Const(NaN).get(acc[k]).get(nan[k]).simd(SIMD.v128Bitselect);
      if (w === 1) f.simd(SIMD.f32x4ExtractLane).op(0).f32Store();
      else f.v128Store(16 * k);
    }
  }
}

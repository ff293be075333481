// CPU kernels of the shape ops (slice / pad / tile windows, concat, gather
// and its gradient, where) and of batched matMul: plain loops, the reference
// for the WebGPU kernels. Copies go between typed arrays of the same dtype.
import type { TypedArray } from '../../core/dtype.js';
import { WebgradError } from '../../core/errors.js';
import { stridesOf } from '../../core/shape.js';
import type { BatchMatmulSpec, ConcatSpec, GatherSpec, WhereSpec, WindowSpec } from '../../kernels/layout_spec.js';
import { runMatmul } from './cpu_kernels.js';

/** Calls `visit(flatIndex, coords)` for every element of `shape` in row-major order. */
function forEachCoord(shape: readonly number[], visit: (i: number, c: readonly number[]) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, c);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d] < shape[d]) break;
      c[d] = 0;
    }
  }
}

export function runWindow(spec: WindowSpec, x: TypedArray, out: TypedArray): void {
  const { inShape, shift, wrap, value } = spec;
  const inStrides = stridesOf(inShape);
  forEachCoord(spec.outShape, (i, c) => {
    let src = 0;
    for (let d = 0; d < c.length; d++) {
      let s = c[d] + shift[d];
      if (wrap) s %= inShape[d];
      else if (s < 0 || s >= inShape[d]) {
        out[i] = value;
        return;
      }
      src += s * inStrides[d];
    }
    out[i] = x[src];
  });
}

export function runConcat(spec: ConcatSpec, ins: readonly TypedArray[], out: TypedArray): void {
  const { outer, inner, sizes } = spec;
  const total = sizes.reduce((a, b) => a + b, 0);
  for (let o = 0; o < outer; o++) {
    let offset = 0;
    sizes.forEach((s, j) => {
      const run = s * inner;
      out.set(ins[j].subarray(o * run, (o + 1) * run), (o * total + offset) * inner);
      offset += s;
    });
  }
}

/** The index at position j, refused outside [0, axisSize) (the GPU kernel clamps instead). */
function checkedIndex(indices: TypedArray, j: number, axisSize: number): number {
  const v = indices[j];
  if (v < 0 || v >= axisSize) {
    throw new WebgradError(`gather: argument 'indices' holds ${v} at flat position ${j}, outside [0, ${axisSize - 1}] (the size of the gathered axis is ${axisSize}).`);
  }
  return v;
}

/** gather: (x, indices) -> out; its gradient: (indices, dy) -> out. */
export function runGather(spec: GatherSpec, first: TypedArray, second: TypedArray, out: TypedArray): void {
  const { outer, axisSize, inner, n } = spec;
  if (!spec.grad) {
    const x = first;
    const idx = Array.from({ length: n }, (_, j) => checkedIndex(second, j, axisSize));
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const src = (o * axisSize + idx[j]) * inner;
        out.set(x.subarray(src, src + inner), (o * n + j) * inner);
      }
    }
    return;
  }
  const dy = second;
  out.fill(0);
  for (let j = 0; j < n; j++) {
    const a = checkedIndex(first, j, axisSize);
    for (let o = 0; o < outer; o++) {
      const dst = (o * axisSize + a) * inner;
      const src = (o * n + j) * inner;
      for (let q = 0; q < inner; q++) out[dst + q] += dy[src + q];
    }
  }
}

export function runWhere(spec: WhereSpec, cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const [sc, sa, sb] = spec.inputs.map((i) => i.strides);
  forEachCoord(spec.outShape, (i, c) => {
    let ic = 0, ia = 0, ib = 0;
    for (let d = 0; d < c.length; d++) {
      ic += c[d] * sc[d];
      ia += c[d] * sa[d];
      ib += c[d] * sb[d];
    }
    // Non-zero is true (NaN included); -0 is false, as on the GPU.
    out[i] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
}

export function runBatchMatmul(spec: BatchMatmulSpec, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const { batch, m, n, k, transA, transB } = spec;
  const mm = { type: 'matmul', m, n, k, transA, transB, hasBias: false, act: 'linear', alpha: 0 } as const;
  for (let i = 0; i < batch; i++) {
    const ai = spec.broadcastA ? 0 : i;
    const bi = spec.broadcastB ? 0 : i;
    runMatmul(mm, a.subarray(ai * m * k, (ai + 1) * m * k), b.subarray(bi * k * n, (bi + 1) * k * n), null, out.subarray(i * m * n, (i + 1) * m * n));
  }
}

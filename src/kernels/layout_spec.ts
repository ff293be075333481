// Kernel specs of the data-movement family (slice, pad, tile, concat,
// gather, where) and of batched matMul. Data-movement kernels copy 32-bit
// words, so one kernel serves float32 and int32 alike.
import type { DType } from '../core/dtype.js';
import type { ElementwiseInput } from './strided_input.js';

/**
 * out[c] = x[s] with s[d] = c[d] + shift[d] along every axis (modulo
 * inShape[d] when `wrap`); `value` where s falls outside x. Slice (shift =
 * begin), pad (shift = -before) and tile (wrap) are all windows.
 */
export interface WindowSpec {
  type: 'window';
  dtype: DType;
  inShape: number[];
  outShape: number[];
  shift: number[];
  wrap: boolean;
  value: number;
}

/** Inputs viewed as [outer, sizes[j], inner], joined along the middle axis. */
export interface ConcatSpec {
  type: 'concat';
  dtype: DType;
  outer: number;
  inner: number;
  sizes: number[];
}

/**
 * x viewed as [outer, axisSize, inner], gathered at n int32 indices into
 * [outer, n, inner] (inputs: x, indices); or, with `grad`, its gradient: dy
 * [outer, n, inner] summed into [outer, axisSize, inner] (inputs: indices, dy).
 * Indices outside [0, axisSize) are an error on the CPU and clamped on the GPU.
 */
export interface GatherSpec {
  type: 'gather';
  outer: number;
  axisSize: number;
  inner: number;
  n: number;
  grad: boolean;
}

/** condition ? a : b over `outShape`; inputs (condition, a, b) read with broadcast strides; true = non-zero. */
export interface WhereSpec {
  type: 'where';
  outShape: number[];
  inputs: ElementwiseInput[];
}

/** `batch` products op(A_i) · op(B_i) of [m, k] x [k, n]; a `broadcast` operand has one matrix for all. */
export interface BatchMatmulSpec {
  type: 'batchMatmul';
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  broadcastA: boolean;
  broadcastB: boolean;
}

export type LayoutSpec = WindowSpec | ConcatSpec | GatherSpec | WhereSpec | BatchMatmulSpec;

// What a backend is asked to run: a closed set of kernel families, each fully
// described by plain data (shapes, flags), so the WebGPU and CPU backends can
// implement the same plan and a plan can be cached and compared.
import type { DType } from '../core/dtype.js';
import { EPILOGUE_ACTIVATIONS, type EpilogueActivation } from './elementwise_table.js';
import type { ConvSpec, PoolSpec } from './conv_spec.js';
import type { LayoutSpec } from './layout_spec.js';

// The expression types live with ElementwiseInput so that conv_spec.ts can use them without a cycle.
export type { ElementwiseExpr, ElementwiseInput, ElementwiseInstr } from './strided_input.js';
import type { ElementwiseExpr, ElementwiseInput, ElementwiseInstr } from './strided_input.js';

export interface ElementwiseSpec {
  type: 'elementwise';
  outShape: number[];
  outDtype: DType;
  inputs: ElementwiseInput[];
  instrs: ElementwiseInstr[];
}

export interface MatmulSpec {
  type: 'matmul';
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Third input = bias of length n, added to every row before the activation. */
  hasBias: boolean;
  act: EpilogueActivation;
  alpha: number;
  /** Applied to act(op(A)op(B) + bias) before the store; its inputs follow A, B (and bias) in the call's args. */
  epilogue?: ElementwiseExpr;
}

export type Reducer = 'sum' | 'max' | 'argmax';

/** Reduce the middle axis of a tensor viewed as [outer, size, inner]. */
export interface ReduceSpec {
  type: 'reduce';
  reducer: Reducer;
  outer: number;
  size: number;
  inner: number;
  /** Computes the reduced values from the call's first args instead of reading one input. */
  prologue?: ElementwiseExpr;
  /** Applied to each result before the store; its inputs follow the prologue's in args. */
  epilogue?: ElementwiseExpr;
}

/** Softmax / log-softmax over the last axis of a [rows, cols] view. */
export interface SoftmaxSpec {
  type: 'softmax';
  rows: number;
  cols: number;
  log: boolean;
}

/** Backward of softmax (inputs y, dy) or log-softmax (inputs y = log p, dy). */
export interface SoftmaxGradSpec {
  type: 'softmaxGrad';
  rows: number;
  cols: number;
  log: boolean;
}

export interface OneHotSpec {
  type: 'oneHot';
  n: number;
  depth: number;
}

/**
 * Keras' fuzz factor: cross-entropies clip probabilities to
 * [CLIP_EPSILON, 1 - CLIP_EPSILON] before the log (ops/losses.ts, and the
 * fused softmax + cross-entropy kernels of both backends).
 */
export const CLIP_EPSILON = 1e-7;

/**
 * Fused softmax + categorical cross-entropy over [rows, cols] logits and
 * one-hot labels: writes per-row losses (forward; probabilities clipped to
 * [CLIP_EPSILON, 1 - CLIP_EPSILON] first when `clip`, as Keras does; classes labelled 0 add
 * nothing, even with a -inf logit) or, backward, the gradient
 * (softmax - labels) * dy[row], which needs no Jacobian. A NaN logit makes
 * its row's loss and gradient NaN.
 */
export interface SoftmaxXentSpec {
  type: 'softmaxXent';
  rows: number;
  cols: number;
  grad: boolean;
  clip: boolean;
}

export type KernelSpec = ElementwiseSpec | MatmulSpec | ReduceSpec | SoftmaxSpec | SoftmaxGradSpec | OneHotSpec | SoftmaxXentSpec
  /** Shape ops and batched matMul (layout_spec.ts). */
  | LayoutSpec
  /** Convolution (implicit GEMM) and pooling (conv_spec.ts). */
  | ConvSpec | PoolSpec;

/**
 * Multiply-adds up to which a matmul counts as small: backends run it with a
 * simple kernel that compiles fast, and the scheduler fuses elementwise
 * epilogues into it. Bigger matmuls use the register-blocked kernel, whose
 * compile is costly, so they are kept to a few shared variants.
 */
export const SMALL_MATMUL_WORK = 1 << 21;

export function isSmallMatmul(m: number, n: number, k: number): boolean {
  return m * n * k <= SMALL_MATMUL_WORK;
}

/** The code of a built-in epilogue activation: its index among the table's (src/kernels/elementwise_table.ts). */
export function activationCode(act: EpilogueActivation): number {
  return EPILOGUE_ACTIVATIONS.indexOf(act);
}

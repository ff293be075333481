// How a kernel reads one input, and the elementwise expressions kernels use
// as prologues and epilogues: shared by the elementwise kernel specs
// (kernel_spec.ts), the shape-op specs (layout_spec.ts) and the convolution
// specs (conv_spec.ts), which would import each other otherwise.
import type { DType } from '../core/dtype.js';
import type { ElementwiseFn } from './elementwise_table.js';

export interface ElementwiseInput {
  dtype: DType;
  /** Element stride per output dimension (0 = broadcast), so broadcasting and transposes are free. */
  strides: number[];
}

/** One instruction of a fused elementwise program (SSA: values 0..inputs-1 are the inputs). */
export interface ElementwiseInstr {
  fn: ElementwiseFn;
  args: number[];
  attrs: number[];
}

/**
 * An elementwise expression over a tensor of `shape`, used as a kernel's
 * prologue (how it loads its input) or epilogue (what it stores).
 * Epilogue: value 0 is the kernel's result, values 1..inputs.length the inputs.
 * Prologue: values 0..inputs.length-1 are the inputs.
 */
export interface ElementwiseExpr {
  shape: number[];
  inputs: ElementwiseInput[];
  instrs: ElementwiseInstr[];
}

// How a kernel reads one input: shared by the elementwise kernel specs
// (kernel_spec.ts) and the shape-op specs (layout_spec.ts), which import
// each other otherwise.
import type { DType } from '../core/dtype.js';

export interface ElementwiseInput {
  dtype: DType;
  /** Element stride per output dimension (0 = broadcast), so broadcasting and transposes are free. */
  strides: number[];
}

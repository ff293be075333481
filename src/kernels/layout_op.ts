// Op kinds of the shape ops (batched matMul, slice, pad, tile, concat,
// gather, where): kept apart from op.ts so that file stays a short list.
// Each is one graph node; src/graph/lower_layout.ts lowers it to a kernel of
// src/kernels/layout_spec.ts, src/autodiff/layout_gradients.ts differentiates it.

export type LayoutOp =
  /** op(a) · op(b) per batch of [batch, rows, cols] operands; an operand of batch 1 serves every batch. */
  | { kind: 'batchMatmul'; transA: boolean; transB: boolean }
  /** The window of x starting at `begin`, of the node's shape. */
  | { kind: 'slice'; begin: number[] }
  /** x with `before[d]` values of `value` in front along each axis (and the rest after, to the node's shape). */
  | { kind: 'pad'; before: number[]; value: number }
  /** x repeated along each axis to the node's shape (a multiple of x's). */
  | { kind: 'tile' }
  /** The inputs joined along `axis`. */
  | { kind: 'concat'; axis: number }
  /** Slices of x along `axis` at int32 indices (inputs: x, indices). */
  | { kind: 'gather'; axis: number }
  /** Gradient of gather: dy summed into the slices its indices name (inputs: indices, dy). */
  | { kind: 'gatherGrad'; axis: number }
  /** condition ? a : b elementwise, broadcast (inputs: condition, a, b). */
  | { kind: 'where' };

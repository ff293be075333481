// Lowering of the shape ops (layout_op.ts) to their kernels (layout_spec.ts).
import { broadcastStrides, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { LayoutSpec } from '../kernels/layout_spec.js';
import type { LayoutOp } from '../kernels/layout_op.js';

export function lowerLayout(t: Tensor, op: LayoutOp): LayoutSpec {
  const shape = [...t.shape];
  const x = t.inputs[0];
  switch (op.kind) {
    case 'batchMatmul': {
      const [a, b] = t.inputs;
      const k = op.transA ? a.shape[1] : a.shape[2];
      const [batch, m, n] = shape;
      return { type: 'batchMatmul', batch, m, n, k, transA: op.transA, transB: op.transB, broadcastA: a.shape[0] === 1, broadcastB: b.shape[0] === 1 };
    }
    case 'slice':
      return { type: 'window', dtype: t.dtype, inShape: [...x.shape], outShape: shape, shift: [...op.begin], wrap: false, value: 0 };
    case 'pad':
      return { type: 'window', dtype: t.dtype, inShape: [...x.shape], outShape: shape, shift: op.before.map((b) => -b), wrap: false, value: op.value };
    case 'tile':
      return { type: 'window', dtype: t.dtype, inShape: [...x.shape], outShape: shape, shift: shape.map(() => 0), wrap: true, value: 0 };
    case 'concat':
      return {
        type: 'concat',
        dtype: t.dtype,
        outer: sizeOf(shape.slice(0, op.axis)),
        inner: sizeOf(shape.slice(op.axis + 1)),
        sizes: t.inputs.map((i) => i.shape[op.axis]),
      };
    case 'gather':
    case 'gatherGrad': {
      // The gathered tensor's shape: x's for gather, the node's own for its gradient.
      const full = op.kind === 'gather' ? x.shape : shape;
      const indices = op.kind === 'gather' ? t.inputs[1] : x;
      return {
        type: 'gather',
        outer: sizeOf(full.slice(0, op.axis)),
        axisSize: full[op.axis],
        inner: sizeOf(full.slice(op.axis + 1)),
        n: indices.size,
        grad: op.kind === 'gatherGrad',
      };
    }
    case 'where':
      return { type: 'where', outShape: shape, inputs: t.inputs.map((i) => ({ dtype: i.dtype, strides: broadcastStrides(i.shape, shape) })) };
  }
}

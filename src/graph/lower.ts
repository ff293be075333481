// Lowering: one graph node (an op and its input shapes) to the kernel that
// computes it. Reshape has no kernel (it aliases its input's buffer).
import { WebgradError } from '../core/errors.js';
import { broadcastStrides, sizeOf, stridesOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelSpec } from '../kernels/kernel_spec.js';
import { lowerConv } from './lower_conv.js';
import { lowerLayout } from './lower_layout.js';

export function lowerNode(t: Tensor): KernelSpec {
  const op = t.op;
  if (!op) throw new WebgradError(`internal: lowering a computed tensor ${t.id}`);
  const shape = [...t.shape];
  switch (op.kind) {
    case 'elementwise':
      return {
        type: 'elementwise',
        outShape: shape,
        outDtype: t.dtype,
        inputs: t.inputs.map((x) => ({ dtype: x.dtype, strides: broadcastStrides(x.shape, shape) })),
        instrs: [{ fn: op.fn, args: t.inputs.map((_, i) => i), attrs: op.attrs }],
      };
    case 'transpose': {
      const inStrides = stridesOf(t.inputs[0].shape);
      return {
        type: 'elementwise',
        outShape: shape,
        outDtype: t.dtype,
        inputs: [{ dtype: t.inputs[0].dtype, strides: op.perm.map((p) => inStrides[p]) }],
        instrs: [{ fn: 'identity', args: [0], attrs: [] }],
      };
    }
    case 'matmul': {
      const [a] = t.inputs;
      const k = op.transA ? a.shape[0] : a.shape[1];
      return { type: 'matmul', m: shape[0], n: shape[1], k, transA: op.transA, transB: op.transB, hasBias: false, act: 'linear', alpha: 0 };
    }
    case 'reduce': {
      const inShape = t.inputs[0].shape;
      return {
        type: 'reduce',
        reducer: op.reducer,
        outer: sizeOf(inShape.slice(0, op.first)),
        size: sizeOf(inShape.slice(op.first, op.last + 1)),
        inner: sizeOf(inShape.slice(op.last + 1)),
      };
    }
    case 'softmax':
    case 'softmaxGrad': {
      const cols = shape[shape.length - 1] ?? 1;
      return { type: op.kind, rows: cols === 0 ? 0 : t.size / cols, cols, log: op.log };
    }
    case 'softmaxXent':
    case 'softmaxXentGrad': {
      const logits = t.inputs[0];
      const cols = logits.shape[logits.rank - 1];
      const grad = op.kind === 'softmaxXentGrad';
      return { type: 'softmaxXent', rows: logits.size / cols, cols, grad, clip: op.kind === 'softmaxXent' && op.clip };
    }
    case 'oneHot':
      return { type: 'oneHot', n: t.inputs[0].size, depth: op.depth };
    case 'batchMatmul': case 'slice': case 'pad': case 'tile': case 'concat': case 'gather': case 'gatherGrad': case 'where':
      return lowerLayout(t, op);
    case 'conv2d': case 'conv2dInputGrad': case 'conv2dFilterGrad': case 'pool': case 'poolGrad':
      return lowerConv(op);
    case 'reshape':
    case 'placeholder':
      throw new WebgradError(`internal: ${op.kind} has no kernel`);
  }
}

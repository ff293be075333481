// The gradient table: for every op kind, the ops that compute its inputs'
// gradients from the upstream gradient `dy` (elementwise rows carry theirs). Everything here records graph
// nodes, so backward passes run on the GPU like forward ones. The mapped
// types make a primitive without a rule a compile error.
import { WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import type { Op } from '../kernels/op.js';
import { primitiveDef } from '../kernels/elementwise_table.js';
import * as ew from '../ops/elementwise.js';
import { tensorOps } from '../ops/elementwise_builder.js';
import { matMul } from '../ops/matmul.js';
import { broadcastTo, reshape, transpose } from '../ops/shape_ops.js';
import { CONV_GRADS } from './conv_gradients.js';
import { LAYOUT_GRADS } from './layout_gradients.js';

/** Gradient of each input (null = zero / not differentiable). */
export type Grads = (Tensor | null)[];

type OpRule<K extends Op['kind']> = (op: Extract<Op, { kind: K }>, inputs: Tensor[], y: Tensor, dy: Tensor) => Grads;

const OP_GRADS: { [K in Op['kind']]: OpRule<K> } = {
  // Each elementwise row carries its derivative (src/kernels/elementwise_table.ts).
  elementwise: (op, inputs, y, dy) => primitiveDef(op.fn).grad(tensorOps, inputs, y, dy, op.attrs),
  reshape: (_op, [x], _y, dy) => [reshape(dy, x.shape)],
  transpose: (op, _x, _y, dy) => {
    const inverse = new Array<number>(op.perm.length);
    op.perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(dy, inverse)];
  },
  matmul: ({ transA, transB }, [a, b], _y, dy) => {
    if (!transA && !transB) return [matMul(dy, b, false, true), matMul(a, dy, true, false)];
    if (transA && !transB) return [matMul(b, dy, false, true), matMul(a, dy, false, false)];
    if (!transA && transB) return [matMul(dy, b, false, false), matMul(dy, a, true, false)];
    return [matMul(b, dy, true, true), matMul(dy, a, true, true)];
  },
  reduce: (op, [x], y, dy) => {
    const kept = x.shape.map((d, i) => (i >= op.first && i <= op.last ? 1 : d));
    if (op.reducer === 'argmax') return [null];
    const g = broadcastTo(reshape(dy, kept), x.shape);
    if (op.reducer === 'sum') return [g];
    const mask = ew.equal(x, broadcastTo(reshape(y, kept), x.shape));
    return [ew.mul(g, mask)];
  },
  softmax: (op, _x, y, dy) => [engine.make({ kind: 'softmaxGrad', log: op.log }, [y, dy], y.shape, 'float32')],
  softmaxGrad: () => {
    throw new WebgradError('grad: softmaxGrad has no gradient (second-order gradients are not supported).');
  },
  oneHot: () => [null],
  softmaxXent: (_op, [logits, labels], _y, dy) => [engine.make({ kind: 'softmaxXentGrad' }, [logits, labels, dy], logits.shape, 'float32'), null],
  softmaxXentGrad: () => {
    throw new WebgradError('grad: softmaxXentGrad has no gradient (second-order gradients are not supported).');
  },
  placeholder: () => [],
  ...LAYOUT_GRADS,
  ...CONV_GRADS,
};

export function gradientOf(t: Tensor, dy: Tensor): Grads {
  const op = t.op!;
  const rule = OP_GRADS[op.kind] as OpRule<typeof op.kind>;
  return rule(op, t.inputs, t, dy);
}

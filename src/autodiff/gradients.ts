// The gradient table: for every primitive, the ops that compute its inputs'
// gradients from the upstream gradient `dy`. Everything here records graph
// nodes, so backward passes run on the GPU like forward ones. The mapped
// types make a primitive without a rule a compile error.
import { WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Op } from '../kernels/op.js';
import type { ElementwiseFn } from '../kernels/elementwise_table.js';
import * as ew from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { broadcastTo, reshape, transpose } from '../ops/shape_ops.js';
import { CONV_GRADS } from './conv_gradients.js';
import { LAYOUT_GRADS } from './layout_gradients.js';

/** Gradient of each input (null = zero / not differentiable). */
export type Grads = (Tensor | null)[];

/** Sums a broadcast gradient back down to the shape of the input it came from. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes), shape);
}


type EwRule = (inputs: Tensor[], y: Tensor, dy: Tensor, attrs: number[]) => Grads;
const secondOrder = (name: string): EwRule => () => {
  throw new WebgradError(`grad: the derivative kernel '${name}' has no gradient (second-order gradients are not supported).`);
};
const act = (fn: ElementwiseFn, useOutput: boolean): EwRule => ([x], y, dy, attrs) => [
  engine.make({ kind: 'elementwise', fn, attrs }, [useOutput ? y : x, dy], x.shape, 'float32'),
];

const ELEMENTWISE_GRADS: { [F in ElementwiseFn]: EwRule } = {
  identity: ([x], _y, dy) => [x.dtype === 'float32' ? unbroadcast(dy, x.shape) : null],
  linear: (_x, _y, dy) => [dy],
  neg: (_x, _y, dy) => [ew.neg(dy)],
  exp: (_x, y, dy) => [ew.mul(dy, y)],
  log: ([x], _y, dy) => [ew.div(dy, x)],
  sqrt: (_x, y, dy) => [ew.div(dy, ew.mul(y, 2))],
  square: ([x], _y, dy) => [ew.mul(dy, ew.mul(x, 2))],
  abs: ([x], _y, dy) => [ew.mul(dy, ew.sign(x))],
  sign: () => [null],
  reciprocal: (_x, y, dy) => [ew.neg(ew.mul(dy, ew.square(y)))],
  clip: ([x], _y, dy, attrs) => [engine.make({ kind: 'elementwise', fn: 'clipGrad', attrs }, [x, dy], x.shape, 'float32')],
  sigmoid: act('sigmoidGrad', true),
  tanh: act('tanhGrad', true),
  // relu and leaky relu (alpha >= 0) read their output: y > 0 exactly when
  // x > 0, and then the pre-activation is not kept alive for the backward
  // pass, so it can be fused into the matmul that produces it.
  relu: act('reluGrad', true),
  leakyRelu: (inputs, y, dy, attrs) => act('leakyReluGrad', attrs[0] >= 0)(inputs, y, dy, attrs),
  swish: act('swishGrad', false),
  elu: act('eluGrad', false),
  gelu: act('geluGrad', false),

  add: ([a, b], _y, dy) => [unbroadcast(dy, a.shape), unbroadcast(dy, b.shape)],
  sub: ([a, b], _y, dy) => [unbroadcast(dy, a.shape), unbroadcast(ew.neg(dy), b.shape)],
  mul: ([a, b], _y, dy) => [unbroadcast(ew.mul(dy, b), a.shape), unbroadcast(ew.mul(dy, a), b.shape)],
  div: ([a, b], y, dy) => [unbroadcast(ew.div(dy, b), a.shape), unbroadcast(ew.neg(ew.div(ew.mul(dy, y), b)), b.shape)],
  maximum: ([a, b], _y, dy) => [unbroadcast(ew.mul(dy, ew.greaterEqual(a, b)), a.shape), unbroadcast(ew.mul(dy, ew.less(a, b)), b.shape)],
  minimum: ([a, b], _y, dy) => [unbroadcast(ew.mul(dy, ew.lessEqual(a, b)), a.shape), unbroadcast(ew.mul(dy, ew.greater(a, b)), b.shape)],
  equal: () => [null, null],
  greater: () => [null, null],
  greaterEqual: () => [null, null],
  less: () => [null, null],
  lessEqual: () => [null, null],
  axpby: ([a, b], _y, dy, [ca, cb]) => [unbroadcast(ew.mul(dy, ca), a.shape), unbroadcast(ew.mul(dy, cb), b.shape)],

  sigmoidGrad: secondOrder('sigmoidGrad'),
  tanhGrad: secondOrder('tanhGrad'),
  reluGrad: secondOrder('reluGrad'),
  leakyReluGrad: secondOrder('leakyReluGrad'),
  swishGrad: secondOrder('swishGrad'),
  eluGrad: secondOrder('eluGrad'),
  geluGrad: secondOrder('geluGrad'),
  clipGrad: secondOrder('clipGrad'),
};

type OpRule<K extends Op['kind']> = (op: Extract<Op, { kind: K }>, inputs: Tensor[], y: Tensor, dy: Tensor) => Grads;

const OP_GRADS: { [K in Op['kind']]: OpRule<K> } = {
  elementwise: (op, inputs, y, dy) => ELEMENTWISE_GRADS[op.fn](inputs, y, dy, op.attrs),
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

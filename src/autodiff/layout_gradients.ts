// Gradient rules of the shape ops (src/graph/layout_op.ts), spread into the
// gradient table of gradients.ts. Each is built from the public ops, so the
// backward pass of a shape op is itself shape ops: slice <-> pad, concat ->
// slices, tile -> a sum over the repeats, gather -> its scatter-add kernel.
import { engine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import type { LayoutOp } from '../kernels/layout_op.js';
import { zeros } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape_ops.js';
import { pad, slice } from '../ops/slicing.js';
import { where } from '../ops/where.js';
import { unbroadcast } from '../ops/elementwise_builder.js';

type Grads = (Tensor | null)[];
type Rule<K extends LayoutOp['kind']> = (op: Extract<LayoutOp, { kind: K }>, inputs: Tensor[], y: Tensor, dy: Tensor) => Grads;

/** Integer tensors carry no gradient. */
const floatOnly = <K extends LayoutOp['kind']>(rule: Rule<K>): Rule<K> => (op, inputs, y, dy) => (y.dtype === 'float32' ? rule(op, inputs, y, dy) : inputs.map(() => null));

export const LAYOUT_GRADS: { [K in LayoutOp['kind']]: Rule<K> } = {
  batchMatmul: ({ transA, transB }, [a, b], _y, dy) => {
    // The 2-D rules batch by batch; an operand shared by every batch (batch 1) sums its gradients.
    let ga: Tensor;
    let gb: Tensor;
    if (!transA && !transB) [ga, gb] = [matMul(dy, b, false, true), matMul(a, dy, true, false)];
    else if (transA && !transB) [ga, gb] = [matMul(b, dy, false, true), matMul(a, dy, false, false)];
    else if (!transA && transB) [ga, gb] = [matMul(dy, b, false, false), matMul(dy, a, true, false)];
    else [ga, gb] = [matMul(b, dy, true, true), matMul(dy, a, true, true)];
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  },
  slice: floatOnly((op, [x], _y, dy) => [pad(dy, x.shape.map((d, i) => [op.begin[i], d - op.begin[i] - dy.shape[i]] as [number, number]))]),
  pad: floatOnly((op, [x], _y, dy) => [slice(dy, op.before, [...x.shape])]),
  tile: floatOnly((_op, [x], _y, dy) => {
    if (x.size === 0 || dy.size === 0) return [zeros(x.shape)];
    // dy viewed as [reps0, x0, reps1, x1, ...]: each element of x receives the sum over the repeats.
    const split = x.shape.flatMap((d, i) => [dy.shape[i] / d, d]);
    return [reshape(sum(reshape(dy, split), x.shape.map((_, i) => 2 * i)), x.shape)];
  }),
  concat: floatOnly((op, inputs, _y, dy) => {
    let start = 0;
    return inputs.map((x) => {
      const begin = x.shape.map((_, d) => (d === op.axis ? start : 0));
      start += x.shape[op.axis];
      return slice(dy, begin, [...x.shape]);
    });
  }),
  gather: floatOnly((op, [x, indices], _y, dy) => [engine.make({ kind: 'gatherGrad', axis: op.axis }, [indices, dy], x.shape, 'float32'), null]),
  // The scatter-add is linear in dy, and its transpose is the gather itself.
  gatherGrad: (op, [indices], _y, dy) => [null, gather(dy, indices, op.axis)],
  where: floatOnly((_op, [c, a, b], _y, dy) => [null, unbroadcast(where(c, dy, 0), a.shape), unbroadcast(where(c, 0, dy), b.shape)]),
};

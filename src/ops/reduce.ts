// Reductions over chosen axes: sum, mean, max, argMax. Non-contiguous axes are
// first transposed to the end so every kernel reduces one contiguous run.
import { argError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { normalizeAxes, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { Reducer } from '../kernels/kernel_spec.js';
import { asFloat } from './convert.js';
import { composite } from '../core/scope.js';
import { binaryOp } from './elementwise_node.js';
import { reshape, transpose } from './shape_ops.js';

function reduce(op: string, reducer: Reducer, x: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  return composite(() => reduceIn(op, reducer, x, axis, keepDims));
}

function reduceIn(op: string, reducer: Reducer, x: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const t = asFloat(op, 'x', x);
  const axes = normalizeAxes(op, axis, t.rank);
  const keptShape = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = t.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === 0) return reshape(t, t.shape);
  let src = t;
  let first = axes[0];
  let last = axes[axes.length - 1];
  if (last - first + 1 !== axes.length) {
    // Move the reduced axes to the end, keeping the others in order.
    const perm = [...t.shape.keys()].filter((i) => !axes.includes(i)).concat(axes);
    src = transpose(t, perm);
    first = t.rank - axes.length;
    last = t.rank - 1;
  }
  const out = engine.make({ kind: 'reduce', reducer, first, last }, [src], outShape, reducer === 'argmax' ? 'int32' : 'float32');
  return keepDims ? reshape(out, keptShape) : out;
}

export const sum = (x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor => reduce('sum', 'sum', x, axis, keepDims);
export const max = (x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor => reduce('max', 'max', x, axis, keepDims);

export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return composite(() => {
    const t = asFloat('mean', 'x', x);
    const axes = normalizeAxes('mean', axis, t.rank);
    const count = sizeOf(axes.map((a) => t.shape[a]));
    return binaryOp('div', sum(t, axes, keepDims), count);
  });
}

/** Index of the largest value along `axis` (default: last), as int32. */
export function argMax(x: Tensor, axis = -1): Tensor {
  const t = asFloat('argMax', 'x', x);
  if (typeof axis !== 'number') throw argError('argMax', 'axis', 'a single integer axis', axis);
  return reduce('argMax', 'argmax', t, axis, false);
}

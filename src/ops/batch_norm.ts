// Batch normalization (TF.js: tf.batchNorm): (x - mean) / sqrt(variance +
// epsilon) * scale + offset, written with elementwise ops so that it fuses
// into one kernel and its gradients (x, mean, variance, offset, scale) come
// from theirs.
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { broadcastShapes, shapesEqual } from '../core/shape.js';
import { composite } from '../core/scope.js';
import type { Tensor } from '../core/tensor.js';
import { asFloat } from './convert.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';

function operand(op: string, arg: string, x: Tensor, v: unknown): Tensor {
  const t = asFloat(op, arg, v);
  let fits = true;
  try {
    fits = shapesEqual(broadcastShapes(op, x.shape, t.shape, ['x', arg]), x.shape);
  } catch {
    fits = false;
  }
  if (!fits) throw argError(op, arg, `a tensor that broadcasts to x's shape ${shapeString(x.shape)} (e.g. shape [${x.shape[x.rank - 1] ?? 1}] for the last axis)`, t);
  return t;
}

/**
 * Normalizes `x` with the given statistics: (x - mean) / sqrt(variance +
 * varianceEpsilon) * scale + offset (TF.js: tf.batchNorm). mean, variance,
 * offset and scale broadcast to x's shape; mean and variance have the same
 * shape. Differentiable with respect to every tensor argument.
 * @param varianceEpsilon a small non-negative number that keeps the
 *   division finite (default 0.001, as TF.js).
 */
export function batchNorm(x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor, scale?: Tensor, varianceEpsilon = 0.001): Tensor {
  const op = 'batchNorm';
  const t = asFloat(op, 'x', x);
  const m = operand(op, 'mean', t, mean);
  const v = operand(op, 'variance', t, variance);
  if (!shapesEqual(m.shape, v.shape)) {
    throw new WebgradError(`${op}: arguments 'mean' and 'variance' must have the same shape, but got ${shapeString(m.shape)} and ${shapeString(v.shape)}.`);
  }
  const o = offset === undefined || offset === null ? null : operand(op, 'offset', t, offset);
  const s = scale === undefined || scale === null ? null : operand(op, 'scale', t, scale);
  if (typeof varianceEpsilon !== 'number' || !Number.isFinite(varianceEpsilon) || varianceEpsilon < 0) {
    throw argError(op, 'varianceEpsilon', 'a finite number >= 0', varianceEpsilon);
  }
  return composite(() => {
    let y = div(sub(t, m), sqrt(add(v, varianceEpsilon)));
    if (s) y = mul(y, s);
    if (o) y = add(y, o);
    return y;
  });
}

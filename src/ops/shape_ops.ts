// Ops that move or reinterpret data: reshape, transpose, broadcastTo, cast,
// expandDims, oneHot.
import { argError, isArray, shapeString, WebgradError } from '../core/errors.js';
import { checkDType, type DType } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { broadcastShapes, checkShape, checkSize, shapesEqual, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { asTensor } from './convert.js';

/** Same values, new shape (one dimension may be -1). Never copies. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const t = asTensor('reshape', 'x', x);
  if (!isArray(shape)) throw argError('reshape', 'shape', 'an array of integers', shape);
  const inferred = [...shape];
  const unknown = inferred.indexOf(-1);
  if (inferred.filter((d) => d === -1).length > 1) {
    throw new WebgradError(`reshape: argument 'shape' ${shapeString(shape)} may contain at most one -1 (the dimension inferred from the ${t.size} values of 'x').`);
  }
  if (unknown >= 0) {
    const known = sizeOf(inferred.filter((_, i) => i !== unknown));
    inferred[unknown] = known === 0 ? 0 : t.size / known;
  }
  if (unknown >= 0 && !Number.isInteger(inferred[unknown])) {
    throw new WebgradError(`reshape: argument 'shape' ${shapeString(shape)} cannot hold the ${t.size} values of 'x' (shape ${shapeString(t.shape)}): ${t.size} is not divisible by ${t.size / inferred[unknown]}, the product of the other dimensions.`);
  }
  checkShape('reshape', 'shape', inferred);
  if (sizeOf(inferred) !== t.size || !Number.isInteger(sizeOf(inferred))) {
    throw new WebgradError(`reshape: argument 'shape' ${shapeString(shape)} does not match the ${t.size} values of 'x' (shape ${shapeString(t.shape)}).`);
  }
  return engine.make({ kind: 'reshape' }, [t], inferred, t.dtype);
}

/** Permutes the axes (default: reverses them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const t = asTensor('transpose', 'x', x);
  if (perm !== undefined && perm !== null && !isArray(perm)) throw argError('transpose', 'perm', `an array, a permutation of [0..${t.rank - 1}]`, perm);
  const p = perm ? [...perm] : t.shape.map((_, i) => t.rank - 1 - i);
  const valid = p.length === t.rank && [...p].sort((a, b) => a - b).every((v, i) => v === i);
  if (!valid) throw argError('transpose', 'perm', `a permutation of [0..${t.rank - 1}]`, perm);
  if (p.every((v, i) => v === i)) return reshape(t, t.shape);
  return engine.make({ kind: 'transpose', perm: p }, [t], p.map((i) => t.shape[i]), t.dtype);
}

/** Repeats x along dimensions of size 1 (and new leading ones) to `shape`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const t = asTensor('broadcastTo', 'x', x);
  const s = checkShape('broadcastTo', 'shape', shape);
  const b = broadcastShapes('broadcastTo', t.shape, s);
  if (!shapesEqual(b, s)) throw argError('broadcastTo', 'shape', `a shape that ${shapeString(t.shape)} broadcasts to`, shape);
  if (shapesEqual(t.shape, s)) return reshape(t, s);
  return engine.make({ kind: 'elementwise', fn: 'identity', attrs: [] }, [t], s, t.dtype);
}

/** Converts between float32 and int32 (float to int truncates toward zero). */
export function cast(x: Tensor, dtype: DType): Tensor {
  const t = asTensor('cast', 'x', x);
  checkDType('cast', dtype);
  if (t.dtype === dtype) return reshape(t, t.shape);
  return engine.make({ kind: 'elementwise', fn: 'identity', attrs: [] }, [t], t.shape, dtype);
}

export function expandDims(x: Tensor, axis = 0): Tensor {
  const t = asTensor('expandDims', 'x', x);
  const a = axis < 0 ? axis + t.rank + 1 : axis;
  if (!Number.isInteger(a) || a < 0 || a > t.rank) throw argError('expandDims', 'axis', `an integer in [${-t.rank - 1}, ${t.rank}]`, axis);
  const shape = [...t.shape];
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/**
 * One-hot encoding of integer class labels: [n] int32 -> [n, depth] float32.
 * Labels outside [0, depth) give all-zero rows (checked at the API edge by
 * the layers' fit, which knows the labels' values).
 */
export function oneHot(labels: Tensor, depth: number): Tensor {
  const t = asTensor('oneHot', 'labels', labels);
  if (t.dtype !== 'int32') throw argError('oneHot', 'labels', 'an int32 tensor of class indices', t);
  if (!Number.isInteger(depth) || depth < 1) throw argError('oneHot', 'depth', 'a positive integer', depth);
  checkSize('oneHot', 'the result of shape', [...t.shape, depth]);
  return engine.make({ kind: 'oneHot', depth }, [t], [...t.shape, depth], 'float32');
}

/** A new tensor holding the same values (TensorFlow.js' clone); it shares x's data, since tensors never change. */
export function clone(x: Tensor): Tensor {
  const t = asTensor('clone', 'x', x);
  return reshape(t, t.shape);
}

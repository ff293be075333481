// gather: slices of a tensor along one axis at int32 indices (TensorFlow.js
// semantics: result shape x.shape[:axis] + indices.shape + x.shape[axis+1:]).
// Indices outside the axis are an error on the CPU backend and wherever
// their values are known when the op is called; a GPU kernel whose indices
// were computed on the GPU clamps them into range instead (see shaders/gather.wgsl).
import { argError, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { checkSize } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import { asTensor, tensor } from './convert.js';
import { checkAxis } from './slicing.js';

function indexTensor(indices: unknown): Tensor {
  if (indices instanceof Tensor) {
    const t = asTensor('gather', 'indices', indices);
    if (t.dtype !== 'int32') throw argError('gather', 'indices', 'an int32 tensor (cast float indices with cast(x, "int32"))', t);
    return t;
  }
  if (typeof indices === 'number' || Array.isArray(indices) || indices instanceof Int32Array) return tensor(indices as number[], undefined, 'int32');
  throw argError('gather', 'indices', 'an int32 tensor, an integer or an array of integers', indices);
}

/** Refuses indices outside [0, size) when their values are already on the host. */
function checkKnownIndices(indices: Tensor, size: number, axis: number, xShape: readonly number[]): void {
  const host = indices.op === null ? indices.storage?.host : null;
  if (!host) return;
  for (let j = 0; j < indices.size; j++) {
    const v = host[j];
    if (v < 0 || v >= size) {
      throw new WebgradError(`gather: argument 'indices' holds ${v} at flat position ${j}, outside [0, ${size - 1}] (axis ${axis} of 'x', shape ${shapeString(xShape)}).`);
    }
  }
}

/**
 * The slices of `x` along `axis` at `indices` (int32, any shape; an array
 * of integers is converted). `batchDims` other than 0 is not supported.
 */
export function gather(x: Tensor, indices: Tensor | readonly number[] | number, axis = 0, batchDims = 0): Tensor {
  return composite(() => {
    const t = asTensor('gather', 'x', x);
    if (t.rank === 0) throw argError('gather', 'x', 'a tensor of rank >= 1', t);
    const a = checkAxis('gather', axis, t.rank);
    if (batchDims !== 0) throw argError('gather', 'batchDims', '0 (batched gathers are not supported)', batchDims);
    const idx = indexTensor(indices);
    if (t.shape[a] === 0 && idx.size > 0) {
      throw argError('gather', 'x', `a tensor with elements along axis ${a} to gather from`, t);
    }
    checkKnownIndices(idx, t.shape[a], a, t.shape);
    const shape = [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)];
    checkSize('gather', 'the result of shape', shape);
    return engine.make({ kind: 'gather', axis: a }, [t, idx], shape, t.dtype);
  });
}

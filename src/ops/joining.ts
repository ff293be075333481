// Joining and repeating tensors: concat, stack, tile (TensorFlow.js names and
// argument order). concat records one node per group of up to 7 inputs (the
// storage buffers a GPU kernel may bind besides its output); stack is concat
// of the inputs with a new axis, so it needs no kernel or gradient of its own.
import { argError, article, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { checkSize, sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import { asTensor } from './convert.js';
import { zeros } from './creation.js';
import { expandDims, reshape } from './shape_ops.js';
import { checkAxis } from './slicing.js';

/** Most inputs of one concat kernel. */
const MAX_CONCAT_INPUTS = 7;

function tensorList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw argError(op, 'tensors', 'a non-empty array of tensors', tensors);
  const list = tensors.map((x, i) => asTensor(op, `tensors[${i}]`, x));
  const first = list[0];
  list.forEach((x, i) => {
    if (x.dtype !== first.dtype) throw argError(op, `tensors[${i}]`, `${article(first.dtype)} ${first.dtype} tensor like tensors[0]`, x);
  });
  return list;
}

/** Joins tensors along an existing axis; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  return composite(() => {
    const list = tensorList('concat', tensors);
    const first = list[0];
    if (first.rank === 0) throw argError('concat', 'tensors[0]', 'a tensor of rank >= 1 (scalars have no axis to join along: use stack)', first);
    const a = checkAxis('concat', axis, first.rank);
    list.forEach((x, i) => {
      if (x.rank !== first.rank || x.shape.some((d, k) => k !== a && d !== first.shape[k])) {
        throw new WebgradError(`concat: 'tensors[${i}]' has shape ${shapeString(x.shape)}, which does not match 'tensors[0]' ${shapeString(first.shape)} on every axis but axis ${a}.`);
      }
    });
    const shape = [...first.shape];
    shape[a] = list.reduce((n, x) => n + x.shape[a], 0);
    checkSize('concat', 'the result of shape', shape);
    const parts = list.filter((x) => x.shape[a] > 0);
    if (sizeOf(shape) === 0 || parts.length === 0) return zeros(shape, first.dtype);
    return join(parts, a);
  });
}

function join(parts: Tensor[], axis: number): Tensor {
  if (parts.length === 1) return reshape(parts[0], parts[0].shape);
  if (parts.length > MAX_CONCAT_INPUTS) {
    const groups: Tensor[] = [];
    for (let i = 0; i < parts.length; i += MAX_CONCAT_INPUTS) groups.push(join(parts.slice(i, i + MAX_CONCAT_INPUTS), axis));
    return join(groups, axis);
  }
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((n, x) => n + x.shape[axis], 0);
  return engine.make({ kind: 'concat', axis }, parts, shape, parts[0].dtype);
}

/** Joins tensors of one shape along a new axis (in [-(rank + 1), rank]). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  return composite(() => {
    const list = tensorList('stack', tensors);
    const first = list[0];
    list.forEach((x, i) => {
      if (x.rank !== first.rank || x.shape.some((d, k) => d !== first.shape[k])) {
        throw new WebgradError(`stack: 'tensors[${i}]' has shape ${shapeString(x.shape)}, but 'tensors[0]' has ${shapeString(first.shape)}; stack needs tensors of one shape.`);
      }
    });
    const a = checkAxis('stack', axis, first.rank + 1);
    return concat(list.map((x) => expandDims(x, a)), a);
  });
}

/** Repeats `x` `reps[d]` times along each axis d (one non-negative integer per axis). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const t = asTensor('tile', 'x', x);
  if (!Array.isArray(reps) || reps.length !== t.rank || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
    throw argError('tile', 'reps', `a list of ${t.rank} non-negative integers (one per axis of 'x', shape ${shapeString(t.shape)})`, reps);
  }
  const out = t.shape.map((d, k) => d * reps[k]);
  checkSize('tile', 'the result of shape', out);
  if (reps.every((r) => r === 1)) return reshape(t, t.shape);
  if (sizeOf(out) === 0) return zeros(out, t.dtype);
  return engine.make({ kind: 'tile' }, [t], out, t.dtype);
}

// Taking parts of a tensor and padding it: slice, split, pad (TensorFlow.js
// names and argument order). Each records one node computed by a window
// kernel (src/kernels/layout_spec.ts); a slice or pad that changes nothing
// returns a view that shares x's data.
import { argError, describe, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { checkSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { asTensor } from './convert.js';
import { reshape } from './shape_ops.js';

/** One axis of a tensor of rank `rank` (negative counts from the end), checked. */
export function checkAxis(op: string, axis: unknown, rank: number, arg = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw argError(op, arg, rank === 0 ? 'an axis of a tensor of rank >= 1 (this one is a scalar)' : `an integer axis in [${-rank}, ${rank - 1}]`, axis);
  }
  return axis < 0 ? axis + rank : axis;
}

function isIntegerList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d));
}

/** TF.js's begin / size: a number applies to axis 0; a short list is completed with `fill`. */
function perAxis(op: string, arg: string, v: number | readonly number[], rank: number, fill: number): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!isIntegerList(list) || list.length > rank) throw argError(op, arg, `an integer or a list of at most ${rank} integers (one per axis of 'x')`, v);
  return [...list, ...new Array<number>(rank - list.length).fill(fill)];
}

/**
 * The part of `x` starting at `begin` with `size` elements along each axis
 * (-1: to the end). A number for `begin` / `size` applies to the first axis;
 * lists shorter than the rank leave the other axes whole.
 */
export function slice(x: Tensor, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const t = asTensor('slice', 'x', x);
  if (t.rank === 0) throw argError('slice', 'x', 'a tensor of rank >= 1', t);
  const b = perAxis('slice', 'begin', begin, t.rank, 0);
  const s = perAxis('slice', 'size', size ?? -1, t.rank, -1);
  const out = t.shape.map((dim, d) => {
    if (b[d] < 0 || b[d] > dim) {
      throw new WebgradError(`slice: argument 'begin' ${shapeString(b)} starts outside 'x' (shape ${shapeString(t.shape)}): begin[${d}] is ${b[d]}, expected 0..${dim}.`);
    }
    const n = s[d] === -1 ? dim - b[d] : s[d];
    if (n < 0 || b[d] + n > dim) {
      throw new WebgradError(`slice: argument 'size' ${shapeString(s)} reaches outside 'x' (shape ${shapeString(t.shape)}): along axis ${d}, begin ${b[d]} + size ${n} exceeds ${dim} (use -1 for "to the end").`);
    }
    return n;
  });
  if (out.every((n, d) => n === t.shape[d])) return reshape(t, t.shape);
  return engine.make({ kind: 'slice', begin: b }, [t], out, t.dtype);
}

/**
 * Splits `x` along `axis` into `numOrSizeSplits` equal parts (a number that
 * divides the axis) or into parts of the given sizes (one may be -1: the rest).
 */
export function split(x: Tensor, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  const t = asTensor('split', 'x', x);
  const a = checkAxis('split', axis, t.rank);
  const dim = t.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits < 1 || dim % numOrSizeSplits !== 0) {
      throw argError('split', 'numOrSizeSplits', `a positive integer that divides axis ${a} of 'x' (shape ${shapeString(t.shape)}, size ${dim})`, numOrSizeSplits);
    }
    sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  } else {
    if (!isIntegerList(numOrSizeSplits) || numOrSizeSplits.length === 0 || numOrSizeSplits.some((n) => n < -1) || numOrSizeSplits.filter((n) => n === -1).length > 1) {
      throw argError('split', 'numOrSizeSplits', 'a positive integer or a non-empty list of sizes >= 0 (at most one -1)', numOrSizeSplits);
    }
    sizes = [...numOrSizeSplits];
    const known = sizes.reduce((acc, n) => (n === -1 ? acc : acc + n), 0);
    const free = sizes.indexOf(-1);
    if (free >= 0 && known <= dim) sizes[free] = dim - known;
    if (sizes.reduce((acc, n) => acc + n, 0) !== dim) {
      throw new WebgradError(`split: the sizes ${describe(numOrSizeSplits)} in 'numOrSizeSplits' must add up to ${dim}, the size of axis ${a} of 'x' (shape ${shapeString(t.shape)}), but add up to ${known}.`);
    }
  }
  let start = 0;
  return sizes.map((n) => {
    const begin = t.shape.map((_, d) => (d === a ? start : 0));
    const size = t.shape.map((dimD, d) => (d === a ? n : dimD));
    start += n;
    return slice(t, begin, size);
  });
}

/**
 * Pads `x` with `constantValue`: `paddings[d] = [before, after]` values
 * along axis d (non-negative integers, one pair per axis).
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  const t = asTensor('pad', 'x', x);
  const valid = Array.isArray(paddings) && paddings.length === t.rank && paddings.every((p) => isIntegerList(p) && p.length === 2);
  if (!valid) throw argError('pad', 'paddings', `a list of ${t.rank} [before, after] pairs of integers (one per axis of 'x', shape ${shapeString(t.shape)})`, paddings);
  const pairs = paddings as readonly (readonly [number, number])[];
  const negative = pairs.findIndex((p) => p[0] < 0 || p[1] < 0);
  if (negative >= 0) throw argError('pad', `paddings[${negative}]`, 'a pair of non-negative integers (pad cannot crop: use slice)', pairs[negative]);
  if (typeof constantValue !== 'number') throw argError('pad', 'constantValue', 'a number', constantValue);
  const out = t.shape.map((dim, d) => pairs[d][0] + dim + pairs[d][1]);
  checkSize('pad', 'the result of shape', out);
  if (out.every((n, d) => n === t.shape[d])) return reshape(t, t.shape);
  return engine.make({ kind: 'pad', before: pairs.map((p) => p[0]), value: constantValue }, [t], out, t.dtype);
}

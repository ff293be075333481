// Turning user input (tensors, numbers, nested arrays, typed arrays) into
// tensors, with errors that name the op and the argument.
import { argError, describe, WebgradError } from '../core/errors.js';
import { checkDType, type DType, type TypedArray } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { checkShape, sizeOf } from '../core/shape.js';
import { shapeString } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';

export type TensorLike = Tensor | number | TypedArray | readonly number[] | readonly TensorLikeArray[];
export type TensorLikeArray = ReadonlyArray<number | TensorLikeArray>;

/** Infers the shape of a nested array, checking that it is rectangular. */
export function inferShape(op: string, arg: string, value: unknown): number[] {
  if (typeof value === 'number') return [];
  if (ArrayBuffer.isView(value)) return [(value as TypedArray).length];
  if (!Array.isArray(value)) throw argError(op, arg, 'a number, an array or a typed array', value);
  const shape = [value.length];
  let first: unknown = value[0];
  while (Array.isArray(first) || ArrayBuffer.isView(first)) {
    shape.push((first as ArrayLike<unknown>).length);
    first = (first as ArrayLike<unknown>)[0];
  }
  return shape;
}

function flatten(op: string, arg: string, value: unknown, shape: number[], out: number[], depth: number): void {
  if (depth === shape.length) {
    if (typeof value !== 'number') throw argError(op, arg, 'numbers at the innermost level', value);
    out.push(value);
    return;
  }
  const arr = value as ArrayLike<unknown>;
  if ((!Array.isArray(arr) && !ArrayBuffer.isView(arr)) || arr.length !== shape[depth]) {
    throw new WebgradError(`${op}: argument '${arg}' is a ragged array: expected length ${shape[depth]} at depth ${depth}, got ${describe(arr)}.`);
  }
  for (let i = 0; i < arr.length; i++) flatten(op, arg, arr[i], shape, out, depth + 1);
}

/** Builds a typed array of `dtype` from nested data, and the shape. */
export function toTypedArray(op: string, arg: string, values: unknown, dtype: DType): { data: TypedArray; shape: number[] } {
  const shape = inferShape(op, arg, values);
  let data: TypedArray;
  if (ArrayBuffer.isView(values)) {
    data = dtype === 'int32' ? Int32Array.from(values as TypedArray) : Float32Array.from(values as TypedArray);
  } else {
    const flat: number[] = [];
    flatten(op, arg, values, shape, flat, 0);
    data = dtype === 'int32' ? Int32Array.from(flat) : Float32Array.from(flat);
  }
  return { data, shape };
}

/** Creates a tensor from values, an optional shape and a dtype (float32 by default). */
export function tensor(values: TensorLike, shape?: readonly number[], dtype: DType = 'float32'): Tensor {
  if (values instanceof Tensor) throw argError('tensor', 'values', 'numbers, a nested array or a typed array (not a Tensor)', values);
  checkDType('tensor', dtype);
  const { data, shape: inferred } = toTypedArray('tensor', 'values', values, dtype);
  let finalShape = inferred;
  if (shape !== undefined) {
    finalShape = checkShape('tensor', 'shape', shape);
    if (sizeOf(finalShape) !== data.length) {
      throw new WebgradError(`tensor: argument 'shape' ${shapeString(finalShape)} needs ${sizeOf(finalShape)} values, but 'values' has ${data.length}.`);
    }
  }
  return engine.fromHost(data, finalShape, dtype);
}

/** Returns `x` as a tensor: tensors pass through (checked alive), numbers become float32 scalars. */
export function asTensor(op: string, arg: string, x: unknown): Tensor {
  if (x instanceof Tensor) {
    x.assertAlive(op, arg);
    return x;
  }
  if (typeof x === 'number') return engine.fromHost(Float32Array.of(x), [], 'float32');
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return tensor(x as TensorLike);
  throw argError(op, arg, 'a Tensor, a number or an array', x);
}

/** Checks that a tensor input has float32 dtype. */
export function asFloat(op: string, arg: string, x: unknown): Tensor {
  const t = asTensor(op, arg, x);
  if (t.dtype !== 'float32') throw argError(op, arg, 'a float32 tensor', t);
  return t;
}

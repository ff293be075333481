// Tensors made from nothing: constants and seeded random values. Shapes and
// dtypes are checked (too large shapes included) before anything is allocated.
import { argError } from '../core/errors.js';
import { checkDType, type DType } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { Random } from '../core/random.js';
import { checkShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';

/** A constant tensor; `op` names the public function in errors. */
function constant(op: string, shape: readonly number[], value: number, dtype: unknown): Tensor {
  const s = checkShape(op, 'shape', shape);
  if (typeof value !== 'number') throw argError(op, 'value', 'a number', value);
  const d = checkDType(op, dtype);
  const data = d === 'int32' ? new Int32Array(sizeOf(s)) : new Float32Array(sizeOf(s));
  data.fill(value);
  return engine.fromHost(data, s, d);
}

export const fill = (shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor => constant('fill', shape, value, dtype);
export const zeros = (shape: readonly number[], dtype: DType = 'float32'): Tensor => constant('zeros', shape, 0, dtype);
export const ones = (shape: readonly number[], dtype: DType = 'float32'): Tensor => constant('ones', shape, 1, dtype);
export const scalar = (value: number, dtype: DType = 'float32'): Tensor => constant('scalar', [], value, dtype);

export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, seed?: number): Tensor {
  const s = checkShape('randomUniform', 'shape', shape);
  const rng = new Random(seed);
  const data = new Float32Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = minval + (maxval - minval) * rng.next();
  return engine.fromHost(data, s, 'float32');
}

export function randomNormal(shape: readonly number[], mean = 0, stddev = 1, seed?: number): Tensor {
  const s = checkShape('randomNormal', 'shape', shape);
  const rng = new Random(seed);
  const data = new Float32Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = mean + stddev * rng.normal();
  return engine.fromHost(data, s, 'float32');
}

/** Normal values redrawn until within two standard deviations (as Keras' truncatedNormal). */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, seed?: number): Tensor {
  const s = checkShape('truncatedNormal', 'shape', shape);
  const rng = new Random(seed);
  const data = new Float32Array(sizeOf(s));
  for (let i = 0; i < data.length; i++) {
    let v = rng.normal();
    while (Math.abs(v) > 2) v = rng.normal();
    data[i] = mean + stddev * v;
  }
  return engine.fromHost(data, s, 'float32');
}

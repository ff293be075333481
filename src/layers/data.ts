// Turning fit/evaluate/predict arguments (tensors, nested arrays, typed
// arrays, { data, shape }) into host arrays of a known shape, with the API
// edge checks: rank and width, finite values, integer class labels in range.
import { WebgradError, argError, describe, shapeString } from '../core/errors.js';
import type { TypedArray } from '../core/dtype.js';
import { sizeOf } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { hostValuesOf } from '../graph/host_values.js';
import { toTypedArray } from '../ops/convert.js';

/** Anything fit/evaluate/predict take as x or y. */
export type DataLike = Tensor | TypedArray | readonly unknown[] | { data: TypedArray | readonly number[]; shape: readonly number[] };

export interface HostData {
  data: Float32Array | Int32Array;
  shape: number[];
}

function isShaped(v: unknown): v is { data: TypedArray | readonly number[]; shape: readonly number[] } {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && !ArrayBuffer.isView(v) && !Array.isArray(v)
    && 'data' in v && 'shape' in v;
}

/**
 * Reads `value` into a host array of the shape it has: a flat typed array or
 * flat number array is 1-D (never guessed into rows; shapeX/shapeY decide
 * whether 1-D is allowed).
 */
export async function toHost(op: string, arg: string, value: unknown): Promise<HostData> {
  if (value instanceof Tensor) {
    value.assertAlive(op, arg);
    // Values already on the host are used in place: nothing here writes into
    // host data (fit(x, y) reads its arguments on every call; a fresh 400 KB
    // copy cost ~1 ms).
    const host = hostValuesOf(value);
    const data = host ? host.subarray(0, value.size) : await value.data();
    return { data, shape: [...value.shape] };
  }
  return toHostSync(op, arg, value);
}

export function toHostSync(op: string, arg: string, value: unknown): HostData {
  if (value === undefined || value === null) throw argError(op, arg, 'a Tensor, a nested array, a typed array or { data, shape }', value);
  if (isShaped(value)) {
    const shape = [...value.shape];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw argError(op, `${arg}.shape`, 'an array of non-negative integers', value.shape);
    const src = value.data;
    if (!ArrayBuffer.isView(src) && !Array.isArray(src)) throw argError(op, `${arg}.data`, 'a typed array or an array of numbers', src);
    if (src.length !== sizeOf(shape)) throw new WebgradError(`${op}: argument '${arg}' has ${src.length} values but shape ${shapeString(shape)} needs ${sizeOf(shape)}.`);
    const data = src instanceof Int32Array ? Int32Array.from(src) : Float32Array.from(src as ArrayLike<number>);
    return { data, shape };
  }
  if (ArrayBuffer.isView(value) || (Array.isArray(value) && (value.length === 0 || typeof value[0] === 'number'))) {
    const flat = ArrayBuffer.isView(value) ? (value as unknown as ArrayLike<number>) : (value as number[]);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (typeof value[i] !== 'number') throw argError(op, `${arg}[${i}]`, 'a number (the array is flat)', value[i]);
      }
    }
    const data = value instanceof Int32Array ? Int32Array.from(value) : Float32Array.from(flat);
    return { data, shape: [data.length] };
  }
  if (Array.isArray(value)) {
    const { data, shape } = toTypedArray(op, arg, value, 'float32');
    return { data, shape };
  }
  throw argError(op, arg, 'a Tensor, a nested array, a typed array or { data, shape }', value);
}

/** Throws naming the argument and the first sample/column holding NaN or Infinity. */
export function checkFinite(op: string, arg: string, h: HostData): void {
  if (h.data instanceof Int32Array) return;
  const d = h.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const row = h.shape.length >= 1 ? sizeOf(h.shape.slice(1)) : 1;
      const sample = Math.floor(i / Math.max(1, row));
      const where = h.shape.length >= 2 ? `sample ${sample}, column ${i % row} (flat index ${i})` : `sample ${sample}`;
      throw new WebgradError(`${op}: argument '${arg}' contains ${Number.isNaN(d[i]) ? 'NaN' : d[i] > 0 ? 'Infinity' : '-Infinity'} at ${where}; every value must be finite.`);
    }
  }
}

/**
 * The [n, features] shape of an input `x` of `shape`, or an error naming the
 * expected shape. 1-D is one feature per sample, so only for models with one
 * input feature (or not built yet): Keras refuses to guess rows from it.
 */
export function inputShape2d(op: string, arg: string, shape: readonly number[], inputDim: number | null): [number, number] {
  const want = `[n, ${inputDim ?? 'features'}]`;
  if (shape.length === 1 && (inputDim === null || inputDim === 1)) return [shape[0], 1];
  if (shape.length === 1) {
    throw new WebgradError(`${op}: argument '${arg}' must have shape ${want} (samples, then the ${inputDim} features of the model's inputShape [${inputDim}]), got shape ${shapeString(shape)}; a 1-D array is one feature per sample. Pass one row per sample ([[a, b], ...]) or { data, shape: ${want} }.`);
  }
  if (shape.length !== 2) {
    throw new WebgradError(`${op}: argument '${arg}' must be 2-D ${want} (samples, features), got shape ${shapeString(shape)}.`);
  }
  if (inputDim !== null && shape[1] !== inputDim) {
    throw new WebgradError(`${op}: argument '${arg}' has ${shape[1]} features per sample (shape ${shapeString(shape)}), but the model's input expects ${inputDim} (inputShape [${inputDim}]).`);
  }
  return [shape[0], shape[1]];
}

/**
 * The [n, ...sample] shape of an input `x` of `shape` for a model whose
 * per-sample input shape is `sample` (null: not known yet, the data decides).
 * A one-dimensional sample is [n, features] (inputShape2d's rules); an image
 * model takes [n, height, width, channels] exactly.
 */
export function inputShapeOf(op: string, arg: string, shape: readonly number[], sample: readonly number[] | null): number[] {
  if (sample === null ? shape.length <= 2 : sample.length === 1) return inputShape2d(op, arg, shape, sample?.[0] ?? null);
  if (sample === null) return [...shape];
  const want = `[n, ${sample.join(', ')}]`;
  if (shape.length !== sample.length + 1 || sample.some((d, i) => shape[i + 1] !== d)) {
    throw new WebgradError(`${op}: argument '${arg}' must have shape ${want} (samples, then the model's inputShape [${sample.join(', ')}]), got shape ${shapeString(shape)}.`);
  }
  return [...shape];
}

/** x as [n, ...sample] float32 (see inputShapeOf). */
export function shapeX(op: string, arg: string, h: HostData, sample: readonly number[] | null): HostData {
  const shape = inputShapeOf(op, arg, h.shape, sample);
  const data = h.data instanceof Float32Array ? h.data : Float32Array.from(h.data);
  return { data, shape };
}

/** The [n, units] shape of dense targets of `shape` (1-D is allowed when units is 1), or an error. */
export function targetShape2d(op: string, arg: string, shape: readonly number[], units: number): [number, number] {
  if (shape.length === 1 && units === 1) return [shape[0], 1];
  if (shape.length !== 2 || shape[1] !== units) {
    throw new WebgradError(`${op}: argument '${arg}' must have shape [samples, ${units}] to match the model's ${units} outputs, got shape ${shapeString(shape)}.`);
  }
  return [shape[0], shape[1]];
}

/**
 * `y` checked and shaped for the loss: int32 class indices [n] for sparse
 * cross-entropy, else finite floats [n, units]. fit and evaluate share it.
 */
export function targetsFor(op: string, arg: string, h: HostData, sparse: boolean, units: number): HostData {
  if (sparse) {
    checkFinite(op, arg, h);
    return sparseLabels(op, arg, h, units);
  }
  const y: HostData = { data: h.data instanceof Float32Array ? h.data : Float32Array.from(h.data), shape: targetShape2d(op, arg, h.shape, units) };
  checkFinite(op, arg, y);
  return y;
}

/**
 * Class labels for sparse cross-entropy: [n] or [n, 1] of integers in
 * [0, classes), returned as int32 [n]. The error names the first bad sample.
 */
export function sparseLabels(op: string, arg: string, h: HostData, classes: number): HostData {
  const s = h.shape;
  if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) {
    throw new WebgradError(`${op}: argument '${arg}' must hold one class index per sample (shape [samples] or [samples, 1]) for sparseCategoricalCrossentropy, got shape ${shapeString(s)}.`);
  }
  const n = s[0];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = h.data[i];
    if (!Number.isInteger(v)) {
      throw new WebgradError(`${op}: argument '${arg}' holds class labels for sparseCategoricalCrossentropy, but sample ${i} is ${describe(v)}, not an integer.`);
    }
    if (v < 0 || v >= classes) {
      throw new WebgradError(`${op}: argument '${arg}': class label ${v} at sample ${i} is out of range; the model has ${classes} outputs, so labels must be in [0, ${classes - 1}].`);
    }
    out[i] = v;
  }
  return { data: out, shape: [n] };
}

/** Rows [from, to) of `h` (a copy). */
export function sliceRows(h: HostData, from: number, to: number): HostData {
  const row = sizeOf(h.shape.slice(1));
  return { data: h.data.slice(from * row, to * row), shape: [to - from, ...h.shape.slice(1)] };
}

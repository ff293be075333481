// Window geometry of conv2d and pooling, computed and checked as TensorFlow
// does: 'valid' keeps only whole windows, 'same' gives ceil(in / stride)
// outputs with the padding split evenly (the extra one after), explicit
// padding is [[0, 0], [top, bottom], [left, right], [0, 0]].
import { argError, isArray, shapeString, WebgradError } from '../core/errors.js';
import type { ConvGeometry } from '../kernels/conv_op.js';

export type ExplicitPadding = readonly (readonly [number, number])[];
export type PaddingArg = 'same' | 'valid' | ExplicitPadding;

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** A number or a [h, w] pair of positive integers, as [h, w]. */
export function pairOf(op: string, arg: string, v: unknown): [number, number] {
  if (isPositiveInt(v)) return [v, v];
  if (isArray(v) && v.length === 2 && isPositiveInt(v[0]) && isPositiveInt(v[1])) return [v[0], v[1]];
  throw argError(op, arg, 'a positive integer or a pair [height, width] of positive integers', v);
}

interface AxisWindow {
  out: number;
  before: number;
}

function axisWindow(op: string, padding: PaddingArg, axis: 1 | 2, size: number, k: number, stride: number, dil: number, names: [string, string]): AxisWindow {
  const span = (k - 1) * dil + 1;
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    return { out, before: Math.floor(Math.max((out - 1) * stride + span - size, 0) / 2) };
  }
  let before = 0;
  let after = 0;
  if (padding !== 'valid') [before, after] = padding[axis];
  const padded = size + before + after;
  if (span > padded) {
    throw new WebgradError(
      `${op}: the ${names[1]} (${k}${dil > 1 ? ` with dilation ${dil}, spanning ${span}` : ''}) is larger than the ${padding === 'valid' ? '' : 'padded '}${axis === 1 ? 'height' : 'width'} of '${names[0]}' (${padded}); use padding 'same' or a smaller window.`,
    );
  }
  return { out: Math.floor((padded - span) / stride) + 1, before };
}

/** Checks `padding`: 'same', 'valid' or explicit [[0, 0], [t, b], [l, r], [0, 0]] of integers >= 0. */
export function checkPadding(op: string, padding: unknown): PaddingArg {
  if (padding === 'same' || padding === 'valid') return padding;
  const isPair = (p: unknown): p is [number, number] => isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0);
  if (isArray(padding) && padding.length === 4 && padding.every(isPair)) {
    const pairs = padding;
    if (pairs[0].every((v) => v === 0) && pairs[3].every((v) => v === 0)) return pairs;
  }
  throw argError(op, 'pad', "'same', 'valid' or [[0, 0], [top, bottom], [left, right], [0, 0]] of integers >= 0", padding);
}

/**
 * The geometry of a window of kH x kW taps over x [batch, inH, inW, inC]
 * giving outC channels. `names` name x and the window in errors.
 */
export function windowGeometry(
  op: string, xShape: readonly number[], outC: number, kH: number, kW: number,
  strides: [number, number], padding: PaddingArg, dilations: [number, number], names: [string, string],
): ConvGeometry {
  const [batch, inH, inW, inC] = xShape;
  const h = axisWindow(op, padding, 1, inH, kH, strides[0], dilations[0], names);
  const w = axisWindow(op, padding, 2, inW, kW, strides[1], dilations[1], names);
  return {
    batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW,
    strideH: strides[0], strideW: strides[1], dilH: dilations[0], dilW: dilations[1], padTop: h.before, padLeft: w.before,
  };
}

/** Refuses any data format but NHWC (the only layout the kernels read). */
export function checkDataFormat(op: string, dataFormat: unknown): void {
  if (dataFormat !== 'NHWC') throw argError(op, 'dataFormat', "'NHWC' (channels last; 'NCHW' is not supported)", dataFormat);
}

/** x as rank 4 (a rank-3 x is one image); `arg` names it in errors. */
export function batchShape(op: string, arg: string, shape: readonly number[]): number[] {
  if (shape.length === 4) return [...shape];
  if (shape.length === 3) return [1, ...shape];
  throw new WebgradError(`${op}: argument '${arg}' must have rank 4 [batch, height, width, channels] or rank 3, but has shape ${shapeString(shape)}.`);
}

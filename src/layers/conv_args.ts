// Argument and config helpers shared by the convolution and pooling layers:
// Keras' (kernel / pool) sizes and strides as [h, w] pairs, padding names, and
// the channels-last data format (the only one webgrad's kernels read).
import { argError, WebgradError } from '../core/errors.js';
import { formatShape, type SymbolicShape } from './layer.js';

export type LayerPadding = 'same' | 'valid';

/** A positive integer or a pair of them, as [h, w]; `arg` names it in errors. */
export function sizePair(op: string, arg: string, v: unknown): [number, number] {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 1;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  throw argError(op, arg, 'a positive integer or a pair [height, width] of positive integers', v);
}

export function layerPadding(op: string, v: unknown): LayerPadding {
  if (v === undefined) return 'valid';
  if (v === 'same' || v === 'valid') return v;
  throw argError(op, 'padding', "'same' or 'valid'", v);
}

/** Refuses channels-first data (Keras 'channels_first'). */
export function checkChannelsLast(op: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== 'channelsLast') throw argError(op, 'dataFormat', "'channelsLast' (NHWC)", v);
}

/** Checks a layer input is [batch, height, width, channels] with known sizes. */
export function imageShape(name: string, shape: SymbolicShape): [number, number, number] {
  const [, h, w, c] = shape;
  if (shape.length !== 4 || typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new WebgradError(`${name}: expected a 4-D input [batch, height, width, channels], got shape ${formatShape(shape)}.`);
  }
  return [h, w, c];
}

/** Output size of one spatial axis, as conv2d and the pools compute it. */
export function outSize(size: number, k: number, stride: number, dil: number, padding: LayerPadding): number {
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - ((k - 1) * dil + 1)) / stride) + 1;
}

// Dropout (TF.js: tf.dropout): inverted dropout, x * mask / (1 - rate), its
// mask made inside the kernel by the table's 'dropoutKeep' row from each
// element's index and the seed (Philox-4x32-10, src/kernels/philox.ts), so
// it fuses with the ops around it, uploads no random numbers, and the CPU and
// WebGPU give the same mask for the same seed. Its gradient, dy * mask /
// (1 - rate), follows from the multiplication (the mask has none).
import { argError } from '../core/errors.js';
import { composite } from '../core/scope.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { asFloat, tensor } from './convert.js';
import { binaryOp } from './elementwise_node.js';
import { div, linear, mul } from './elementwise.js';

/** Counters and seeds are float32 integers: at most 2^24 (see src/kernels/philox.ts). */
const MAX_COUNTER = 2 ** 24;

/** A seed as the generator's key word: an integer in [0, 2^24) (a string is hashed). */
export function seedWord(op: string, seed: unknown): number {
  if (seed === undefined || seed === null) return Math.floor(Math.random() * MAX_COUNTER);
  if (typeof seed === 'string') {
    // FNV-1a, folded to 24 bits.
    let h = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    return (h ^ (h >>> 24)) & 0xffffff;
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw argError(op, 'seed', 'a finite number or a string', seed);
  return Math.floor(Math.abs(seed)) % MAX_COUNTER;
}

/** Checks a dropout rate: a number in [0, 1). */
export function checkRate(op: string, rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate >= 1) throw argError(op, 'rate', 'a number in [0, 1)', rate);
  return rate;
}

/** The mask's shape: noiseShape (each size x's or 1; null or -1 takes x's), or x's shape. */
export function resolveNoiseShape(op: string, shape: readonly number[], noiseShape: unknown): number[] {
  if (noiseShape === undefined || noiseShape === null) return [...shape];
  const expected = `an array of ${shape.length} sizes, each ${JSON.stringify(shape)}'s or 1, to broadcast over x of shape ${JSON.stringify(shape)}`;
  if (!Array.isArray(noiseShape) || noiseShape.length !== shape.length) throw argError(op, 'noiseShape', expected, noiseShape);
  return noiseShape.map((d: unknown, i) => {
    if (d === null || d === -1) return shape[i];
    if (d !== 1 && d !== shape[i]) throw argError(op, 'noiseShape', expected, noiseShape);
    return d;
  });
}

/**
 * Dropout with the mask of key (seed, step): `step` is a float32 scalar
 * tensor (a compiled training step's counter) or a number. The building
 * block of wg.dropout and of the Dropout layer.
 */
export function dropoutWithStep(op: string, x: Tensor, rate: number, noiseShape: readonly number[], seed: number, step: Tensor | number): Tensor {
  return composite(() => {
    if (rate === 0) return linear(x);
    const n = sizeOf(noiseShape);
    if (n > MAX_COUNTER) throw argError(op, 'noiseShape', `at most 2^24 elements (the mask's element indices are float32 integers)`, noiseShape);
    const index = tensor(Float32Array.from({ length: n }, (_, i) => i), [...noiseShape]);
    const keep = binaryOp('dropoutKeep', index, step, [Math.fround(rate), seed], op);
    // As TF.js: x * (keep / keepProb).
    return mul(x, div(keep, 1 - rate));
  });
}

/**
 * Inverted dropout (TF.js: tf.dropout): sets each element of `x` to 0 with
 * probability `rate` and scales the others by 1 / (1 - rate), so the
 * expected value is unchanged.
 * @param rate in [0, 1).
 * @param noiseShape the mask's shape, broadcast over x: each size x's or 1
 *   (e.g. [batch, 1, 1, channels] drops whole channels). Default: x's shape.
 * @param seed makes the mask reproducible: the same seed gives the same mask
 *   on the CPU and on WebGPU. Integers modulo 2^24 (a string is hashed);
 *   default: a random one.
 */
export function dropout(x: Tensor, rate: number, noiseShape?: number[], seed?: number | string): Tensor {
  const op = 'dropout';
  const t = asFloat(op, 'x', x);
  const r = checkRate(op, rate);
  const shape = resolveNoiseShape(op, t.shape, noiseShape);
  return dropoutWithStep(op, t, r, shape, seedWord(op, seed), 0);
}

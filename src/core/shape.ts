// Shape arithmetic: sizes, strides, broadcasting and axis normalisation.
import { argError, shapeString, WebgradError } from './errors.js';

export type Shape = readonly number[];

/**
 * The most elements one tensor may have: the kernels index elements with
 * u32 arithmetic (WGSL) and leave headroom for the few offsets added to an
 * index, so element counts stay within a signed 32-bit integer.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Refuses a shape whose element count (or any dimension) the kernels cannot
 * index, before anything is recorded or allocated. `what` says what has the
 * shape: "argument 'shape'", 'the result'.
 */
export function checkSize(op: string, what: string, shape: Shape): void {
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS || shape.some((d) => d > MAX_ELEMENTS)) {
    const count = size > MAX_ELEMENTS ? `${size} elements` : `a dimension of ${Math.max(...shape)}`;
    throw new WebgradError(
      `${op}: ${what} ${shapeString(shape)} is too large: ${count}, over the limit of ${MAX_ELEMENTS} (2^31 - 1) elements per tensor (kernels index elements with 32-bit integers); split the work into smaller tensors.`,
    );
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting of two shapes; throws naming the op when they do not broadcast. */
export function broadcastShapes(op: string, a: Shape, b: Shape, names: [string, string] = ['a', 'b']): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new WebgradError(
        `${op}: arguments '${names[0]}' (shape ${shapeString(a)}) and '${names[1]}' (shape ${shapeString(b)}) cannot be broadcast together: aligned from the right, dimension ${i} is ${da} vs ${db} (each pair must be equal or contain a 1).`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  checkSize(op, 'the broadcast result of shape', out);
  return out;
}

/**
 * Strides with which an input of shape `inShape` is read when broadcast to
 * `outShape`: one entry per output dimension, 0 where the input is repeated.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const inStrides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    if (j < 0 || inShape[j] === 1) return 0;
    return inStrides[j];
  });
}

/**
 * True when an input read with `strides` at every element of `shape` is read
 * in order (its flat index equals the output's). Dimensions of size 1
 * contribute nothing to the index, whatever their stride.
 */
export function readsInOrder(strides: readonly number[], shape: Shape): boolean {
  const out = stridesOf(shape);
  return strides.every((s, d) => s === out[d] || shape[d] === 1);
}

/** True when an input read with `strides` over `shape` is one repeated value. */
export function readsOneValue(strides: readonly number[], shape: Shape): boolean {
  return strides.every((s, d) => s === 0 || shape[d] === 1);
}

/** Normalise `axis` (number, array or undefined = all) to sorted unique non-negative axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  // A scalar has no axes; axis 0 / -1 on it reduces nothing (as NumPy allows for keepdims-free reductions of 0-d arrays).
  if (rank === 0) {
    const list0 = typeof axis === 'number' ? [axis] : [...axis];
    for (const a of list0) if (a !== 0 && a !== -1) throw argError(op, 'axis', 'absent, 0 or -1 for a scalar (rank-0) tensor', a);
    return [];
  }
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= Math.max(rank, 1)) {
      throw argError(op, 'axis', `an integer in [${-rank}, ${rank - 1}]`, a);
    }
    out.add(a < 0 ? a + rank : a);
  }
  return [...out].sort((x, y) => x - y);
}

export function checkShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw argError(op, arg, 'an array of non-negative integers', shape);
  }
  checkSize(op, `argument '${arg}'`, shape);
  return [...(shape as number[])];
}

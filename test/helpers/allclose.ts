// Comparing computed values with reference ones (numpy.allclose semantics:
// |a - e| <= atol + rtol * |e|), reporting the worst element on failure; and a
// seeded RNG for test data.
import type { ND } from './reference.js';
import { dot, nd, numericGrad, sizeOf } from './reference.js';

export interface Tol {
  rtol?: number;
  atol?: number;
}

export const DEFAULT_TOL: Required<Tol> = { rtol: 1e-4, atol: 1e-5 };

function toArray(x: ArrayLike<number> | number | ND): ArrayLike<number> {
  if (typeof x === 'number') return [x];
  if ((x as ND).data instanceof Float64Array && Array.isArray((x as ND).shape)) return (x as ND).data;
  return x as ArrayLike<number>;
}

/** Throws (failing the test) unless every element is close; the message names the worst element. */
export function expectAllClose(actual: ArrayLike<number> | number | ND, expected: ArrayLike<number> | number | ND, tol: Tol = {}, label = ''): void {
  const { rtol, atol } = { ...DEFAULT_TOL, ...tol };
  const a = toArray(actual);
  const e = toArray(expected);
  const where = label ? `${label}: ` : '';
  if (a.length !== e.length) throw new Error(`${where}length mismatch: actual has ${a.length} values, expected ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = e[i];
    let excess: number;
    if (Number.isNaN(y)) excess = Number.isNaN(x) ? 0 : Infinity;
    else if (!Number.isFinite(y)) excess = x === y ? 0 : Infinity;
    else if (!Number.isFinite(x)) excess = Infinity;
    else excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0) {
      bad++;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    const x = a[worst];
    const y = e[worst];
    const head = Array.from({ length: Math.min(6, a.length) }, (_, i) => `${a[i]}~${e[i]}`).join(', ');
    throw new Error(
      `${where}not close (rtol=${rtol}, atol=${atol}): ${bad} of ${a.length} elements differ; worst at index ${worst}: actual ${x}, expected ${y} (|diff| ${Math.abs(x - y)}). First values (actual~expected): ${head}`,
    );
  }
}

/** Checks shape equality, then values. */
export function expectNDClose(actualShape: readonly number[], actual: ArrayLike<number>, expected: ND, tol: Tol = {}, label = ''): void {
  if (actualShape.length !== expected.shape.length || actualShape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${label ? label + ': ' : ''}shape mismatch: actual [${actualShape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  }
  expectAllClose(actual, expected.data, tol, label);
}

/** Tensor-like: anything with a shape and async data(). Checks shape and values. */
export async function expectTensorClose(t: { shape: readonly number[]; data(): Promise<ArrayLike<number>> }, expected: ND, tol: Tol = {}, label = ''): Promise<void> {
  expectNDClose(t.shape, await t.data(), expected, tol, label);
}

// ---------------------------------------------------------------- seeded RNG

/** mulberry32: small, fast, deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  /** Values rounded to float32, so the reference sees exactly what the tensor holds. */
  nd(shape: readonly number[], lo = -1, hi = 1): ND {
    const x = nd(shape);
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.fround(this.uniform(lo, hi));
    return x;
  }
  /** Uniform values whose magnitude is at least `gap` (away from kinks at 0). */
  ndAwayFromZero(shape: readonly number[], lo: number, hi: number, gap: number): ND {
    const x = nd(shape);
    for (let i = 0; i < x.data.length; i++) {
      let v = 0;
      do v = this.uniform(lo, hi);
      while (Math.abs(v) < gap);
      x.data[i] = Math.fround(v);
    }
    return x;
  }
  normalND(shape: readonly number[], std = 1): ND {
    const x = nd(shape);
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.fround(std * this.normal());
    return x;
  }
  ints(n: number, lo: number, hiExclusive: number): number[] {
    return Array.from({ length: n }, () => this.int(lo, hiExclusive));
  }
}

export { sizeOf };

// ---------------------------------------------------------------- gradient checks

export interface GradCheck {
  label: string;
  /** Inputs (float32-exact values). */
  inputs: ND[];
  /** The function in float64; its output has the shape of `dy`. */
  f: (xs: ND[]) => ND;
  /** Upstream gradient (cotangent) of f's output. */
  dy: ND;
  /** Analytic float64 vector-Jacobian product: gradient of sum(dy * f(xs)) for each input (null: not checked). */
  vjp: ((xs: ND[], dy: ND) => (ND | null)[]) | null;
  /** The library's gradients, as [shape, values] per input. */
  computed: { shape: readonly number[]; values: ArrayLike<number> }[];
  tol?: Tol;
  /** Finite-difference step (relative). */
  eps?: number;
}

/**
 * Compares the library's gradients with the analytic reference and with
 * central finite differences of the float64 reference function (which are
 * also checked against each other, so a wrong reference cannot hide a bug).
 */
export function checkGradients(c: GradCheck): void {
  const tol = c.tol ?? { rtol: 1e-4, atol: 1e-5 };
  const analytic = c.vjp ? c.vjp(c.inputs, c.dy) : null;
  const scalarF = (xs: ND[]): number => dot(c.f(xs), c.dy);
  c.inputs.forEach((_x, i) => {
    const got = c.computed[i];
    const fd = numericGrad(scalarF, c.inputs, i, c.eps ?? 1e-6);
    const an = analytic?.[i] ?? null;
    if (an) expectNDClose(an.shape, an.data, fd, { rtol: 1e-5, atol: 1e-6 }, `${c.label}: reference analytic vs finite differences, input ${i}`);
    expectNDClose(got.shape, got.values, fd, tol, `${c.label}: gradient vs finite differences, input ${i}`);
    if (an) expectNDClose(got.shape, got.values, an, tol, `${c.label}: gradient vs analytic, input ${i}`);
  });
}


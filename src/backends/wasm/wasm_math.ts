// exp, expm1, log, tanh and sigmoid on four float32 lanes, emitted as
// WebAssembly SIMD: range reduction to a small interval and a polynomial
// there, all in float32. WebAssembly has no transcendental instructions, and
// calling Math.exp per element from a module would cost more than the math.
// Each function reads its argument from a v128 local and leaves the result
// on the stack. Accuracy (measured in test/backends/wasm_math.test.ts
// against float64 Math): within a few float32 ulp over the whole range;
// special values as Math's: NaN in gives NaN, exp(-inf) = 0, exp(inf) = inf,
// exp overflows to inf and underflows to 0, log(0) = -inf, log(x < 0) = NaN,
// tanh and sigmoid saturate to exactly +-1 and 0 / 1.
import { type Code, SIMD, V128 } from './wasm_emitter.js';

// ln 2 split so that n * LN2_HI is exact for |n| < 256 (LN2_HI has 16 significant bits).
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.4286068203094173e-6;
/** Arguments of exp beyond which the result is inf (ln of 2^128) / 0 (below half the least subnormal). */
const EXP_MAX = 89;
const EXP_MIN = -104;
/** expm1 saturates beyond this: e^88 < 2^127 keeps 2^n a normal number, and expm1(-88) is -1 in float32. */
const EXPM1_LIMIT = 88;
/** tanh(x) rounds to +-1 in float32 from |x| = 9.02 on. */
const TANH_LIMIT = 10;

/**
 * The shared range reduction of exp and expm1: x = n ln 2 + r with n an
 * integer and |r| <= ln 2 / 2 (a little more at the clamps); stores n (i32
 * lanes) and q = e^r - 1 (a Taylor polynomial of degree 7, whose truncation
 * error is below 1e-8 there). x is clamped to [lo, hi] first, which NaN passes.
 */
function reduce(f: Code, x: number, lo: number, hi: number): { n: number; q: number } {
  const xc = f.local(V128), nf = f.local(V128), r = f.local(V128), n = f.local(V128), q = f.local(V128);
  f.get(x).f32x4Const(lo).simd(SIMD.f32x4Max).f32x4Const(hi).simd(SIMD.f32x4Min).set(xc);
  f.get(xc).f32x4Const(Math.LOG2E).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Nearest).set(nf);
  f.get(nf).simd(SIMD.i32x4TruncSatF32x4S).set(n);
  f.get(xc).get(nf).f32x4Const(LN2_HI).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub);
  f.get(nf).f32x4Const(LN2_LO).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).set(r);
  // q = r + r^2 (1/2! + r (1/3! + ... + r / 7!)), Horner from the top.
  const coef = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2];
  f.f32x4Const(coef[0]);
  for (const c of coef.slice(1)) f.get(r).simd(SIMD.f32x4Mul).f32x4Const(c).simd(SIMD.f32x4Add);
  f.get(r).get(r).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Mul).get(r).simd(SIMD.f32x4Add).set(q);
  return { n, q };
}

/** Pushes 2^k as float32 lanes for integer lanes k in [-126, 127]: k + 127 in the exponent field. */
function pow2(f: Code, k: () => void): void {
  k();
  f.i32x4Const(127).simd(SIMD.i32x4Add).i32(23).simd(SIMD.i32x4Shl);
}

/** e^x. The scale 2^n is applied in two halves so that results down to the subnormals and up to inf round once. */
export function emitExp(f: Code, x: number): void {
  const { n, q } = reduce(f, x, EXP_MIN, EXP_MAX);
  const n1 = f.local(V128);
  f.get(n).i32(1).simd(SIMD.i32x4ShrS).set(n1);
  f.get(q).f32x4Const(1).simd(SIMD.f32x4Add);
  pow2(f, () => f.get(n1));
  f.simd(SIMD.f32x4Mul);
  pow2(f, () => f.get(n).get(n1).simd(SIMD.i32x4Sub));
  f.simd(SIMD.f32x4Mul);
}

/** e^x - 1, accurate near 0 (for tanh and elu); saturates beyond |x| = 88 (-1 below, a finite value above). */
export function emitExpm1(f: Code, x: number): void {
  const { n, q } = reduce(f, x, -EXPM1_LIMIT, EXPM1_LIMIT);
  const s = f.local(V128);
  pow2(f, () => f.get(n));
  f.set(s);
  // 2^n (1 + q) - 1 = 2^n q + (2^n - 1): the second term is exact for the n that matter.
  f.get(q).get(s).simd(SIMD.f32x4Mul).get(s).f32x4Const(1).simd(SIMD.f32x4Sub).simd(SIMD.f32x4Add);
}

/** Pushes `then` where the mask is set and `otherwise` elsewhere (all three pushed in order by the callbacks). */
function select(f: Code, then: () => void, otherwise: () => void, mask: () => void): void {
  then();
  otherwise();
  mask();
  f.simd(SIMD.v128Bitselect);
}

/**
 * ln x: x = 2^e m with m in [sqrt(1/2), sqrt(2)), then with f = m - 1 and
 * s = f / (2 + f), ln m = f - s (f - R(s^2)) where R is the series of
 * 2 atanh(s) - 2 s, so the leading terms are exact. Subnormal x is scaled
 * by 2^23 first, so the exponent field holds it.
 */
export function emitLog(f: Code, x: number): void {
  const tiny = f.local(V128), xs = f.local(V128), e = f.local(V128), m = f.local(V128), big = f.local(V128);
  const fr = f.local(V128), s = f.local(V128), z = f.local(V128), ef = f.local(V128), res = f.local(V128);
  f.get(x).f32x4Const(2 ** -126).simd(SIMD.f32x4Lt).set(tiny);
  select(f, () => f.get(x).f32x4Const(2 ** 23).simd(SIMD.f32x4Mul), () => f.get(x), () => f.get(tiny));
  f.set(xs);
  // e = exponent field - 127, less 23 where scaled (tiny is -1 in those lanes).
  f.get(xs).i32(23).simd(SIMD.i32x4ShrU).i32x4Const(127).simd(SIMD.i32x4Sub);
  f.get(tiny).i32x4Const(23).simd(SIMD.v128And).simd(SIMD.i32x4Sub).set(e);
  f.get(xs).i32x4Const(0x007fffff).simd(SIMD.v128And).i32x4Const(0x3f800000).simd(SIMD.v128Or).set(m);
  f.get(m).f32x4Const(Math.SQRT2).simd(SIMD.f32x4Gt).set(big);
  select(f, () => f.get(m).f32x4Const(0.5).simd(SIMD.f32x4Mul), () => f.get(m), () => f.get(big));
  f.f32x4Const(1).simd(SIMD.f32x4Sub).set(fr);
  // big is -1 where m was halved: e - (-1) = e + 1.
  f.get(e).get(big).simd(SIMD.i32x4Sub).simd(SIMD.f32x4ConvertI32x4S).set(ef);
  f.get(fr).get(fr).f32x4Const(2).simd(SIMD.f32x4Add).simd(SIMD.f32x4Div).set(s);
  f.get(s).get(s).simd(SIMD.f32x4Mul).set(z);
  // R = z (2/3 + z (2/5 + z (2/7 + z 2/9))).
  f.f32x4Const(2 / 9);
  for (const c of [2 / 7, 2 / 5, 2 / 3]) f.get(z).simd(SIMD.f32x4Mul).f32x4Const(c).simd(SIMD.f32x4Add);
  f.get(z).simd(SIMD.f32x4Mul);
  // ln m = f - s (f - R), then + e ln 2 in two parts.
  f.get(fr).simd(SIMD.f32x4Sub).set(res); // res = R - f
  f.get(fr).get(s).get(res).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add); // f + s (R - f)
  f.get(ef).f32x4Const(LN2_LO).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
  f.get(ef).f32x4Const(LN2_HI).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(res);
  // Special values: inf -> inf, 0 -> -inf, x < 0 -> NaN, NaN -> NaN.
  select(f, () => f.f32x4Const(Infinity), () => f.get(res), () => f.get(x).f32x4Const(Infinity).simd(SIMD.f32x4Eq));
  f.set(res);
  select(f, () => f.f32x4Const(-Infinity), () => f.get(res), () => f.get(x).f32x4Const(0).simd(SIMD.f32x4Eq));
  f.set(res);
  // x < 0 or x NaN: !(x >= 0).
  select(f, () => f.f32x4Const(NaN), () => f.get(res), () => f.get(x).f32x4Const(0).simd(SIMD.f32x4Ge).simd(SIMD.v128Not));
}

/** Pushes |x| with the sign of `signOf`. */
function copySign(f: Code, magnitude: () => void, signOf: () => void): void {
  select(f, signOf, magnitude, () => f.i32x4Const(-0x80000000));
}

/** tanh x = sign(x) t / (t + 2) with t = expm1(2 |x|), |x| capped where tanh rounds to 1 (-0 stays -0). */
export function emitTanh(f: Code, x: number): void {
  const a = f.local(V128), t = f.local(V128);
  f.get(x).simd(SIMD.f32x4Abs).f32x4Const(TANH_LIMIT).simd(SIMD.f32x4Min).tee(a).get(a).simd(SIMD.f32x4Add).set(a);
  emitExpm1(f, a);
  f.set(t);
  copySign(f, () => f.get(t).get(t).f32x4Const(2).simd(SIMD.f32x4Add).simd(SIMD.f32x4Div), () => f.get(x));
}

/** sigmoid x with e = exp(-|x|): 1 / (1 + e) for x >= 0, e / (1 + e) below, as the CPU row (no overflow, no 0 / 0). */
export function emitSigmoid(f: Code, x: number): void {
  f.get(emitSigmoidParts(f, x).s);
}

/** sigmoid x into local s, and e = exp(-|x|) into local e (s (1 - s) = e / (1 + e)^2 without cancellation). */
export function emitSigmoidParts(f: Code, x: number): { s: number; e: number } {
  const e = f.local(V128), d = f.local(V128), s = f.local(V128);
  f.get(x).simd(SIMD.f32x4Abs).simd(SIMD.f32x4Neg).set(d);
  emitExp(f, d);
  f.tee(e).f32x4Const(1).simd(SIMD.f32x4Add).set(d);
  select(f, () => f.f32x4Const(1), () => f.get(e), () => f.get(x).f32x4Const(0).simd(SIMD.f32x4Ge));
  f.get(d).simd(SIMD.f32x4Div).set(s);
  return { s, e };
}

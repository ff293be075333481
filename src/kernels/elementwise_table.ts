// The one table of elementwise functions: arity, number of scalar attributes,
// the WGSL function that computes it (shaders/elementwise_ops.wgsl or
// shaders/activations.wgsl), the CPU function that mirrors it, and what it
// does with NaN. Adding an elementwise op means a row here, a WGSL function,
// and (if differentiable) a rule in src/autodiff/gradients.ts.

/**
 * What a function returns when an argument is NaN; both backends derive their
 * behaviour from it (the CPU function below is wrapped accordingly, and the
 * WGSL generator wraps each call, see src/backends/webgpu/expr_codegen.ts).
 * - 'propagate': NaN. Tested explicitly, because the function is built from
 *   comparisons, min / max / clamp or builtins (exp, tanh, sign, ...) whose
 *   result for NaN WGSL leaves to the driver.
 * - 'arithmetic': NaN as well, through IEEE arithmetic alone (+ - * / and
 *   sign-bit operations carry NaN), so no test is spent on it.
 * - 'false': 0, as every IEEE comparison with NaN is false.
 * Scalar attributes (clip bounds, alpha) are finite: the ops check them.
 */
export type NanRule = 'propagate' | 'arithmetic' | 'false';

export interface ElementwiseDef {
  arity: 1 | 2;
  attrs: number;
  wgsl: string;
  nan: NanRule;
  /** The CPU twin of the WGSL function, with the NaN rule applied. */
  cpu: (a: number, b: number, attrs: readonly number[]) => number;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
// Same erf approximation as the WGSL (A&S 7.1.26) so both backends agree.
const erf = (x: number): number => {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - p * Math.exp(-a * a));
};
const cdf = (x: number): number => 0.5 * (1 + erf(x * Math.SQRT1_2));

type CpuFn = ElementwiseDef['cpu'];

/** Applies a NaN rule to a CPU function of `arity` arguments (a unary one ignores b). */
function withNanRule(nan: NanRule, arity: 1 | 2, f: CpuFn): CpuFn {
  if (nan === 'arithmetic') return f;
  const onNaN = nan === 'false' ? 0 : NaN;
  if (arity === 1) return (a, b, at) => (Number.isNaN(a) ? onNaN : f(a, b, at));
  return (a, b, at) => (Number.isNaN(a) || Number.isNaN(b) ? onNaN : f(a, b, at));
}

const unary = (wgsl: string, cpu: (a: number, attrs: readonly number[]) => number, attrs = 0, nan: NanRule = 'propagate'): ElementwiseDef => ({
  arity: 1, attrs, wgsl, nan, cpu: withNanRule(nan, 1, (a, _b, at) => cpu(a, at)),
});
const binary = (wgsl: string, cpu: CpuFn, attrs = 0, nan: NanRule = 'propagate'): ElementwiseDef => ({
  arity: 2, attrs, wgsl, nan, cpu: withNanRule(nan, 2, cpu),
});
// Shorthands for the rows whose NaN rule is not 'propagate'.
const unaryArith = (wgsl: string, cpu: (a: number) => number): ElementwiseDef => unary(wgsl, cpu, 0, 'arithmetic');
const binaryArith = (wgsl: string, cpu: CpuFn, attrs = 0): ElementwiseDef => binary(wgsl, cpu, attrs, 'arithmetic');
const compare = (wgsl: string, cpu: (a: number, b: number) => boolean): ElementwiseDef => binary(wgsl, (a, b) => (cpu(a, b) ? 1 : 0), 0, 'false');

export const ELEMENTWISE = {
  identity: unaryArith('wg_identity', (x) => x),
  neg: unaryArith('wg_neg', (x) => -x),
  exp: unary('wg_exp', Math.exp),
  log: unary('wg_log', Math.log),
  sqrt: unary('wg_sqrt', Math.sqrt),
  square: unaryArith('wg_square', (x) => x * x),
  abs: unaryArith('wg_abs', Math.abs),
  sign: unary('wg_sign', Math.sign),
  reciprocal: unaryArith('wg_reciprocal', (x) => 1 / x),
  linear: unaryArith('wg_linear', (x) => x),
  clip: unary('wg_clip', (x, [lo, hi]) => Math.min(Math.max(x, lo), hi), 2),
  sigmoid: unary('wg_sigmoid', sigmoid),
  tanh: unary('wg_tanh', (x) => Math.tanh(x)),
  relu: unary('wg_relu', (x) => (x < 0 ? 0 : x)),
  leakyRelu: unary('wg_leaky_relu', (x, [alpha]) => (x >= 0 ? x : alpha * x), 1),
  // swish(-inf) and gelu(-inf) are their limit 0, not -inf * 0.
  swish: unary('wg_swish', (x) => {
    const s = sigmoid(x);
    return s === 0 ? 0 : x * s;
  }),
  elu: unary('wg_elu', (x, [alpha]) => (x >= 0 ? x : alpha * (Math.exp(x) - 1)), 1),
  gelu: unary('wg_gelu', (x) => {
    const c = cdf(x);
    return c === 0 ? 0 : x * c;
  }),

  add: binaryArith('wg_add', (a, b) => a + b),
  sub: binaryArith('wg_sub', (a, b) => a - b),
  mul: binaryArith('wg_mul', (a, b) => a * b),
  div: binaryArith('wg_div', (a, b) => a / b),
  maximum: binary('wg_maximum', (a, b) => Math.max(a, b)),
  minimum: binary('wg_minimum', (a, b) => Math.min(a, b)),
  equal: compare('wg_equal', (a, b) => a === b),
  greater: compare('wg_greater', (a, b) => a > b),
  greaterEqual: compare('wg_greater_equal', (a, b) => a >= b),
  less: compare('wg_less', (a, b) => a < b),
  lessEqual: compare('wg_less_equal', (a, b) => a <= b),
  axpby: binaryArith('wg_axpby', (x, y, [a, b]) => a * x + b * y, 2),

  // Activation derivatives: (forward input x or output y, upstream dy) -> dx.
  sigmoidGrad: binaryArith('wg_sigmoid_grad', (y, dy) => dy * y * (1 - y)),
  tanhGrad: binaryArith('wg_tanh_grad', (y, dy) => dy * (1 - y * y)),
  reluGrad: binary('wg_relu_grad', (x, dy) => (x > 0 ? dy : 0)),
  leakyReluGrad: binary('wg_leaky_relu_grad', (x, dy, [alpha]) => (x > 0 ? dy : alpha * dy), 1),
  // At x = +-inf the limits (dy and 0), where x * 0 would give NaN.
  swishGrad: binary('wg_swish_grad', (x, dy) => {
    const s = sigmoid(x);
    return dy * (s + (s === 0 || s === 1 ? 0 : x * s * (1 - s)));
  }),
  eluGrad: binary('wg_elu_grad', (x, dy, [alpha]) => (x > 0 ? dy : dy * alpha * Math.exp(x)), 1),
  geluGrad: binary('wg_gelu_grad', (x, dy) => {
    const pdf = 0.3989422804014327 * Math.exp(-0.5 * x * x);
    return dy * (cdf(x) + (pdf === 0 ? 0 : x * pdf));
  }),
  clipGrad: binary('wg_clip_grad', (x, dy, [lo, hi]) => (x >= lo && x <= hi ? dy : 0), 2),
} satisfies Record<string, ElementwiseDef>;

export type ElementwiseFn = keyof typeof ELEMENTWISE;

// The one table of elementwise functions: arity, number of scalar attributes,
// the WGSL function that computes it (shaders/elementwise_ops.wgsl or
// shaders/activations.wgsl) and the CPU function that mirrors it. Adding an
// elementwise op means a row here, a WGSL function, and (if differentiable) a
// rule in src/autodiff/gradients.ts.

export interface ElementwiseDef {
  arity: 1 | 2;
  attrs: number;
  wgsl: string;
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

const unary = (wgsl: string, cpu: (a: number, attrs: readonly number[]) => number, attrs = 0): ElementwiseDef => ({
  arity: 1, attrs, wgsl, cpu: (a, _b, at) => cpu(a, at),
});
const binary = (wgsl: string, cpu: (a: number, b: number, attrs: readonly number[]) => number, attrs = 0): ElementwiseDef => ({
  arity: 2, attrs, wgsl, cpu,
});

export const ELEMENTWISE = {
  identity: unary('wg_identity', (x) => x),
  neg: unary('wg_neg', (x) => -x),
  exp: unary('wg_exp', Math.exp),
  log: unary('wg_log', Math.log),
  sqrt: unary('wg_sqrt', Math.sqrt),
  square: unary('wg_square', (x) => x * x),
  abs: unary('wg_abs', Math.abs),
  sign: unary('wg_sign', Math.sign),
  reciprocal: unary('wg_reciprocal', (x) => 1 / x),
  linear: unary('wg_linear', (x) => x),
  clip: unary('wg_clip', (x, [lo, hi]) => Math.min(Math.max(x, lo), hi), 2),
  sigmoid: unary('wg_sigmoid', sigmoid),
  tanh: unary('wg_tanh', (x) => Math.tanh(x)),
  relu: unary('wg_relu', (x) => (x < 0 ? 0 : x)),
  leakyRelu: unary('wg_leaky_relu', (x, [alpha]) => (x >= 0 ? x : alpha * x), 1),
  swish: unary('wg_swish', (x) => x * sigmoid(x)),
  elu: unary('wg_elu', (x, [alpha]) => (x >= 0 ? x : alpha * (Math.exp(x) - 1)), 1),
  gelu: unary('wg_gelu', (x) => x * cdf(x)),

  add: binary('wg_add', (a, b) => a + b),
  sub: binary('wg_sub', (a, b) => a - b),
  mul: binary('wg_mul', (a, b) => a * b),
  div: binary('wg_div', (a, b) => a / b),
  maximum: binary('wg_maximum', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))),
  minimum: binary('wg_minimum', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))),
  equal: binary('wg_equal', (a, b) => (a === b ? 1 : 0)),
  greater: binary('wg_greater', (a, b) => (a > b ? 1 : 0)),
  greaterEqual: binary('wg_greater_equal', (a, b) => (a >= b ? 1 : 0)),
  less: binary('wg_less', (a, b) => (a < b ? 1 : 0)),
  lessEqual: binary('wg_less_equal', (a, b) => (a <= b ? 1 : 0)),
  axpby: binary('wg_axpby', (x, y, [a, b]) => a * x + b * y, 2),

  // Activation derivatives: (forward input x or output y, upstream dy) -> dx.
  sigmoidGrad: binary('wg_sigmoid_grad', (y, dy) => dy * y * (1 - y)),
  tanhGrad: binary('wg_tanh_grad', (y, dy) => dy * (1 - y * y)),
  reluGrad: binary('wg_relu_grad', (x, dy) => (x > 0 ? dy : 0)),
  leakyReluGrad: binary('wg_leaky_relu_grad', (x, dy, [alpha]) => (x > 0 ? dy : alpha * dy), 1),
  swishGrad: binary('wg_swish_grad', (x, dy) => {
    const s = sigmoid(x);
    return dy * (s + x * s * (1 - s));
  }),
  eluGrad: binary('wg_elu_grad', (x, dy, [alpha]) => (x > 0 ? dy : dy * alpha * Math.exp(x)), 1),
  geluGrad: binary('wg_gelu_grad', (x, dy) => dy * (cdf(x) + x * 0.3989422804014327 * Math.exp(-0.5 * x * x))),
  clipGrad: binary('wg_clip_grad', (x, dy, [lo, hi]) => (x >= lo && x <= hi ? dy : 0), 2),
} satisfies Record<string, ElementwiseDef>;

export type ElementwiseFn = keyof typeof ELEMENTWISE;

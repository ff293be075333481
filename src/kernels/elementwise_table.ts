// The one table of elementwise ops. A row is the whole definition of an op:
//  - a primitive has a kernel: its WGSL function (by name, in
//    shaders/elementwise_ops.wgsl or shaders/activations.wgsl), the CPU twin
//    of that function, what it does with NaN, and its derivative, written
//    beside it with the op builder below;
//  - a composite is written with other rows (softplus = relu(x) +
//    log(1 + exp(-|x|))); the fuser turns the chain into one kernel, and its
//    gradient follows from its parts.
// A row marked `activation` is a layer activation under its row name, read
// from model files under its Keras / TensorFlow.js names. Everything else is
// derived from here: the public functions (src/ops/elementwise.ts), the
// activation names layers and model files accept, the activations the
// matmul's built-in epilogue applies (EPILOGUE_ACTIVATIONS, its WGSL switch
// generated in src/backends/webgpu/wgsl_library.ts), the gradient rules
// (src/autodiff/gradients.ts walks the rows). README "Adding an op" has the
// checklist; test/ops/op_table.test.ts walks every row on both backends.
import { WebgradError } from '../core/errors.js';
import { dropoutKeep } from './philox.js';

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

/**
 * What a derivative or a composition may do: record other rows on values of
 * type T (tensors, in src/autodiff and src/ops, which implement it). The table
 * sits below the ops (src/kernels is the IR), so it gets them injected.
 */
export interface OpBuilder<T> {
  /**
   * Records row `fn` on `args` (a number is a scalar) with scalar attributes
   * `attrs`. The name is a string because the rows' type is inferred from the
   * rows themselves; an unknown name throws, and test/ops/op_table.test.ts
   * runs every row's derivative and composition.
   */
  call(fn: string, args: readonly (T | number)[], attrs?: readonly number[]): T;
  /** Sums a gradient broadcast to `g`'s shape back down to `like`'s shape. */
  unbroadcast(g: T, like: T): T;
  /** Whether `t` is float32 (an int32 input has no gradient). */
  isFloat(t: T): boolean;
}

/** A primitive's derivative: the gradient of each input (null: none) from the inputs, the output y and the upstream dy. */
export type Derivative = <T>(o: OpBuilder<T>, inputs: readonly T[], y: T, dy: T, attrs: readonly number[]) => (T | null)[];

/** A layer activation: the row's name is the activation's name in webgrad. */
export interface ActivationInfo {
  /**
   * Names the Keras / TensorFlow.js model format uses for it, in snake_case,
   * the first being the one written. Empty: TF.js has no activation string
   * for it (model files write it some other way, see src/io/topology.ts).
   */
  keras: readonly string[];
  /** Whether the matmul kernel's built-in epilogue applies it (a primitive of one attribute at most). */
  epilogue: boolean;
}

interface RowCommon {
  arity: 1 | 2;
  /** Names of the scalar attributes, in order (for messages). */
  attrs: readonly string[];
  /** Default attribute values, when the row is a layer activation or a public function with defaults. */
  defaults?: readonly number[];
  activation?: ActivationInfo;
}

export interface PrimitiveDef extends RowCommon {
  kind: 'primitive';
  /** The WGSL function, called as wgsl(args..., attrs...). */
  wgsl: string;
  nan: NanRule;
  /** The CPU twin of the WGSL function, with the NaN rule applied. */
  cpu: (a: number, b: number, attrs: readonly number[]) => number;
  grad: Derivative;
}

export interface CompositeDef extends RowCommon {
  kind: 'composite';
  compose: <T>(o: OpBuilder<T>, args: readonly T[], attrs: readonly number[]) => T;
}

export type OpDef = PrimitiveDef | CompositeDef;

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

type CpuFn = PrimitiveDef['cpu'];

/** Applies a NaN rule to a CPU function of `arity` arguments (a unary one ignores b). */
function withNanRule(nan: NanRule, arity: 1 | 2, f: CpuFn): CpuFn {
  if (nan === 'arithmetic') return f;
  const onNaN = nan === 'false' ? 0 : NaN;
  if (arity === 1) return (a, b, at) => (Number.isNaN(a) ? onNaN : f(a, b, at));
  return (a, b, at) => (Number.isNaN(a) || Number.isNaN(b) ? onNaN : f(a, b, at));
}

interface PrimitiveOptions {
  nan?: NanRule;
  attrs?: readonly string[];
  defaults?: readonly number[];
}

const unary = (wgsl: string, cpu: (a: number, attrs: readonly number[]) => number, grad: Derivative, o: PrimitiveOptions = {}): PrimitiveDef => {
  const nan = o.nan ?? 'propagate';
  return { kind: 'primitive', arity: 1, attrs: o.attrs ?? [], defaults: o.defaults, wgsl, nan, cpu: withNanRule(nan, 1, (a, _b, at) => cpu(a, at)), grad };
};
const binary = (wgsl: string, cpu: CpuFn, grad: Derivative, o: PrimitiveOptions = {}): PrimitiveDef => {
  const nan = o.nan ?? 'propagate';
  return { kind: 'primitive', arity: 2, attrs: o.attrs ?? [], defaults: o.defaults, wgsl, nan, cpu: withNanRule(nan, 2, cpu), grad };
};
const ARITH = { nan: 'arithmetic' } as const;
/** A row written with other rows (unary, no attributes). Its NaN and infinity behaviour is that of its parts. */
const composite = (compose: CompositeDef['compose']): CompositeDef => ({ kind: 'composite', arity: 1, attrs: [], compose });
/**
 * Marks a row as a layer activation, read from model files under the Keras
 * names `keras`; `epilogue`: the matmul's built-in epilogue applies it.
 */
function activation<D extends OpDef, const E extends boolean = false>(keras: readonly string[], def: D, epilogue?: E): D & { activation: { keras: readonly string[]; epilogue: E } } {
  return { ...def, activation: { keras, epilogue: (epilogue ?? false) as E } };
}

// ---- derivatives ----
/** Comparisons and sign: piecewise constant, no gradient. */
const none: Derivative = (_o, inputs) => inputs.map(() => null);
/** A derivative kernel's own derivative: not supported. */
const secondOrder = (name: string): Derivative => () => {
  throw new WebgradError(`grad: the derivative kernel '${name}' has no gradient (second-order gradients are not supported).`);
};
/** An activation whose derivative is its own kernel, reading the forward input x or output y. */
const viaKernel = (fn: string, useOutput: boolean | ((attrs: readonly number[]) => boolean)): Derivative => (o, [x], y, dy, attrs) => {
  const fromOutput = typeof useOutput === 'function' ? useOutput(attrs) : useOutput;
  return [o.call(fn, [fromOutput ? y : x, dy], attrs)];
};
/** A binary op's gradient pair, each summed back to its input's shape. */
const pair = <T>(o: OpBuilder<T>, [a, b]: readonly T[], ga: T, gb: T): T[] => [o.unbroadcast(ga, a), o.unbroadcast(gb, b)];

/** Slope of the 'leakyRelu' activation and leakyRelu's default: the classic 0.01 (TF.js' tf.leakyRelu uses 0.2, its layer 0.3). */
export const LEAKY_RELU_ALPHA = 0.01;

/**
 * The largest |x| for which sin and cos are computed (WG_TRIG_LIMIT in
 * shaders/elementwise_ops.wgsl): float32 range reduction stays accurate to
 * about 1e-6 up to here; beyond it both backends return NaN.
 */
export const TRIG_LIMIT = 1e5;

export const ELEMENTWISE_OPS = {
  identity: unary('wg_identity', (x) => x, (o, [x], _y, dy) => [o.isFloat(x) ? o.unbroadcast(dy, x) : null], ARITH),
  neg: unary('wg_neg', (x) => -x, (o, _x, _y, dy) => [o.call('neg', [dy])], ARITH),
  exp: unary('wg_exp', Math.exp, (o, _x, y, dy) => [o.call('mul', [dy, y])]),
  log: unary('wg_log', Math.log, (o, [x], _y, dy) => [o.call('div', [dy, x])]),
  sqrt: unary('wg_sqrt', Math.sqrt, (o, _x, y, dy) => [o.call('div', [dy, o.call('mul', [y, 2])])]),
  square: unary('wg_square', (x) => x * x, (o, [x], _y, dy) => [o.call('mul', [dy, o.call('mul', [x, 2])])], ARITH),
  abs: unary('wg_abs', Math.abs, (o, [x], _y, dy) => [o.call('mul', [dy, o.call('sign', [x])])], ARITH),
  sign: unary('wg_sign', Math.sign, none),
  reciprocal: unary('wg_reciprocal', (x) => 1 / x, (o, _x, y, dy) => [o.call('neg', [o.call('mul', [dy, o.call('square', [y])])])], ARITH),
  // sin and cos: exact (float64) on the CPU, range-reduced float32 in WGSL
  // (shaders/elementwise_ops.wgsl), trusted for |x| <= TRIG_LIMIT; beyond it
  // float32 cannot reduce the argument and both backends give NaN.
  sin: unary('wg_sin', (x) => (Math.abs(x) <= TRIG_LIMIT ? Math.sin(x) : NaN), (o, [x], _y, dy) => [o.call('mul', [dy, o.call('cos', [x])])]),
  cos: unary('wg_cos', (x) => (Math.abs(x) <= TRIG_LIMIT ? Math.cos(x) : NaN), (o, [x], _y, dy) => [o.call('neg', [o.call('mul', [dy, o.call('sin', [x])])])]),
  clip: unary('wg_clip', (x, [lo, hi]) => Math.min(Math.max(x, lo), hi), viaKernel('clipGrad', false), { attrs: ['min', 'max'] }),

  // Activations with their own kernels: each is in the matmul's built-in
  // epilogue, one compiled variant however the layer's result is used. As
  // compositions they would be several instructions there (gelu a dozen),
  // which big matmuls do not take.
  sigmoid: activation(['sigmoid'], unary('wg_sigmoid', sigmoid, viaKernel('sigmoidGrad', true)), true),
  tanh: activation(['tanh'], unary('wg_tanh', (x) => Math.tanh(x), viaKernel('tanhGrad', true)), true),
  // relu and leaky relu (alpha >= 0) read their output: y > 0 exactly when
  // x > 0, and then the pre-activation is not kept alive for the backward
  // pass, so it can be fused into the matmul that produces it.
  relu: activation(['relu'], unary('wg_relu', (x) => (x < 0 ? 0 : x), viaKernel('reluGrad', true)), true),
  // TF.js has no activation string for it: model files get a LeakyReLU layer.
  leakyRelu: activation([], unary('wg_leaky_relu', (x, [alpha]) => (x >= 0 ? x : alpha * x), viaKernel('leakyReluGrad', ([alpha]) => alpha >= 0), {
    attrs: ['alpha'], defaults: [LEAKY_RELU_ALPHA],
  }), true),
  // swish(-inf) and gelu(-inf) are their limit 0, not -inf * 0.
  swish: activation(['swish', 'silu'], unary('wg_swish', (x) => {
    const s = sigmoid(x);
    return s === 0 ? 0 : x * s;
  }, viaKernel('swishGrad', false)), true),
  elu: activation(['elu'], unary('wg_elu', (x, [alpha]) => (x >= 0 ? x : alpha * (Math.exp(x) - 1)), viaKernel('eluGrad', false), {
    attrs: ['alpha'], defaults: [1],
  }), true),
  gelu: activation(['gelu'], unary('wg_gelu', (x) => {
    const c = cdf(x);
    return c === 0 ? 0 : x * c;
  }, viaKernel('geluGrad', false)), true),

  // Activations written with other rows: the fuser makes each one kernel.
  // softplus = log(1 + exp(x)), with exp's argument capped at 20 (beyond it
  // log(1 + exp(x)) is x in float32) and the rest added back linearly, so it
  // never overflows and its gradient is sigmoid(x) everywhere, 0.5 at 0.
  softplus: activation(['softplus'], composite((o, [x]) =>
    o.call('add', [o.call('log', [o.call('add', [1, o.call('exp', [o.call('minimum', [x, 20])])])]), o.call('relu', [o.call('sub', [x, 20])])]))),
  // softsign = x / (1 + |x|) (NaN at +-inf, as in TF.js).
  softsign: activation(['softsign'], composite((o, [x]) => o.call('div', [x, o.call('add', [1, o.call('abs', [x])])]))),
  // selu = scale * elu(x, alpha), with the constants of Klambauer et al. (2017) that Keras uses.
  selu: activation(['selu'], composite((o, [x]) => o.call('mul', [o.call('elu', [x], [1.6732632423543772]), 1.0507009873554805]))),
  // relu6 = min(relu(x), 6): gradient 0 at 0 and 1 at 6, as in TF.js.
  relu6: activation(['relu6'], composite((o, [x]) => o.call('minimum', [o.call('relu', [x]), 6]))),
  // hardSigmoid = clip(0.2 x + 0.5, 0, 1), TF.js' definition (Keras 3 uses relu6(x + 3) / 6).
  hardSigmoid: activation(['hard_sigmoid'], composite((o, [x]) => o.call('clip', [o.call('add', [o.call('mul', [x, 0.2]), 0.5])], [0, 1]))),
  // mish = x * tanh(softplus(x)) (NaN at -inf, as in TF.js).
  mish: activation(['mish'], composite((o, [x]) => o.call('mul', [x, o.call('tanh', [o.call('softplus', [x])])]))),

  add: binary('wg_add', (a, b) => a + b, (o, ab, _y, dy) => pair(o, ab, dy, dy), ARITH),
  sub: binary('wg_sub', (a, b) => a - b, (o, ab, _y, dy) => pair(o, ab, dy, o.call('neg', [dy])), ARITH),
  mul: binary('wg_mul', (a, b) => a * b, (o, ab, _y, dy) => pair(o, ab, o.call('mul', [dy, ab[1]]), o.call('mul', [dy, ab[0]])), ARITH),
  div: binary('wg_div', (a, b) => a / b, (o, ab, y, dy) => pair(o, ab, o.call('div', [dy, ab[1]]), o.call('neg', [o.call('div', [o.call('mul', [dy, y]), ab[1]])])), ARITH),
  // pow as TensorFlow.js (Math.pow): pow(-2, 3) = -8, pow(-2, 0.5) = NaN,
  // pow(0, 0) = 1; NaN in gives NaN out, pow(NaN, 0) included. Its gradient
  // is TF.js': d/da = b a^(b-1), d/db = a^b log(a) where a > 0, else 0 (the
  // log reads a where a > 0 and 1 elsewhere, so no NaN leaks through a 0).
  pow: binary('wg_pow', (a, b) => Math.pow(a, b), (o, ab, y, dy) => {
    const [a, b] = ab;
    const logA = o.call('log', [o.call('add', [o.call('relu', [a]), o.call('lessEqual', [a, 0])])]);
    return pair(o, ab, o.call('mul', [dy, o.call('mul', [b, o.call('pow', [a, o.call('sub', [b, 1])])])]), o.call('mul', [dy, o.call('mul', [y, logA])]));
  }),
  maximum: binary('wg_maximum', (a, b) => Math.max(a, b), (o, ab, _y, dy) =>
    pair(o, ab, o.call('mul', [dy, o.call('greaterEqual', ab)]), o.call('mul', [dy, o.call('less', ab)]))),
  minimum: binary('wg_minimum', (a, b) => Math.min(a, b), (o, ab, _y, dy) =>
    pair(o, ab, o.call('mul', [dy, o.call('lessEqual', ab)]), o.call('mul', [dy, o.call('greater', ab)]))),
  equal: binary('wg_equal', (a, b) => (a === b ? 1 : 0), none, { nan: 'false' }),
  greater: binary('wg_greater', (a, b) => (a > b ? 1 : 0), none, { nan: 'false' }),
  greaterEqual: binary('wg_greater_equal', (a, b) => (a >= b ? 1 : 0), none, { nan: 'false' }),
  less: binary('wg_less', (a, b) => (a < b ? 1 : 0), none, { nan: 'false' }),
  lessEqual: binary('wg_less_equal', (a, b) => (a <= b ? 1 : 0), none, { nan: 'false' }),
  // Dropout's keep mask: (element index, training step) -> 1 or 0, from
  // Philox-4x32-10 keyed by (seed, step) (src/kernels/philox.ts,
  // shaders/random.wgsl); src/ops/dropout.ts feeds it the indices. Index,
  // step and seed are integers up to 2^24, which float32 holds exactly.
  dropoutKeep: binary('wg_dropout_keep', (index, step, [rate, seed]) => dropoutKeep(index, step, rate, seed), none, {
    attrs: ['rate', 'seed'], defaults: [0.5, 7],
  }),

  // Activation derivatives: (forward input x or output y, upstream dy) -> dx.
  sigmoidGrad: binary('wg_sigmoid_grad', (y, dy) => dy * y * (1 - y), secondOrder('sigmoidGrad'), ARITH),
  tanhGrad: binary('wg_tanh_grad', (y, dy) => dy * (1 - y * y), secondOrder('tanhGrad'), ARITH),
  reluGrad: binary('wg_relu_grad', (x, dy) => (x > 0 ? dy : 0), secondOrder('reluGrad')),
  leakyReluGrad: binary('wg_leaky_relu_grad', (x, dy, [alpha]) => (x > 0 ? dy : alpha * dy), secondOrder('leakyReluGrad'), { attrs: ['alpha'] }),
  // At x = +-inf the limits (dy and 0), where x * 0 would give NaN.
  swishGrad: binary('wg_swish_grad', (x, dy) => {
    const s = sigmoid(x);
    return dy * (s + (s === 0 || s === 1 ? 0 : x * s * (1 - s)));
  }, secondOrder('swishGrad')),
  eluGrad: binary('wg_elu_grad', (x, dy, [alpha]) => (x > 0 ? dy : dy * alpha * Math.exp(x)), secondOrder('eluGrad'), { attrs: ['alpha'] }),
  geluGrad: binary('wg_gelu_grad', (x, dy) => {
    const pdf = 0.3989422804014327 * Math.exp(-0.5 * x * x);
    return dy * (cdf(x) + (pdf === 0 ? 0 : x * pdf));
  }, secondOrder('geluGrad')),
  clipGrad: binary('wg_clip_grad', (x, dy, [lo, hi]) => (x >= lo && x <= hi ? dy : 0), secondOrder('clipGrad'), { attrs: ['min', 'max'] }),
} satisfies Record<string, OpDef>;

/** Every row's name: the elementwise ops. */
export type ElementwiseOpName = keyof typeof ELEMENTWISE_OPS;

type RowsOfKind<K extends OpDef['kind']> = { [N in ElementwiseOpName]: (typeof ELEMENTWISE_OPS)[N] extends { kind: K } ? N : never }[ElementwiseOpName];
/** The rows with a kernel: what an elementwise node and a kernel instruction name. */
export type ElementwiseFn = RowsOfKind<'primitive'>;
/** The rows that are layer activations. */
export type ElementwiseActivation = { [N in ElementwiseOpName]: (typeof ELEMENTWISE_OPS)[N] extends { activation: ActivationInfo } ? N : never }[ElementwiseOpName];

const ROWS: Readonly<Record<string, OpDef>> = ELEMENTWISE_OPS;

/** The row of `name`. */
export function opDef(name: ElementwiseOpName): OpDef {
  return ROWS[name];
}

/** The row named `name`, or undefined when there is none. */
export function findOpDef(name: string): OpDef | undefined {
  return Object.prototype.hasOwnProperty.call(ROWS, name) ? ROWS[name] : undefined;
}

/** The row of primitive `fn`. */
export function primitiveDef(fn: ElementwiseFn): PrimitiveDef {
  return ROWS[fn] as PrimitiveDef;
}

/** Every row, in table order. */
export const ELEMENTWISE_OP_NAMES = Object.keys(ELEMENTWISE_OPS) as ElementwiseOpName[];

/** The primitives (rows with a kernel), in table order. */
export const PRIMITIVE_FNS = ELEMENTWISE_OP_NAMES.filter((n) => ROWS[n].kind === 'primitive') as ElementwiseFn[];

/** The layer activations of the table, in table order. */
export const ELEMENTWISE_ACTIVATIONS = ELEMENTWISE_OP_NAMES.filter((n) => ROWS[n].activation) as ElementwiseActivation[];

/**
 * The activations the matmul kernel's built-in epilogue applies, by code: 0
 * is none ('linear'), then the table's rows marked `epilogue`.
 */
export const EPILOGUE_ACTIVATIONS = ['linear', ...ELEMENTWISE_ACTIVATIONS.filter((n) => ROWS[n].activation?.epilogue)] as EpilogueActivation[];
/** An activation of the matmul's built-in epilogue ('linear': none). */
export type EpilogueActivation = 'linear' | { [N in ElementwiseOpName]: (typeof ELEMENTWISE_OPS)[N] extends { activation: { epilogue: true } } ? N : never }[ElementwiseOpName];

// The public elementwise functions, with NumPy broadcasting: one per row of
// the elementwise table (src/kernels/elementwise_table.ts), which defines
// what each computes and its derivative. Everything exported here is public
// (src/index.ts re-exports the module) and a Tensor method (src/ops/chain.ts).
import { argError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { LEAKY_RELU_ALPHA, type ElementwiseOpName } from '../kernels/elementwise_table.js';
import { applyRow } from './elementwise_builder.js';
import { binaryOp, unaryOp, type Input } from './elementwise_node.js';

/** The public function of a table row that takes one tensor and no attributes. */
function unaryRow(name: ElementwiseOpName): (x: Input) => Tensor {
  return (x) => applyRow(name, [x]);
}

function checkNumber(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw argError(op, arg, 'a finite number', v);
  return v;
}

export const add = (a: Input, b: Input): Tensor => binaryOp('add', a, b);
export const sub = (a: Input, b: Input): Tensor => binaryOp('sub', a, b);
export const mul = (a: Input, b: Input): Tensor => binaryOp('mul', a, b);
export const div = (a: Input, b: Input): Tensor => binaryOp('div', a, b);
/**
 * `base` to the power `exp`, elementwise with broadcasting, as TensorFlow.js'
 * tf.pow: a negative base takes integer exponents (pow(-2, 3) = -8) and gives
 * NaN for others (pow(-2, 0.5)); pow(0, 0) = 1. Gradients: exp * base^(exp-1)
 * for the base, base^exp * log(base) where base > 0 (else 0) for the exponent.
 */
export const pow = (base: Input, exp: Input): Tensor => binaryOp('pow', base, exp, [], 'pow');
export const maximum = (a: Input, b: Input): Tensor => binaryOp('maximum', a, b);
export const minimum = (a: Input, b: Input): Tensor => binaryOp('minimum', a, b);
/** 1 where a == b, else 0 (float32, not bool). */
export const equal = (a: Input, b: Input): Tensor => binaryOp('equal', a, b);
export const greater = (a: Input, b: Input): Tensor => binaryOp('greater', a, b);
export const greaterEqual = (a: Input, b: Input): Tensor => binaryOp('greaterEqual', a, b);
export const less = (a: Input, b: Input): Tensor => binaryOp('less', a, b);
export const lessEqual = (a: Input, b: Input): Tensor => binaryOp('lessEqual', a, b);

export const neg = unaryRow('neg');
export const exp = unaryRow('exp');
export const log = unaryRow('log');
export const sqrt = unaryRow('sqrt');
export const square = unaryRow('square');
export const abs = unaryRow('abs');
export const sign = unaryRow('sign');
export const reciprocal = unaryRow('reciprocal');
/**
 * Sine of x (radians). Accurate to about 1e-6 for |x| <= 1e5 on both backends
 * (the GPU range-reduces in float32); NaN beyond, where float32 cannot.
 */
export const sin = unaryRow('sin');
/** Cosine of x (radians); same range and accuracy as {@link sin}. */
export const cos = unaryRow('cos');

/** Clamps every value to [min, max]. */
export function clip(x: Input, min: number, max: number): Tensor {
  checkNumber('clip', 'min', min);
  checkNumber('clip', 'max', max);
  if (min > max) throw argError('clip', 'max', `>= min (${min})`, max);
  return unaryOp('clip', x, [min, max]);
}
/** Alias of clip, as TensorFlow.js names it. */
export const clipByValue = clip;

// ---- activations ----
/** Identity: returns x unchanged (a new tensor). */
export const linear = (x: Input): Tensor => unaryOp('identity', x, [], 'linear');
export const sigmoid = unaryRow('sigmoid');
export const tanh = unaryRow('tanh');
export const relu = unaryRow('relu');
/**
 * Leaky ReLU: x for x >= 0, alpha * x otherwise. The default alpha is 0.01, the
 * classic definition (TensorFlow.js' tf.leakyRelu defaults to 0.2 and its
 * layer to 0.3: pass alpha to match them).
 */
export const leakyRelu = (x: Input, alpha = LEAKY_RELU_ALPHA): Tensor => unaryOp('leakyRelu', x, [checkNumber('leakyRelu', 'alpha', alpha)]);
/** Swish (SiLU): x * sigmoid(x). */
export const swish = unaryRow('swish');
/** ELU: x for x >= 0, alpha * (exp(x) - 1) otherwise (alpha defaults to 1). */
export const elu = (x: Input, alpha = 1): Tensor => unaryOp('elu', x, [checkNumber('elu', 'alpha', alpha)]);
/** Exact GELU: x * Phi(x), with Phi the standard normal CDF. */
export const gelu = unaryRow('gelu');
/** Softplus: log(1 + exp(x)), a smooth ReLU. */
export const softplus = unaryRow('softplus');
/** Softsign: x / (1 + |x|). */
export const softsign = unaryRow('softsign');
/** SELU: 1.0507 * elu(x, 1.6733), self-normalizing. */
export const selu = unaryRow('selu');
/** ReLU6: min(max(x, 0), 6). */
export const relu6 = unaryRow('relu6');
/** Hard sigmoid: clip(0.2 x + 0.5, 0, 1), as TensorFlow.js defines it. */
export const hardSigmoid = unaryRow('hardSigmoid');
/** Mish: x * tanh(softplus(x)). */
export const mish = unaryRow('mish');

// Elementwise ops with NumPy broadcasting, and the activations.
import { argError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { broadcastShapes } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { ElementwiseFn } from '../kernels/elementwise_table.js';
import { asFloat } from './convert.js';
import { composite } from '../core/scope.js';

type Input = Tensor | number;

/** Records a unary elementwise node (internal building block). */
export function unaryOp(fn: ElementwiseFn, x: Input, attrs: number[] = [], name: string = fn): Tensor {
  return composite(() => {
    const t = asFloat(name, 'x', x);
    return engine.make({ kind: 'elementwise', fn, attrs }, [t], t.shape, 'float32');
  });
}

/** Records a binary elementwise node with broadcasting (internal building block). */
export function binaryOp(fn: ElementwiseFn, a: Input, b: Input, attrs: number[] = [], name: string = fn): Tensor {
  // In a scope so a number operand's scalar tensor is owned by the op alone.
  return composite(() => {
    const ta = asFloat(name, 'a', a);
    const tb = asFloat(name, 'b', b);
    const shape = broadcastShapes(name, ta.shape, tb.shape, ['a', 'b']);
    return engine.make({ kind: 'elementwise', fn, attrs }, [ta, tb], shape, 'float32');
  });
}

function checkNumber(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw argError(op, arg, 'a finite number', v);
  return v;
}

export const add = (a: Input, b: Input): Tensor => binaryOp('add', a, b);
export const sub = (a: Input, b: Input): Tensor => binaryOp('sub', a, b);
export const mul = (a: Input, b: Input): Tensor => binaryOp('mul', a, b);
export const div = (a: Input, b: Input): Tensor => binaryOp('div', a, b);
export const maximum = (a: Input, b: Input): Tensor => binaryOp('maximum', a, b);
export const minimum = (a: Input, b: Input): Tensor => binaryOp('minimum', a, b);
/** 1 where a == b, else 0 (float32, not bool). */
export const equal = (a: Input, b: Input): Tensor => binaryOp('equal', a, b);
export const greater = (a: Input, b: Input): Tensor => binaryOp('greater', a, b);
export const greaterEqual = (a: Input, b: Input): Tensor => binaryOp('greaterEqual', a, b);
export const less = (a: Input, b: Input): Tensor => binaryOp('less', a, b);
export const lessEqual = (a: Input, b: Input): Tensor => binaryOp('lessEqual', a, b);

export const neg = (x: Input): Tensor => unaryOp('neg', x);
export const exp = (x: Input): Tensor => unaryOp('exp', x);
export const log = (x: Input): Tensor => unaryOp('log', x);
export const sqrt = (x: Input): Tensor => unaryOp('sqrt', x);
export const square = (x: Input): Tensor => unaryOp('square', x);
export const abs = (x: Input): Tensor => unaryOp('abs', x);
export const sign = (x: Input): Tensor => unaryOp('sign', x);
export const reciprocal = (x: Input): Tensor => unaryOp('reciprocal', x);

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
export const linear = (x: Input): Tensor => unaryOp('linear', x);
export const sigmoid = (x: Input): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Input): Tensor => unaryOp('tanh', x);
export const relu = (x: Input): Tensor => unaryOp('relu', x);
/** leakyRelu's default slope, also the 'leakyRelu' activation's (layers/activations.ts, io/topology.ts). */
export const LEAKY_RELU_ALPHA = 0.01;
/**
 * Leaky ReLU: x for x >= 0, alpha * x otherwise. The default alpha is 0.01, the
 * classic definition (TensorFlow.js' tf.leakyRelu defaults to 0.2 and its
 * layer to 0.3: pass alpha to match them).
 */
export const leakyRelu = (x: Input, alpha = LEAKY_RELU_ALPHA): Tensor => unaryOp('leakyRelu', x, [checkNumber('leakyRelu', 'alpha', alpha)]);
/** Swish (SiLU): x * sigmoid(x). */
export const swish = (x: Input): Tensor => unaryOp('swish', x);
/** ELU: x for x >= 0, alpha * (exp(x) - 1) otherwise (alpha defaults to 1). */
export const elu = (x: Input, alpha = 1): Tensor => unaryOp('elu', x, [checkNumber('elu', 'alpha', alpha)]);
/** Exact GELU: x * Phi(x), with Phi the standard normal CDF. */
export const gelu = (x: Input): Tensor => unaryOp('gelu', x);

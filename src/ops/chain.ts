// Chaining: the ops as Tensor methods, as TensorFlow.js users write them
// (`x.matMul(w).add(b).relu()`). core/tensor.ts must not import the ops
// (imports point down), so this file, which sits above both, installs the
// methods on Tensor.prototype and declares them by declaration merging.
// Every op whose first argument is a tensor becomes a method taking the rest;
// losses stay functions, as in TensorFlow.js. Whole modules are spread in, so
// a new op there gets its method (and its type) without a line here.
import type { DType } from '../core/dtype.js';
import { Tensor } from '../core/tensor.js';
import { batchNorm } from './batch_norm.js';
import * as convOps from './conv.js';
import { dropout } from './dropout.js';
import * as elementwise from './elementwise.js';
import * as gatherOps from './gather.js';
import { concat, stack, tile } from './joining.js';
import * as matmulOps from './matmul.js';
import * as poolOps from './pool.js';
import * as reductions from './reduce.js';
import * as shapeOps from './shape_ops.js';
import * as slicing from './slicing.js';
import * as softmaxOps from './softmax.js';
import { where } from './where.js';

// Exports that are building blocks, not ops.
const { checkAxis: _checkAxis, ...slicingOps } = slicing;

/** Ops called as `x.op(...rest)` for `op(x, ...rest)`. */
const THIS_FIRST = { ...elementwise, ...reductions, ...softmaxOps, ...shapeOps, ...matmulOps, ...slicingOps, ...gatherOps, ...convOps, ...poolOps, tile, dropout, batchNorm };

/** `(x, ...rest) => R` as the method `(...rest) => R`. */
type Method<F> = F extends (x: never, ...rest: infer A) => infer R ? (...rest: A) => R : never;
type Methods<M> = { [K in keyof M]: Method<M[K]> };
// The same modules as THIS_FIRST, named by module so the published
// declarations refer to them rather than spelling every signature out.
type ThisFirstMethods = Methods<typeof elementwise> &
  Methods<typeof reductions> &
  Methods<typeof softmaxOps> &
  Methods<typeof shapeOps> &
  Methods<typeof matmulOps> &
  Methods<Omit<typeof slicing, 'checkAxis'>> &
  Methods<typeof gatherOps> &
  Methods<typeof convOps> &
  Methods<typeof poolOps> &
  Methods<{ tile: typeof tile; dropout: typeof dropout; batchNorm: typeof batchNorm }>;
// Every declared method is installed (tsc fails if THIS_FIRST lacks one).
const _declaredAreInstalled: Record<keyof ThisFirstMethods, unknown> = THIS_FIRST;

declare module '../core/tensor.js' {
  interface Tensor extends ThisFirstMethods {
    /** `where(condition, this, b)`, as TensorFlow.js' `x.where(condition, b)`. */
    where(condition: Tensor, b: Tensor | number): Tensor;
    /** `concat([this, ...tensors], axis)`. */
    concat(tensors: Tensor | readonly Tensor[], axis?: number): Tensor;
    /** `stack([this, ...tensors], axis)`. */
    stack(tensors: Tensor | readonly Tensor[], axis?: number): Tensor;
    /** `cast(this, dtype)`. */
    asType(dtype: DType): Tensor;
  }
}

const list = (t: Tensor, more: Tensor | readonly Tensor[]): Tensor[] => [t, ...(more instanceof Tensor ? [more] : more)];

/** Installs the methods (src/index.ts calls it once; calling again changes nothing). */
export function installChaining(): void {
  const methods: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
    where(this: Tensor, condition: Tensor, b: Tensor | number) {
      return where(condition, this, b);
    },
    concat(this: Tensor, tensors: Tensor | readonly Tensor[], axis = 0) {
      return concat(list(this, tensors), axis);
    },
    stack(this: Tensor, tensors: Tensor | readonly Tensor[], axis = 0) {
      return stack(list(this, tensors), axis);
    },
    asType(this: Tensor, dtype: DType) {
      return shapeOps.cast(this, dtype);
    },
  };
  for (const [name, op] of Object.entries(THIS_FIRST)) {
    const f = op as (x: Tensor, ...rest: unknown[]) => unknown;
    methods[name] = function (this: Tensor, ...rest: unknown[]) {
      return f(this, ...rest);
    };
  }
  for (const [name, value] of Object.entries(methods)) {
    // Not enumerable, like class methods.
    Object.defineProperty(Tensor.prototype, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

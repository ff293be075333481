// One elementwise node of a primitive of the table: the building block the
// public elementwise functions, the table's op builder and the reductions
// (mean's division) record with.
import { engine } from '../core/engine.js';
import { broadcastShapes } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import type { ElementwiseFn } from '../kernels/elementwise_table.js';
import { asFloat } from './convert.js';

/** A tensor, or a number taken as a float32 scalar. */
export type Input = Tensor | number;

/** Records a unary elementwise node (internal building block). */
export function unaryOp(fn: ElementwiseFn, x: Input, attrs: readonly number[] = [], name: string = fn): Tensor {
  return composite(() => {
    const t = asFloat(name, 'x', x);
    return engine.make({ kind: 'elementwise', fn, attrs: [...attrs] }, [t], t.shape, 'float32');
  });
}

/** Records a binary elementwise node with broadcasting (internal building block). */
export function binaryOp(fn: ElementwiseFn, a: Input, b: Input, attrs: readonly number[] = [], name: string = fn): Tensor {
  // In a scope so a number operand's scalar tensor is owned by the op alone.
  return composite(() => {
    const ta = asFloat(name, 'a', a);
    const tb = asFloat(name, 'b', b);
    const shape = broadcastShapes(name, ta.shape, tb.shape, ['a', 'b']);
    return engine.make({ kind: 'elementwise', fn, attrs: [...attrs] }, [ta, tb], shape, 'float32');
  });
}


// Recording the rows of the elementwise table (src/kernels/elementwise_table.ts)
// as graph nodes: the building blocks of the public elementwise functions, and
// the op builder the table's derivatives and compositions are written with.
import { WebgradError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { composite } from '../core/scope.js';
import { findOpDef, type ElementwiseFn, type ElementwiseOpName, type OpBuilder, type OpDef } from '../kernels/elementwise_table.js';
import { asFloat } from './convert.js';
import { binaryOp, unaryOp, type Input } from './elementwise_node.js';
import { sum } from './reduce.js';
import { reshape } from './shape_ops.js';

/** Sums a broadcast gradient back down to the shape of the input it came from. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes), shape);
}

function rowOf(fn: string): OpDef {
  const def = findOpDef(fn);
  if (!def) throw new WebgradError(`elementwise table: a row refers to '${fn}', which is not a row of the table.`);
  return def;
}

/** Records row `name` of the table on `args`: a kernel node for a primitive, its parts for a composite. */
export function applyRow(name: ElementwiseOpName, args: readonly Input[], attrs: readonly number[] = []): Tensor {
  const def = rowOf(name);
  if (args.length !== def.arity) throw new WebgradError(`elementwise table: '${name}' takes ${def.arity} argument(s), got ${args.length}.`);
  if (def.kind === 'composite') {
    return composite(() => def.compose(tensorOps, args.map((x, i) => asFloat(name, i === 0 ? 'x' : 'b', x)), attrs));
  }
  // A row that is not a composite is a primitive: its name is a kernel function's.
  const row: string = name;
  const fn = row as ElementwiseFn;
  return def.arity === 1 ? unaryOp(fn, args[0], attrs) : binaryOp(fn, args[0], args[1], attrs);
}

/** The table's op builder on tensors. */
export const tensorOps: OpBuilder<Tensor> = {
  call: (fn, args, attrs) => applyRow(fn as ElementwiseOpName, args, attrs),
  unbroadcast: (g, like) => unbroadcast(g, like.shape),
  isFloat: (t) => t.dtype === 'float32',
};
